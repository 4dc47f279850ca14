"""Progress as pages print it: `PlanProgress` (a plan's progress in the page's language),
`NodeProgress` per node, and what they are made of (updates, indicators, withdrawn facts,
texts marked when they are Chinese on an English page, sources, labels). Over 400 lines,
one job: a presenter for each kind of fact, beside the one that gathers them.

Everything comes from one accessor, `plan_progress(plan)` (portal.published): the published
bundle (one query per content version) and the roll-up (per content version and Taipei
date). A node with nothing reported says so ("Not yet reported"), never a 0 % that would
look like a fact. The progress pages, the feeds, the sitemaps and the `progress` template
tags read the same presenter.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext, gettext_lazy

from plan import tree
from plan.bundle import translated
from plan.models import PlanNode
from progress.numbers import format_number, stored_number
from progress.periods import stale_nodes
from progress.rollup import (
    CATEGORIES,
    EMPTY,
    Progress,
    coverage_minimum,
    strategies_below,
    thresholds,
)

from ...published import (
    dated_for,
    linked_tree,
    page_language,
    page_reading,
    plan_progress,
    reference_day,
)
from ...serving.caching import per_version
from .reporting import Reporting

STATUS_LABELS = {
    "not_started": gettext_lazy("Not started"),
    "in_progress": gettext_lazy("In progress"),
    "behind": gettext_lazy("Behind schedule"),
    "completed": gettext_lazy("Completed"),
    "adjusted": gettext_lazy("Adjusted"),
    "suspended": gettext_lazy("Suspended"),
}
LIGHT_LABELS = {
    "green": gettext_lazy("Green light: on track"),
    "yellow": gettext_lazy("Yellow light: slightly behind"),
    "red": gettext_lazy("Red light: behind"),
}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def percent_text(value):
    """55, 55.5, 100: a Decimal as the pages print it (to a tenth, no trailing .0)."""
    if value is None:
        return ""
    return format_number(value.quantize(Decimal("0.1")))


def coverage_minimum_text():
    """PROGRESS_COVERAGE_MIN as the pages print it: 0.5 → "50" (per cent)."""
    return percent_text(Decimal(str(coverage_minimum())) * 100)


class Text:
    """A text in the page's language. On English pages, Chinese (an untranslated field's
    fallback, or a field staff write in Chinese) is marked lang="zh-Hant", running text
    also labelled "(not yet translated)" as plan_text's filters do."""

    def __init__(self, value, chinese=False, note=False):
        self.value = value or ""
        self.chinese = chinese
        self.note = note

    @classmethod
    def of(cls, data, name, language, note=False):
        """A translated field of a bundle row in `language`, its Chinese where it has no
        English yet (marked so on English pages)."""
        value = translated(data, name, language)
        chinese = language == "en" and not data.get(f"{name}_en") and bool(value)
        return cls(value, chinese=chinese, note=note)

    @classmethod
    def plain(cls, value, language):
        """A field with one language only (a reason, a document number)."""
        return cls(value, chinese=language == "en" and bool(CJK.search(value or "")))

    def __str__(self):
        # Templates turn values into strings before escaping them: the marked-up HTML (a
        # SafeString) survives that. Plain text (feeds, <title>) is `.value`.
        return self.__html__()

    def __bool__(self):
        return bool(self.value)

    def __html__(self):
        if not self.chinese:
            return escape(self.value)
        if self.note:
            return format_html(
                '<span lang="zh-Hant">{}</span> <span class="untranslated">{}</span>',
                self.value,
                gettext("(not yet translated)"),
            )
        return format_html('<span lang="zh-Hant">{}</span>', self.value)


@dataclass
class Source:
    """Where a fact is published: a web address becomes a link, a document number is text."""

    text: Text
    url: str = ""

    @classmethod
    def of(cls, value, language):
        value = (value or "").strip()
        if not value:
            return None
        is_url = re.match(r"^https?://\S+$", value) is not None
        return cls(Text.plain(value, language), value if is_url else "")


