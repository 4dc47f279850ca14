"""A plan's published progress as one bundle, and the arithmetic pages show from it.

The bundle is read in ONE query (a UNION ALL over the progress tables, each row's fields as
JSON), so a page with progress costs one query more than one without, whatever the plan's
size; portal keeps it per content version as it keeps the tree.

The arithmetic (a node's percent, what was expected by today, its light) is plain Python
over the bundle, tested on its own:
- a node's own percent is that of its latest published update that gives one;
- a node with children takes the weighted mean of its reported children (Schedule.weight,
  default equal) when at least one child reports, otherwise its own; "n of m reported"
  counts its direct children; visions and the goal roll up the same way;
- expected by today: the share of its milestones planned by today when it has milestones,
  otherwise linear over its planned period (default: the plan's term);
- the light, only for `in_progress` and `behind`: green when actual ≥ expected − 10 points,
  yellow when ≥ expected − 25, red below (bounds inclusive; settings PROGRESS_LIGHTS);
  `behind` is never green; `completed` is green; the other statuses have no light.
A node with nothing reported has no percent, no expected value and no light.

Over 400 lines, one job: the one-query bundle and the arithmetic over it, which must agree and
are tested together.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from plan import bundle

from .models import (
    Indicator,
    Milestone,
    ProgressUpdate,
    ReportingPeriod,
    Responsibility,
    Reviewed,
    Schedule,
)
from .numbers import stored_decimal

Status = ProgressUpdate.Status
LIGHT_STATUSES = (Status.IN_PROGRESS, Status.BEHIND)
SHOWN = Reviewed.SHOWN  # published, superseded (history), withdrawn (history)


def thresholds():
    """Points below expected still green, still yellow (settings.PROGRESS_LIGHTS)."""
    lights = getattr(settings, "PROGRESS_LIGHTS", {})
    return Decimal(str(lights.get("green", 10))), Decimal(str(lights.get("yellow", 25)))


# The bundle -------------------------------------------------------------------------------


def _date(value):
    return date.fromisoformat(value[:10]) if value else None


def _datetime(value):
    """A moment from the bundle's JSON (text on both engines), aware, in UTC."""
    if not value or isinstance(value, datetime):
        return value
    moment = parse_datetime(value.replace(" ", "T"))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _shown(model, plan, **filters):
    return QuerySet(model).filter(node__plan=plan, **filters)


def _rows(queryset, kind, **fields):
    return bundle.rows(queryset, kind, **fields)


def bundle_parts(plan):
    """The progress tables' part of a plan's bundle (plan.bundle): what is published (and
    superseded, for the history) about the plan's progress."""
    from django.db.models import Value
    from django.db.models.functions import Coalesce

    def chinese(name):
        """A translated text's Chinese column, never null: the meaning its key had before
        the text had languages (as typed, "" when empty; an unset column is NULL)."""
        return Coalesce(f"{name}_zh_hant", Value(""))

    reviewed = {
        "state": "state",
        "supersedes": "supersedes_id",
        "published_at": "published_at",
        "withdrawn_at": "withdrawn_at",
        "withdrawal_reason": "withdrawal_reason",
    }
    updates = _rows(
        _shown(ProgressUpdate, plan, state__in=SHOWN),
        "update",
        date="date",
        status="status",
        percent="percent",
        source="source",
        # `reason` and `remedy` keep their meaning (the Chinese, a string as before the
        # English columns came); `reason_zh_hant`, `reason_en` … are both languages.
        reason=chinese("reason"),
        remedy=chinese("remedy"),
        agency="agency__code",
        **bundle.both_languages("summary"),
        **bundle.both_languages("reason"),
        **bundle.both_languages("remedy"),
        **reviewed,
    )
    indicators = _rows(
        _shown(Indicator, plan, state__in=SHOWN),
        "indicator",
        key="key",
        direction="direction",
        baseline_year="baseline_year",
        baseline="baseline",
        weight="weight",
        values="values",
        source="source",
        target_change_reason=chinese("target_change_reason"),
        **bundle.both_languages("target_change_reason"),
        **bundle.both_languages("name"),
        **bundle.both_languages("measure"),
        **bundle.both_languages("unit"),
        **reviewed,
    )
    milestones = _rows(
        _shown(Milestone, plan, state__in=SHOWN),
        "milestone",
        planned_date="planned_date",
        done_on="done_on",
        source="source",
        **bundle.both_languages("description"),
        **reviewed,
    )
    responsibilities = _rows(
        _shown(Responsibility, plan),
        "responsibility",
        role="role",
        code="agency__code",
        url="agency__url",
        name_zh_hant="agency__name_zh_hant",
        name_en="agency__name_en",
    )
    schedules = _rows(
        _shown(Schedule, plan),
        "schedule",
        planned_start="planned_start",
        planned_end="planned_end",
        weight="weight",
    )
    # The reporting routine (progress.periods): the plan's periods, and of the drafts waiting
    # for review only their review state, item, agency and date (what an obligation's state
    # is computed from; nothing of their content reaches a page).
    periods = _rows(
        QuerySet(ReportingPeriod).filter(plan=plan),
        "period",
        node=None,
        slug="slug",
        start="start",
        end="end",
        deadline="deadline",
        signed_off_at="signed_off_at",
        report="report",  # the lines stored at sign-off (a list; JSON text on SQLite)
        **bundle.both_languages("label"),
    )
    pending = _rows(
        _shown(ProgressUpdate, plan, state__in=Reviewed.PENDING),
        "pending",
        date="date",
        state="state",
        agency="agency__code",
    )
    return [updates, indicators, milestones, responsibilities, schedules, periods, pending]


