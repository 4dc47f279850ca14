"""Reads the official plan text (the document as published) into its parts.

Used only to generate the fixture; the fixture, not this parser, is what the site loads.
The official text is taken as it is: the only change is joining the sentences that the
source PDF's page breaks split in two.
"""

import re
from dataclasses import dataclass, field

# The three sentences the PDF's page breaks split: (end of the first part, start of the second).
PAGE_BREAK_SPLITS = [
    ("更", "可靠的交通系統"),
    ("暨產", "業導航計畫"),
    ("社區照顧", "關懷據點"),
]

NUMERAL = "一二三四五六七八九十"
SECTION = re.compile(r"^([壹貳參肆伍陸柒捌玖拾]+)、(.+)$")
VISION = re.compile(rf"^([{NUMERAL}]+)、(.+)$")
STRATEGY = re.compile(rf"^\(([{NUMERAL}]+)\)\s*(.+)：$")
ACTION = re.compile(r"^(\d+)\.\s*(.+)$")
CHART_BULLET = "- "


class SourceError(ValueError):
    pass


@dataclass
class Strategy:
    title: str
    body: str = ""
    actions: list = field(default_factory=list)
    chart_label: str | None = None


@dataclass
class Vision:
    title: str
    strategies: list = field(default_factory=list)


@dataclass
class PlanSource:
    title: str = ""
    authority: str = ""
    preamble_heading: str = ""
    preamble: str = ""
    visions_heading: str = ""
    closing_heading: str = ""
    closing: str = ""
    goal: str = ""
    goal_chart_label: str | None = None
    visions: list = field(default_factory=list)
    chart_title: str = ""
    chart_rows: dict = field(default_factory=dict)


def paragraphs(text):
    """Non-empty blocks separated by blank lines, with the page-break splits joined."""
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", text) if block.strip()]
    joined = []
    joins = 0
    for block in blocks:
        if joined and any(
            joined[-1].endswith(a) and block.startswith(b) for a, b in PAGE_BREAK_SPLITS
        ):
            joined[-1] += block
            joins += 1
        else:
            joined.append(block)
    if joins != len(PAGE_BREAK_SPLITS):
        raise SourceError(f"expected {len(PAGE_BREAK_SPLITS)} page-break joins, made {joins}")
    return joined


def parse(text):
    blocks = paragraphs(text)
    source = PlanSource(title=blocks.pop(0))
    # The title opens with the issuing authority, then the term: 高雄市政府112至115年度…
    source.authority = re.match(r"^(\D+)", source.title).group(1)
    sections = []
    while blocks:
        block = blocks.pop(0)
        if block == source.title + "架構圖":
            source.chart_title = block
            _parse_chart(source, blocks)
            break
        if match := SECTION.match(block):
            sections.append(match.group(2))
            continue
        if len(sections) == 1:
            source.preamble = f"{source.preamble}\n\n{block}" if source.preamble else block
        elif len(sections) == 2:
            _parse_vision_block(source, block)
        elif len(sections) == 3:
            source.closing = f"{source.closing}\n\n{block}" if source.closing else block
        else:
            raise SourceError(f"text outside any section: {block[:30]}")
    if len(sections) != 3:
        raise SourceError(f"expected 3 sections (壹貳參), found {len(sections)}")
    source.preamble_heading, source.visions_heading, source.closing_heading = sections
    # The goal is the quoted phrase the opening section names as 施政目標.
    if match := re.search(r"以「(.+?)」為施政目標", source.preamble):
        source.goal = match.group(1)
    else:
        raise SourceError("the opening section names no goal")
    if source.goal_chart_label == source.goal:
        source.goal_chart_label = None
    return source


def _parse_vision_block(source, block):
    if match := VISION.match(block):
        source.visions.append(Vision(title=match.group(2)))
        return
    if match := STRATEGY.match(block):
        source.visions[-1].strategies.append(Strategy(title=match.group(2)))
        return
    strategy = source.visions[-1].strategies[-1]
    lines = block.split("\n")
    if all(ACTION.match(line) for line in lines):
        for line in lines:
            number, text = ACTION.match(line).groups()
            if int(number) != len(strategy.actions) + 1:
                raise SourceError(f"action item {number} out of order: {text[:20]}")
            strategy.actions.append(text)
    elif strategy.body or strategy.actions:
        raise SourceError(f"second text block under one strategy: {block[:30]}")
    else:
        strategy.body = block


def _parse_chart(source, blocks):
    """The chart: row label, goal, row label, the visions, row label, one bullet list per vision."""
    rows = {}
    row_names = iter(["goal", "visions", "strategies"])
    visions = []
    lists = []
    current = None
    for block in blocks:
        lines = block.split("\n")
        if lines[0].startswith(CHART_BULLET):
            lists.append([line[len(CHART_BULLET) :] for line in lines])
        elif len(lines) == 2 and all(len(line) == 2 for line in lines):
            # Row labels are printed vertically in two lines of two characters.
            current = next(row_names)
            rows[current] = "".join(lines)
        elif current == "goal":
            source.goal_chart_label = block
        elif current == "visions":
            visions.append(block)
        else:
            raise SourceError(f"unexpected block in the chart: {block[:30]}")
    source.chart_rows = rows
    titles = [vision.title for vision in source.visions]
    if visions != titles or len(lists) != len(titles):
        raise SourceError("the chart's visions do not match the body's")
    for vision, labels in zip(source.visions, lists, strict=True):
        if len(labels) != len(vision.strategies):
            raise SourceError(f"the chart lists {len(labels)} strategies under {vision.title}")
        for strategy, label in zip(vision.strategies, labels, strict=True):
            strategy.chart_label = None if label == strategy.title else label