@dataclass
class Agency:
    code: str
    name: Text
    website: str
    url: str  # its page on this site
    leads: list = field(default_factory=list)  # NodeProgress
    supports: list = field(default_factory=list)


class Update:
    def __init__(self, data, node, presenter):
        language = presenter.language
        self.id = data["id"]
        self.node = node
        self.date = data["date"]
        self.status = data["status"]
        self.status_label = STATUS_LABELS.get(data["status"], data["status"])
        self.percent = data["percent"]
        self.percent_text = percent_text(data["percent"])
        self.summary = Text.of(data, "summary", language, note=True)
        self.source = Source.of(data.get("source"), language)
        self.agency = presenter.agency(data.get("agency"))
        # Written in Chinese, with an English field since issue 21: English pages mark the
        # Chinese shown where the English is missing, as they mark other texts.
        self.reason = Text.of(data, "reason", language, note=True)
        self.remedy = Text.of(data, "remedy", language, note=True)
        self.published_at = data.get("published_at")
        self.anchor = f"update-{self.id}"
        self.url = f"{page_of(node).url}#{self.anchor}"
        # The revisions this one corrected, newest first: the public history of corrections.
        self.corrects = [Update(old, node, presenter) for old in presenter.earlier(data)]


class Withdrawn:
    """A published fact a reviewer took back: what it said, when it was withdrawn and why.
    It counts in no figure; the item's page keeps it in view (nothing reviewed is lost)."""

    KINDS = {
        "update": gettext_lazy("Progress update"),
        "indicator": gettext_lazy("Indicator"),
        "milestone": gettext_lazy("Milestone"),
    }

    def __init__(self, data, node, language):
        self.id = data["id"]
        self.kind = data["kind"]
        self.kind_label = self.KINDS.get(self.kind, self.kind)
        self.withdrawn_at = data.get("withdrawn_at")
        self.reason = Text.plain(data.get("withdrawal_reason"), language)
        self.date = data.get("date") or data.get("planned_date")
        self.status_label = STATUS_LABELS.get(data.get("status"), "")
        self.percent_text = percent_text(data.get("percent"))
        names = {"update": "summary", "indicator": "name", "milestone": "description"}
        self.what = Text.of(data, names.get(self.kind, "summary"), language, note=True)
        self.anchor = f"withdrawn-{self.kind}-{self.id}"
        self.url = f"{page_of(node).url}#{self.anchor}"


VERDICT_LABELS = {"met": gettext_lazy("Met"), "not_met": gettext_lazy("Not met")}


def verdict(direction, target, actual):
    """ "met" | "not_met" | None for one year of an indicator: only where both the target and
    the actual are published numbers. Higher is better: met at or above the target; lower
    is better: at or below it; a milestone (values are ROC years): reached in or before the
    year it was due."""
    if not isinstance(target, Decimal) or not isinstance(actual, Decimal):
        return None
    if direction == "decrease" or direction == "milestone":
        return "met" if actual <= target else "not_met"
    return "met" if actual >= target else "not_met"


