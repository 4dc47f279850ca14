"""The plan's official numbering, derived from a node's position among its siblings.

The document numbers its sections 壹／貳／參, its visions 一、, its strategies (一) and its
action items 1.; the English pages use the same shapes with Arabic numerals. Numbering is
never stored, so moving a strategy renumbers it everywhere.
"""

DIGITS = "〇一二三四五六七八九"
FINANCIAL_DIGITS = "零壹貳參肆伍陸柒捌玖"


def chinese_numeral(n: int, digits: str = DIGITS, ten: str = "十") -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (plans never reach 100 siblings)."""
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    text = ""
    if tens:
        text = (digits[tens] if tens > 1 else "") + ten
    if units:
        text += digits[units]
    return text


def section_number(position: int) -> dict:
    """The document's top-level sections: 壹、施政目標, 貳、…, 參、…"""
    return {
        "zh-hant": chinese_numeral(position, FINANCIAL_DIGITS, "拾") + "、",
        "en": f"{_roman(position)}.",
    }


def _roman(n: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for value, letters in numerals:
        while n >= value:
            text += letters
            n -= value
    return text


def node_number(kind: str, position: int) -> dict | None:
    """The number printed before a node, by language; position counts from 1."""
    if kind == "vision":
        return {"zh-hant": chinese_numeral(position) + "、", "en": f"{position}."}
    if kind == "strategy":
        return {"zh-hant": f"({chinese_numeral(position)})", "en": f"({position})"}
    if kind == "action":
        return {"zh-hant": f"{position}.", "en": f"{position}."}
    return None