FACT_KINDS = {"update", "indicator", "milestone", "responsibility", "schedule", "pending"}


class Bundle(dict):
    """{node id: NodeFacts}, and the plan's reporting periods (`periods`, dicts in order)."""

    periods = ()


def facts_from_rows(rows):
    """A Bundle from the bundle's rows (rows of other kinds are not ours)."""
    facts = defaultdict(NodeFacts)
    periods = []
    for kind, pk, node_ref, data in rows:
        if kind in FACT_KINDS:
            facts[node_ref].add(kind, pk, data)
        elif kind == "period":
            for name in ("start", "end", "deadline"):
                data[name] = _date(data[name])
            data["signed_off_at"] = _datetime(data["signed_off_at"])
            data["id"] = pk
            periods.append(data)
    for node_facts in facts.values():
        node_facts.sort()
    result = Bundle(facts)
    result.periods = sorted(periods, key=lambda p: (p["end"], p["slug"]))
    return result


def read_bundle(plan):
    """Everything published about the plan's progress, from one query: {node id: NodeFacts}."""
    return facts_from_rows(bundle.read(bundle_parts(plan)))


@dataclass
class NodeFacts:
    """What is published about one node: its agencies, updates (newest first), indicators,
    milestones (by planned date), schedule; superseded revisions and withdrawn facts kept
    apart for the history (neither counts in any figure)."""

    lead: list = field(default_factory=list)
    support: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    milestones: list = field(default_factory=list)
    corrected: list = field(default_factory=list)  # superseded revisions, any kind
    withdrawn: list = field(default_factory=list)  # withdrawn facts, any kind
    # Drafts waiting and returned ({id, date, state, agency}; progress.periods): no content.
    pending: list = field(default_factory=list)
    planned_start: date = None
    planned_end: date = None
    weight: Decimal = Decimal(1)

    def add(self, kind, pk, data):
        data["id"] = pk
        data["kind"] = kind
        if kind == "responsibility":
            (self.lead if data["role"] == "lead" else self.support).append(data)
            return
        if kind == "pending":
            data["date"] = _date(data["date"])
            self.pending.append(data)
            return
        if kind == "schedule":
            self.planned_start = _date(data["planned_start"])
            self.planned_end = _date(data["planned_end"])
            self.weight = stored_decimal(data["weight"]) or Decimal(0)
            return
        for name in ("date", "planned_date", "done_on"):
            if name in data:
                data[name] = _date(data[name])
        for name in ("percent", "baseline", "weight"):
            if name in data:
                data[name] = stored_decimal(data[name])
        for name in ("published_at", "withdrawn_at"):
            if name in data:
                data[name] = _datetime(data[name])
        if isinstance(data.get("values"), str):
            data["values"] = json.loads(data["values"] or "{}")
        if data.get("state") == Reviewed.State.SUPERSEDED:
            self.corrected.append(data)
            return
        if data.get("state") == Reviewed.State.WITHDRAWN:
            self.withdrawn.append(data)
            return
        {"update": self.updates, "indicator": self.indicators, "milestone": self.milestones}[
            kind
        ].append(data)

    def sort(self):
        self.updates.sort(key=lambda u: (u["date"], u["id"]), reverse=True)
        self.indicators.sort(key=lambda i: (i["key"], i["id"]))
        self.milestones.sort(key=lambda m: (m["planned_date"], m["id"]))
        self.withdrawn.sort(key=lambda f: (f["withdrawn_at"] or EPOCH, f["id"]), reverse=True)
        for agencies in (self.lead, self.support):
            agencies.sort(key=lambda a: a["code"])

    @property
    def latest(self):
        return self.updates[0] if self.updates else None

    @property
    def own_percent(self):
        return next((u["percent"] for u in self.updates if u["percent"] is not None), None)