class Indicator:
    WIDTH, HEIGHT, TOP, BOTTOM = 320, 150, 12, 28

    def __init__(self, data, presenter):
        language = presenter.language
        plan = presenter.plan
        self.id = data["id"]
        self.name = Text.of(data, "name", language)
        self.measure = Text.of(data, "measure", language, note=True)
        self.unit = Text.of(data, "unit", language)
        self.direction = data["direction"]
        self.baseline_year = data.get("baseline_year")
        self.baseline = data.get("baseline")
        self.source = Source.of(data.get("source"), language)
        self.target_change_reason = Text.of(data, "target_change_reason", language, note=True)
        values = data.get("values") or {}
        self.years = []
        for year in range(plan.term_start_roc, plan.term_end_roc + 1):
            entry = values.get(str(year)) or {}
            self.years.append(
                {
                    "year": year,
                    "target": stored_number(entry.get("target")),
                    "actual": stored_number(entry.get("actual")),
                    "source": Source.of(entry.get("source"), language)
                    if entry.get("actual") not in (None, "")
                    else None,
                }
            )
            self.years[-1]["verdict"] = verdict(
                self.direction, self.years[-1]["target"], self.years[-1]["actual"]
            )
            self.years[-1]["verdict_label"] = VERDICT_LABELS.get(self.years[-1]["verdict"], "")
        self.corrects = [Indicator(old, presenter) for old in presenter.earlier(data)]

    @cached_property
    def chart(self):
        """Bars per year (target outlined, actual filled) in SVG user units, or None for a
        milestone indicator (its values are years) or one with no numbers yet."""
        if self.direction == "milestone":
            return None
        numbers = [
            y[k] for y in self.years for k in ("target", "actual") if isinstance(y[k], Decimal)
        ]
        if isinstance(self.baseline, Decimal):
            numbers.append(self.baseline)
        if not numbers or max(numbers) <= 0:
            return None
        top = max(numbers)
        span = self.HEIGHT - self.TOP - self.BOTTOM
        base = self.HEIGHT - self.BOTTOM
        slot = self.WIDTH / len(self.years)
        bar = min(28, slot / 3)

        def height(value):
            return round(float(max(value, 0) / top) * span, 1)

        groups = []
        for index, year in enumerate(self.years):
            x = index * slot + slot / 2
            group = {"year": year["year"], "label_x": round(x, 1), "bars": []}
            for kind, offset in (("target", -bar - 2), ("actual", 2)):
                if isinstance(year[kind], Decimal):
                    h = height(year[kind])
                    group["bars"].append(
                        {"kind": kind, "x": round(x + offset, 1), "y": base - h, "h": h, "w": bar}
                    )
            groups.append(group)
        baseline_y = base - height(self.baseline) if isinstance(self.baseline, Decimal) else None
        return {
            "width": self.WIDTH,
            "height": self.HEIGHT,
            "axis_y": base,
            "label_y": self.HEIGHT - 8,
            "baseline_y": baseline_y,
            "groups": groups,
        }


def node_name(node, language):
    """What a table calls a node: a strategy's title; an action item's text (it has no
    title), shortened."""
    field_name = "title" if node.title else "body"
    value = getattr(node, field_name)
    if field_name == "body" and len(value) > 60:
        value = value[:59].rstrip() + "…"
    return Text(value, chinese=field_name in getattr(node, "untranslated", ()))


def full_number(node):
    """二、(六) for a strategy, 二、(六) 1. for an action item (English: 2. (6) 1.), in the
    page's language (plan.tree.full_number); "" where there is none (the goal)."""
    return tree.full_number(node, page_language()) or ""


def page_of(node):
    """An action item is shown on its strategy's page."""
    return node.parent if node.kind == PlanNode.Kind.ACTION else node


class Statement:
    """One dated statement as a line prints it: status, light (at its own date), percent,
    what was expected at that date, the date, and its source (own) or its count (parts).
    `stale`: the item owed an update in the last closed reporting period and has none
    since (「資料已逾一期未更新」): its light is then not shown as current."""

    stale = False

    def __init__(self, figure, kind, language):
        self.kind = kind  # "own": the node's latest update; "parts": its reported parts
        self.status = figure.status
        self.status_label = STATUS_LABELS.get(figure.status, "")
        self.light = figure.light
        self.light_label = LIGHT_LABELS.get(figure.light, "")
        self.percent = figure.percent
        self.percent_text = percent_text(figure.percent)
        self.expected = figure.expected
        self.expected_text = percent_text(figure.expected)
        self.date = figure.date
        self.source = Source.of(figure.source, language)
        self.reported, self.total = figure.reported, figure.total

    @property
    def is_parts(self):
        return self.kind == "parts"


