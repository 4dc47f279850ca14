"""The architecture chart (架構圖) laid out for a standalone SVG file. Over 400 lines, one
job: measuring and breaking CJK and Latin text is most of it.

SVG text does not wrap by itself, and a downloaded file cannot lean on the site's CSS, so the
layout is computed here: text widths are estimated, labels wrapped into lines that fit their
boxes, box heights grown to fit, and every box given its place (x, y, w, h) so that tests can
check the result without a browser. The column count and width follow from the data: staff
may add a fifth vision, a ninth strategy or a long English label.
"""

import math
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext

# The site's palette (static/portal/site.css); a downloaded file cannot read CSS variables.
INK = "#1c2830"
MUTED = "#46555e"
BRAND = "#0b4f6c"
WASH = "#f3f6f8"
HUES = {
    1: ("#1259a8", "#e8f1fb"),
    2: ("#2a6e2f", "#eaf4eb"),
    3: ("#b03a0a", "#fcefe8"),
    4: ("#6d2391", "#f4ebf9"),
    5: ("#0b6464", "#e5f3f3"),
    6: ("#7a5513", "#f7f0e3"),
}
# Fonts with Traditional Chinese glyphs on Linux, macOS and Windows, then whatever there is.
FONT_FAMILY = (
    "'Noto Sans CJK TC', 'Noto Sans TC', 'Source Han Sans TC', 'PingFang TC', "
    "'Microsoft JhengHei', 'Heiti TC', sans-serif"
)

# Advance widths in em of Latin glyphs in Arial/Helvetica regular. They are a little wider
# than the Latin of Noto Sans CJK, so a line measured with them also fits the fallback fonts.
_NARROW = dict.fromkeys(" .,:;!|'/\\fijlrt[]()", 0.278)
_NARROW.update({"i": 0.222, "j": 0.222, "l": 0.222, "'": 0.191, "r": 0.333, "(": 0.333, ")": 0.333})
_WIDE = {"m": 0.833, "w": 0.722, "M": 0.833, "W": 0.944, "@": 1.015, "%": 0.889, "&": 0.667}
_WIDE.update({"—": 1.0, "…": 1.0})
_UPPER = {"I": 0.278, "J": 0.5, "L": 0.556, "F": 0.611, "T": 0.611, "Z": 0.611}
_PUNCTUATION = {"-": 0.333, "–": 0.556, "‘": 0.222, "’": 0.222, "“": 0.333, "”": 0.333}
BOLD = 1.1  # bold Latin runs about a tenth wider; CJK glyphs keep their full em

# Kinsoku: CJK punctuation that may not start a line, and that may not end one.
NO_LINE_START = set("、，。．：；！？）」』】〉》〕’”％·・…—－～")
NO_LINE_END = set("（「『【〈《〔‘“")
LATIN_NO_LINE_START = set(",.;:!?)]}%")
# Latin lines may break after these as well as at spaces ("Kaohsiung–Pingtung–Tainan").
BREAK_AFTER = set("-–—/")


def char_width(ch):
    """Estimated advance of one character, in em."""
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    for table in (_PUNCTUATION, _NARROW, _WIDE, _UPPER):
        if ch in table:
            return table[ch]
    if ch.isupper():
        return 0.722
    if ch.isascii():
        return 0.556
    if ch.isalpha():
        return 0.6  # é, ü: Latin letters that Unicode counts as "ambiguous" width
    if unicodedata.east_asian_width(ch) == "A":
        return 1.0  # CJK fonts often draw ambiguous-width symbols a full em wide
    return 0.6


def text_width(text, size, bold=False):
    """Estimated width of a one-line text in user units (px) at a font size."""
    width = 0.0
    for ch in text:
        em = char_width(ch)
        width += em * (BOLD if bold and em < 1 else 1)
    return width * size


def _atoms(text):
    """Split text into pieces that may not be broken, each with whether a space precedes it.

    A CJK character is a piece of its own (CJK lines break between any two characters, save
    for punctuation that must stay with its neighbour); Latin words break at spaces and after
    hyphens and dashes.
    """
    atoms = []  # [text, spaced]
    word = ""
    spaced = False

    def flush():
        nonlocal word, spaced
        if word:
            atoms.append([word, spaced])
            word, spaced = "", False

    for ch in text:
        if ch.isspace():
            flush()
            spaced = bool(atoms)
        elif unicodedata.east_asian_width(ch) in "WF":
            flush()
            if atoms and not spaced and (ch in NO_LINE_START or atoms[-1][0][-1] in NO_LINE_END):
                atoms[-1][0] += ch
            else:
                atoms.append([ch, spaced])
            spaced = False
        else:
            if not word and atoms and not spaced:
                if atoms[-1][0][-1] in NO_LINE_END:
                    word, spaced = atoms.pop()  # （MRT keeps the bracket with its word
                elif ch in LATIN_NO_LINE_START:
                    atoms[-1][0] += ch  # 高雄, keeps the comma on its line
                    continue
            word += ch
            if ch in BREAK_AFTER and len(word) > 1:
                flush()
    flush()
    return atoms