EMPTY = NodeFacts()


# The arithmetic ---------------------------------------------------------------------------


def expected_percent(start, end, milestones, today):
    """What should be done by `today`: the share of milestones planned by then, or linear
    over [start, end]."""
    if milestones:
        due = sum(1 for m in milestones if m["planned_date"] <= today)
        return _round(Decimal(100) * due / len(milestones))
    if not start or not end or end <= start:
        return Decimal(100) if end and today >= end else Decimal(0)
    if today <= start:
        return Decimal(0)
    if today >= end:
        return Decimal(100)
    return _round(Decimal(100) * (today - start).days / (end - start).days)


def light(status, actual, expected):
    """ "green" | "yellow" | "red" | None: a word; the pages paint it and always label it."""
    if status == Status.COMPLETED:
        return "green"
    if status not in LIGHT_STATUSES or actual is None or expected is None:
        return None
    green, yellow = thresholds()
    if actual >= expected - green and status != Status.BEHIND:
        return "green"
    if actual >= expected - yellow:
        return "yellow"
    return "red"


def _round(value):
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def weighted_mean(pairs):
    """The weighted mean of (weight, value) pairs to a tenth; None without a positive
    total weight. Every average of the roll-up is this one."""
    pairs = list(pairs)
    total = sum(weight for weight, _ in pairs)
    if not pairs or total <= 0:
        return None
    return _round(sum(weight * value for weight, value in pairs) / total)


@dataclass
class Figure:
    """One dated statement about a node, with the light it earns at its own date: its own
    latest update (status, percent, date and source all from that one update), or what its
    reported parts say together (their weighted mean, as of the latest of their dates)."""

    status: str = None
    percent: Decimal = None
    date: date = None
    expected: Decimal = None  # what was expected at `date`, not today
    light: str = None
    source: str = ""
    reported: int = 0  # parts only: how many of them report …
    total: int = 0  # … of how many


@dataclass
class Progress:
    """A node's progress. The first fields are the open data's (their meaning is a public
    contract: `expected` and `light` are measured against today); the others are what pages
    print, each statement with its own date."""

    percent: Decimal = None  # own, or rolled up from its children
    expected: Decimal = None
    status: str = None  # its latest published update's status
    light: str = None
    date: date = None  # its latest published update's date
    reported: int = 0  # direct children that report
    children: int = 0
    rolled_up: bool = False  # the percent comes from the children
    own: Figure = None  # its own latest update, as one statement
    parts: Figure = None  # what its reported children say together
    # Goal and visions: their strategies, counted (a strategy reports when it or one of its
    # action items has a published update), and by what each one's figure says.
    strategies: int = 0
    strategies_reported: int = 0
    distribution: dict = field(default_factory=dict)
    # Goal and visions: the weighted mean of their strategies' figures (what pages call the
    # average of the reporting strategies) and how many strategies give a percent to it.
    strategies_mean: Decimal = None
    strategies_with_percent: int = 0

    @property
    def is_reported(self):
        return self.status is not None or self.percent is not None

    @property
    def figure(self):
        """The statement that stands for the node in its parent's count: its parts' when any
        part reports a percent, otherwise its own (the same rule as `percent`), otherwise
        its parts' statuses alone."""
        if self.parts is not None and self.parts.percent is not None:
            return self.parts
        return self.own or self.parts

    @property
    def coverage(self):
        return self.strategies_reported, self.strategies

    def withheld(self):
        """True where an average over the strategies would say too little: fewer than
        PROGRESS_COVERAGE_MIN (a share, default one half) of them report."""
        if not self.strategies:
            return False
        share = Decimal(str(coverage_minimum()))
        return Decimal(self.strategies_reported) < share * self.strategies


def coverage_minimum():
    return getattr(settings, "PROGRESS_COVERAGE_MIN", 0.5)


# The distribution's categories, in the order pages list them.
CATEGORIES = ("completed", "green", "yellow", "red", "no_light", "not_reported")


def category(progress, reported):
    """Where a strategy stands in its vision's count: by the statement that stands for it
    (reported without a percent, e.g. not started: counted without a light)."""
    figure = progress.figure
    if figure is None:
        return "no_light" if reported else "not_reported"
    if figure.status == Status.COMPLETED:
        return "completed"
    return figure.light or "no_light"


def _own_figure(facts, term, today):
    latest = facts.latest
    if latest is None:
        return None
    status, percent, day = latest["status"], latest["percent"], latest["date"]
    expected = expected_percent(
        facts.planned_start or term[0], facts.planned_end or term[1], facts.milestones, day
    )
    return Figure(
        status=status,
        percent=percent,
        date=day,
        expected=expected if percent is not None else None,
        light=light(status, percent, expected),
        source=latest.get("source") or "",
    )