class Coverage:
    """A vision's or the goal's strategies: how many report, and what they say, counted."""

    LABELS = {
        "completed": gettext_lazy("Completed"),
        "green": gettext_lazy("Green light: on track"),
        "yellow": gettext_lazy("Yellow light: slightly behind"),
        "red": gettext_lazy("Red light: behind"),
        "no_light": gettext_lazy("Not started, adjusted or suspended"),
        "not_reported": gettext_lazy("Not yet reported"),
    }

    def __init__(self, progress, stale=0):
        self.reported, self.total = progress.coverage
        # How many of its strategies are marked 「資料已逾一期未更新」 (counted above by
        # their figures' lights, which are not current).
        self.stale = stale
        self.withheld = progress.withheld()
        self.minimum_percent = coverage_minimum_text()
        self.parts = []
        offset = Decimal(0)
        for name in CATEGORIES:
            count = progress.distribution.get(name, 0)
            share = Decimal(100) * count / self.total if self.total else Decimal(0)
            self.parts.append(
                {
                    "name": name,
                    "label": self.LABELS[name],
                    "count": count,
                    "share": percent_text(share),
                    "offset": percent_text(offset),
                }
            )
            offset += share


# What a node's line copies from its headline statement, and what it says without one.
HEADLINE_FIELDS = {
    "status": None,
    "status_label": "",
    "light": None,
    "light_label": "",
    "date": None,
    "percent": None,
    "percent_text": "",
    "expected": None,
    "expected_text": "",
}


class NodeProgress:
    """One node's progress as its page prints it. Every line is one dated statement: the
    headline is the figure that stands for the node in its parent's count (its parts' when
    any part reports a percent, otherwise its own latest update); `own` and `parts` are both
    kept for the pages that print them separately. The goal and visions have no headline
    and no light of their own: they show their strategies' coverage and distribution."""

    def __init__(self, node, facts, progress, presenter):
        language = presenter.language
        self.node = node
        self.facts = facts
        self.presenter = presenter
        self.reported = progress.is_reported or progress.parts is not None
        self.own = Statement(progress.own, "own", language) if progress.own else None
        self.parts = Statement(progress.parts, "parts", language) if progress.parts else None
        figure = progress.figure
        self.headline = self.parts if figure is not None and figure is progress.parts else self.own
        is_parent = node.kind in (PlanNode.Kind.GOAL, PlanNode.Kind.VISION)
        # Marked 「資料已逾一期未更新」: its figure (and the light it earned at its date) is
        # not current. Only strategies and action items owe updates.
        self.stale = node.pk in presenter.stale
        for statement in (self.own, self.headline) if self.stale else ():
            if statement is not None:
                statement.stale = True
        self.coverage = None
        if is_parent:
            stale = sum(1 for pk in strategies_below(node) if pk in presenter.stale)
            self.coverage = Coverage(progress, stale)
        # A line prints the headline statement whole: its status, light, date and percent
        # (the goal and visions have none: they print their coverage).
        headline = None if is_parent else self.headline
        for name, empty in HEADLINE_FIELDS.items():
            setattr(self, name, getattr(headline, name) if headline else empty)
        self.average_count = progress.strategies_with_percent
        if is_parent:
            # The average of its strategies' own figures (each by the statement that stands
            # for it), only with enough of them reporting.
            self.percent = progress.strategies_mean if not self.coverage.withheld else None
            self.percent_text = percent_text(self.percent)
        self.children = progress.children
        self.lead = [presenter.agency(a["code"]) for a in facts.lead]
        self.name = node_name(node, language)
        self.number = full_number(node)
        self.support = [presenter.agency(a["code"]) for a in facts.support]

    @cached_property
    def updates(self):
        return [Update(data, self.node, self.presenter) for data in self.facts.updates]

    @cached_property
    def indicators(self):
        return [Indicator(data, self.presenter) for data in self.facts.indicators]

    @cached_property
    def milestones(self):
        language = self.presenter.language
        return [
            {
                "planned_date": m["planned_date"],
                "done_on": m["done_on"],
                "description": Text.of(m, "description", language),
                "source": Source.of(m.get("source"), language),
            }
            for m in self.facts.milestones
        ]

    @cached_property
    def withdrawn(self):
        language = self.presenter.language
        return [Withdrawn(data, self.node, language) for data in self.facts.withdrawn]

    @property
    def has_details(self):
        facts = self.facts
        return bool(facts.updates or facts.indicators or facts.milestones or facts.withdrawn)