def _split_long(piece, size, bold, width):
    """Break a piece wider than the line at character boundaries (a URL, a very long word)."""
    chunks, chunk = [], ""
    for ch in piece:
        if chunk and text_width(chunk + ch, size, bold) > width:
            chunks.append(chunk)
            chunk = ""
        chunk += ch
    return [*chunks, chunk] if chunk else chunks


def wrap(text, size, width, bold=False):
    """The lines of `text` that each fit `width` at font `size`, breaking greedily."""
    lines = []
    line = ""
    for piece, spaced in _atoms(text):
        candidate = f"{line} {piece}" if line and spaced else line + piece
        if not line or text_width(candidate, size, bold) <= width:
            line = candidate
        else:
            lines.append(line)
            line = piece
        if text_width(line, size, bold) > width:
            *full, line = _split_long(line, size, bold, width)
            lines.extend(full)
    if line:
        lines.append(line)
    return lines or [""]


def printable(text):
    """Staff text without control characters, which XML cannot carry, on one line."""
    text = " ".join((text or "").split())
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


@dataclass(frozen=True)
class Style:
    size: int
    bold: bool = False
    pad_x: int = 12
    pad_y: int = 10
    leading: float = 1.3  # line height as a multiple of the font size

    @property
    def line_height(self):
        return math.ceil(self.size * self.leading)


TITLE = Style(30, bold=True, pad_x=0, pad_y=0)
ROW = Style(20, bold=True, pad_x=12, pad_y=12)
GOAL = Style(28, bold=True, pad_x=20, pad_y=16)
VISION = Style(24, bold=True, pad_x=14, pad_y=14)
STRATEGY = Style(18, pad_x=12, pad_y=10)
FOOTNOTE = Style(14, pad_x=0, pad_y=0)

MARGIN = 40
CONTENT_WIDTH = 1320  # the four columns of the document, drawn for an A4/A3 landscape page
ROW_MIN_WIDTH = 72  # narrow enough that 施政目標 prints as 施政／目標, as in the document
COLUMN_MIN_WIDTH = 200
GUTTER = 16  # between columns, and between the row labels and the chart
TITLE_GAP = 28
BAND_GAP = 40  # between goal and visions: room for the connecting lines
STACK_GAP = 12  # between a vision and its strategies, and between strategies
FOOTNOTE_GAP = 24


@dataclass
class Box:
    kind: str  # "title", "row", "goal", "vision", "strategy" or "footnote"
    text: str
    style: Style
    x: int = 0
    y: int = 0
    w: int = 0
    h: int = 0
    url: str = ""
    lang: str = ""  # "zh-Hant" where an English chart falls back to untranslated Chinese
    fill: str = ""
    stroke: str = ""
    color: str = INK
    lines: list = field(default_factory=list)

    def wrap(self, width):
        self.w = width
        self.lines = wrap(self.text, self.style.size, self.inner_width, self.style.bold)
        return self

    @property
    def inner_width(self):
        return self.w - 2 * self.style.pad_x

    @property
    def needed_height(self):
        return len(self.lines) * self.style.line_height + 2 * self.style.pad_y

    @property
    def cx(self):
        return self.x + self.w // 2

    @property
    def framed(self):
        return bool(self.fill)

    @property
    def baselines(self):
        """(line, baseline y) pairs, the block of lines centred in the box."""
        height = self.style.line_height
        top = self.y + (self.h - len(self.lines) * height) / 2
        # A CJK font's ink sits about 0.36 em above the baseline's midpoint in a line.
        return [
            (line, round(top + height * (i + 0.5) + self.style.size * 0.36))
            for i, line in enumerate(self.lines)
        ]


@dataclass
class ChartLayout:
    width: int
    height: int
    title: str
    description: str
    language: str
    boxes: list
    connectors: list  # (x1, y1, x2, y2) lines from the goal to the visions

    def of_kind(self, kind):
        return [box for box in self.boxes if box.kind == kind]


def chart_description(plan):
    """What the chart shows, in words: the page's and the SVG file's description."""
    return gettext(
        "The chart shows the %(goal_row)s at the top, the %(visions_row)s as columns below "
        "it and, under each vision, its %(strategies_row)s. Every vision and strategy links "
        "to its page."
    ) % {
        "goal_row": plan.chart_goal_row,
        "visions_row": plan.chart_visions_row,
        "strategies_row": plan.chart_strategies_row,
    }


def _node_box(kind, node, style, language, **colours):
    # The chart prints a node's chart label where it has one, else its title (as the
    # chart_text filter does on the page).
    name = "chart_label" if node.chart_label else "title"
    untranslated = language == "en" and name in getattr(node, "untranslated", ())
    return Box(
        kind,
        printable(getattr(node, name)),
        style,
        url=getattr(node, "url", ""),
        lang="zh-Hant" if untranslated else "",
        **colours,
    )