def parts_status(statuses):
    """The status a group of parts states together: theirs when they agree; else behind when
    any is (so the group is never green while a part is behind), in progress when any part
    is under way or done; else (not started, adjusted, suspended: no light) the first of
    suspended, adjusted, not started found."""
    found = [status for status in statuses if status]
    if not found:
        return None
    if len(set(found)) == 1:
        return found[0]
    if Status.BEHIND in found:
        return Status.BEHIND
    if Status.IN_PROGRESS in found or Status.COMPLETED in found:
        return Status.IN_PROGRESS
    for status in (Status.SUSPENDED, Status.ADJUSTED, Status.NOT_STARTED):
        if status in found:
            return status
    return found[0]


def _parts_figure(figures, total_children):
    """What the reporting parts say together: the weighted mean of their percents, compared
    with the weighted mean of what was planned at each part's own date; the status they
    state together; dated by the latest of their dates."""
    with_percent = [(w, f) for w, f in figures if f.percent is not None and w > 0]
    percent = weighted_mean((w, f.percent) for w, f in with_percent)
    expected = weighted_mean((w, f.expected) for w, f in with_percent if f.expected is not None)
    status = parts_status([f.status for _, f in figures])
    return Figure(
        status=status,
        percent=percent,
        date=max((f.date for _, f in figures if f.date), default=None),
        expected=expected,
        light=light(status, percent, expected),
        reported=len(figures),
        total=total_children,
    )


def strategies_below(node):
    """The ids of the strategies under a goal or vision node of a PlanTree."""
    from plan.models import PlanNode

    if node.kind == PlanNode.Kind.STRATEGY:
        return [node.pk]
    return [pk for child in node.children for pk in strategies_below(child)]


def roll_up(tree, bundle, today):
    """Every node's Progress, by node id, from the leaves up."""
    from plan.models import PlanNode

    plan = tree.plan
    term = (date(plan.term_start, 1, 1), date(plan.term_end, 12, 31))
    progress = {}
    for node in reversed(tree.nodes):  # children before parents
        facts = bundle.get(node.pk, EMPTY)
        latest = facts.latest
        result = Progress(
            status=latest["status"] if latest else None,
            date=latest["date"] if latest else None,
            children=len(node.children),
            own=_own_figure(facts, term, today),
        )
        reported = [child for child in node.children if progress[child.pk].is_reported]
        result.reported = len(reported)
        weighted = [
            (bundle.get(child.pk, EMPTY).weight, progress[child.pk])
            for child in reported
            if progress[child.pk].percent is not None
        ]
        mean = weighted_mean((w, p.percent) for w, p in weighted)
        if mean is not None:
            result.rolled_up = True
            result.percent = mean
            result.expected = weighted_mean(
                (w, p.expected) for w, p in weighted if p.expected is not None
            )
        elif latest:
            result.percent = facts.own_percent
            result.expected = expected_percent(
                facts.planned_start or term[0],
                facts.planned_end or term[1],
                facts.milestones,
                today,
            )
        figures = [
            (bundle.get(child.pk, EMPTY).weight, progress[child.pk].figure)
            for child in node.children
            if progress[child.pk].figure is not None
        ]
        if figures:
            result.parts = _parts_figure(figures, len(node.children))
        if result.is_reported:
            status = result.status
            if status is None:  # a parent known only through its children
                status = Status.COMPLETED if result.percent == 100 else Status.IN_PROGRESS
            result.light = light(status, result.percent, result.expected)
        else:
            result.expected = None
        if node.kind == PlanNode.Kind.STRATEGY:
            reports = result.is_reported or any(
                progress[child.pk].is_reported for child in node.children
            )
            result.strategies, result.strategies_reported = 1, int(reports)
            result.distribution = {category(result, reports): 1}
        elif node.kind != PlanNode.Kind.ACTION:
            result.distribution = dict.fromkeys(CATEGORIES, 0)
            for child in node.children:
                below = progress[child.pk]
                result.strategies += below.strategies
                result.strategies_reported += below.strategies_reported
                for name, count in below.distribution.items():
                    result.distribution[name] += count
            # Over the strategies themselves (not a mean of the visions' means), each by the
            # statement that stands for it, with its own weight.
            found = [
                (bundle.get(pk, EMPTY).weight, progress[pk].figure.percent)
                for pk in strategies_below(node)
                if progress[pk].figure is not None and progress[pk].figure.percent is not None
            ]
            result.strategies_with_percent = len(found)
            result.strategies_mean = weighted_mean(found)
        progress[node.pk] = result
    return progress
