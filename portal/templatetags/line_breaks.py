"""`{{ text|keep_whole }}`: a title's text with what must not be split at the end of a line
marked, so site.css keeps it together. Chinese may break between any two characters, so the
plan's title broke as "高雄市政府112至 / 115年度中程施政計畫" on a phone.

Marked: a range of years or numbers with its unit (112至115年度, 2023–2026), a number with its
unit (60 %, 8,000戶) and a hyphenated English word (Mid-Term), in <span class="unbroken">
(nowrap: short by nature); and the names given as the argument
(`{{ plan.title|keep_whole:plan.authority }}`), in <span class="keep-whole"> (keep-all: a
name longer than the line may still break rather than overflow). Plain text only: text
already marked up (a title marked untranslated) is returned as it is. Markup only: the text
itself is unchanged (the fidelity test reads pages' text with the tags removed), and every
piece of it is escaped.
"""

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

NUMBER = r"\d[\d,]*(?:\.\d+)?"
# Units a number is written with in a plan and its progress: years, percents, counts of things.
UNIT = r"(?:年度|年|個月|月|日|%|％|項|人次|公里|公頃|億元|萬元|元|座|處|所|戶|人|件|家|場|次|條|輛|間|倍)"
# Not the hyphen: a date (2025-03-31) is not a range.
RANGE = rf"{NUMBER}\s?(?:至|到|~|～|–|—)\s?{NUMBER}"
# An English word joined by a hyphen ("Mid-Term") breaks only where its spaces are.
HYPHENATED = r"[A-Za-z]+(?:-[A-Za-z]+)+"
KEPT = re.compile(rf"(?:{RANGE}|{NUMBER}\s?{UNIT})(?:\s?{UNIT})?|{HYPHENATED}")


@register.filter(is_safe=True)
def keep_whole(text, names=""):
    """`text` escaped, its numbers with units and its `names` (one, or several separated by
    commas) each in a span that keeps it on one line."""
    if isinstance(text, SafeData):
        return text  # markup already: its text cannot be told from its tags here
    text = str(text or "")
    wanted = [name.strip() for name in str(names or "").split(",") if name.strip()]
    parts = [re.escape(name) for name in sorted(wanted, key=len, reverse=True)]
    pattern = re.compile("|".join([*parts, KEPT.pattern])) if parts else KEPT
    pieces, at = [], 0
    for found in pattern.finditer(text):
        pieces.append(conditional_escape(text[at : found.start()]))
        kind = "keep-whole" if found.group(0) in wanted else "unbroken"
        pieces.append(format_html('<span class="{}">{}</span>', kind, found.group(0)))
        at = found.end()
    pieces.append(conditional_escape(text[at:]))
    return mark_safe("".join(pieces))  # every piece escaped above