def _row_box(plan, name, language):
    text = getattr(plan, f"chart_{name}_row")
    untranslated = language == "en" and not getattr(plan, f"chart_{name}_row_en", "")
    return Box(
        "row",
        printable(text),
        ROW,
        lang="zh-Hant" if untranslated else "",
        fill=WASH,
        stroke=BRAND,
        color=BRAND,
    )


def _widest_piece(text, style):
    return max((text_width(p, style.size, style.bold) for p, _ in _atoms(text)), default=0)


def layout_chart(plan, tree, language, *, footnote_url=""):
    """Place every box of the chart for `tree` (already linked to absolute URLs)."""
    visions = tree.visions
    columns = max(1, len(visions))
    rows = {name: _row_box(plan, name, language) for name in ("goal", "visions", "strategies")}

    # The row-label column is as wide as its longest word ("Implementation"), at least.
    label_width = max(
        ROW_MIN_WIDTH,
        *(math.ceil(_widest_piece(box.text, ROW)) + 2 * ROW.pad_x for box in rows.values()),
    )
    column_width = max(
        COLUMN_MIN_WIDTH,
        (CONTENT_WIDTH - label_width - GUTTER - (columns - 1) * GUTTER) // columns,
    )
    chart_x = MARGIN + label_width + GUTTER
    chart_width = columns * column_width + (columns - 1) * GUTTER
    width = chart_x + chart_width + MARGIN
    for box in rows.values():
        box.x = MARGIN
        box.wrap(label_width)

    title = Box("title", printable(plan.chart_title), TITLE, color=BRAND)
    title.x, title.y = MARGIN, MARGIN
    title.wrap(width - 2 * MARGIN)
    title.h = title.needed_height
    boxes = [title]

    # Band 1: the goal, across all the columns.
    y = title.y + title.h + TITLE_GAP
    goal = None
    if tree.goal is not None:
        goal = _node_box("goal", tree.goal, GOAL, language, fill=BRAND, color="#ffffff")
        goal.x, goal.y = chart_x, y
        goal.wrap(chart_width)
    band = [b for b in (goal, rows["goal"]) if b]
    _place_band(band, y)
    boxes += band
    y += max(b.h for b in band) + BAND_GAP

    # Band 2: the visions side by side, all as tall as the tallest.
    columns_x = [chart_x + i * (column_width + GUTTER) for i in range(columns)]
    vision_boxes = []
    for x, vision in zip(columns_x, visions, strict=False):
        ink, _ = HUES[vision.hue]
        box = _node_box("vision", vision, VISION, language, fill=ink, stroke=ink, color="#ffffff")
        box.x = x
        vision_boxes.append(box.wrap(column_width))
    band = [*vision_boxes, rows["visions"]]
    _place_band(band, y)
    boxes += band
    connectors = _connectors(goal, vision_boxes)
    y += band[0].h + STACK_GAP

    # Band 3: each vision's strategies under it; the n-th strategies of all the columns
    # share a row height, so the columns read across as in the document.
    strategies_top = y
    columns_of_boxes = []
    for x, vision in zip(columns_x, visions, strict=False):
        ink, wash = HUES[vision.hue]
        column = []
        for strategy in vision.children:
            box = _node_box("strategy", strategy, STRATEGY, language, fill=wash, stroke=ink)
            box.x = x
            column.append(box.wrap(column_width))
        columns_of_boxes.append(column)
    depth = max((len(column) for column in columns_of_boxes), default=0)
    for index in range(depth):
        row = [column[index] for column in columns_of_boxes if len(column) > index]
        _place_band(row, y)
        boxes += row
        y += row[0].h + STACK_GAP
    strategies_label = rows["strategies"]
    strategies_label.y = strategies_top
    strategies_label.h = max(y - STACK_GAP - strategies_top, strategies_label.needed_height)
    boxes.append(strategies_label)
    y = max(y - STACK_GAP, strategies_label.y + strategies_label.h)

    if footnote_url:
        note = Box("footnote", footnote_url, FOOTNOTE, url=footnote_url, color=MUTED)
        note.x, note.y = MARGIN, y + FOOTNOTE_GAP
        note.wrap(width - 2 * MARGIN)
        note.h = note.needed_height
        boxes.append(note)
        y = note.y + note.h

    return ChartLayout(
        width=width,
        height=y + MARGIN,
        title=title.text,
        description=chart_description(plan),
        language=language,
        boxes=boxes,
        connectors=connectors,
    )


def _place_band(boxes, y):
    """Put boxes side by side at y, all as tall as the one with the most lines."""
    height = max(box.needed_height for box in boxes)
    for box in boxes:
        box.y, box.h = y, height


def _connectors(goal, visions):
    """The lines of the tree: down from the goal, across, and down into each vision."""
    if goal is None or not visions:
        return []
    top = goal.y + goal.h
    middle = top + BAND_GAP // 2
    bottom = visions[0].y
    left = min(goal.cx, visions[0].cx)
    right = max(goal.cx, visions[-1].cx)
    lines = [(goal.cx, top, goal.cx, middle), (left, middle, right, middle)]
    lines += [(box.cx, middle, box.cx, bottom) for box in visions]
    return lines