class PlanProgress:
    """A plan's progress for one page language: NodeProgress per node, the agencies."""

    def __init__(self, plan, language=None):
        self.plan = plan
        self.language = language or page_language()
        # The page's own tree (on a Simplified page, the one linking to Simplified pages).
        self.tree = linked_tree(plan, language or page_reading())
        self.bundle, self.progress = plan_progress(plan)
        self.agencies_url = reverse("portal:agencies", args=[plan.slug])
        self._nodes = {}
        # By kind and id: an update and an indicator may have the same id (their own tables).
        self._corrected = {
            (item["kind"], item["id"]): item
            for facts in self.bundle.values()
            for item in facts.corrected
        }
        self.agencies = self._agencies()
        green, yellow = thresholds()
        self.green_points, self.yellow_points = percent_text(green), percent_text(yellow)
        self.coverage_minimum_text = coverage_minimum_text()
        # Today in Taipei; on a dated page (portal.dated), the day it shows.
        self.today = reference_day(plan)

    @cached_property
    def reporting(self):
        """Where the plan's reporting routine stands today (portal.pages.progress.reporting)."""
        return Reporting(self.plan, self.bundle.periods, self.language, self.today)

    @cached_property
    def stale(self):
        """The ids of the items marked 「資料已逾一期未更新」 (none before the plan's first
        reporting period), kept per content version and Taipei date."""
        if not self.plan.first_reporting_period:
            return frozenset()
        today = self.today

        def build():
            return frozenset(stale_nodes(self.tree, self.bundle, today))

        dated = dated_for(self.plan) is not None
        return per_version("stale items", self.plan.pk, today, dated, build=build)

    @cached_property
    def strategy_count(self):
        return sum(1 for node in self.tree if node.kind == PlanNode.Kind.STRATEGY)

    @cached_property
    def coverage(self):
        """The whole plan's: (strategies reporting, strategies)."""
        goal = self.tree.goal
        return self.of(goal).coverage if goal is not None else None

    def of(self, node):
        found = self._nodes.get(node.pk)
        if found is None:
            facts = self.bundle.get(node.pk, EMPTY)
            progress = self.progress.get(node.pk) or Progress()
            found = self._nodes[node.pk] = NodeProgress(node, facts, progress, self)
        return found

    def earlier(self, data):
        """The superseded revisions a published fact corrected, newest first."""
        chain = []
        seen = set()
        kind = data.get("kind")
        previous = self._corrected.get((kind, data.get("supersedes")))
        while previous is not None and previous["id"] not in seen:
            seen.add(previous["id"])
            chain.append(previous)
            previous = self._corrected.get((kind, previous.get("supersedes")))
        return chain

    def _agencies(self):
        """Agencies that lead or support something in the plan, by code (no extra query:
        their names come with the responsibilities in the bundle)."""
        found = {}
        for node in self.tree:
            facts = self.bundle.get(node.pk)
            if facts is None:
                continue
            for role, rows in (("leads", facts.lead), ("supports", facts.support)):
                for row in rows:
                    agency = found.get(row["code"])
                    if agency is None:
                        agency = found[row["code"]] = Agency(
                            code=row["code"],
                            name=Text.of(row, "name", self.language),
                            website=row.get("url") or "",
                            url=f"{self.agencies_url}{row['code']}/",
                        )
                    getattr(agency, role).append(node)
        return dict(sorted(found.items()))

    def agency(self, code):
        """An agency named by code (a reporting agency may have no role here: shown by code)."""
        if not code:
            return None
        return self.agencies.get(code) or Agency(code, Text(code), "", "")

    def items(self):
        """Strategies and action items, in the plan's order: the nodes progress is reported on."""
        kinds = (PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION)
        return [self.of(node) for node in self.tree if node.kind in kinds]

    def updates(self, nodes=None):
        """Published updates (newest first) of `nodes` (default: every node)."""
        nodes = self.tree if nodes is None else nodes
        found = [update for node in nodes for update in self.of(node).updates]
        found.sort(key=lambda u: (u.date, u.id), reverse=True)
        return found
