"""Progress as citizens see it: who is responsible, what was reported, how far along it is.

Everything comes from one accessor, `plan_progress(plan)` (portal.trees): the published
bundle (one query per content version) and the roll-up (per content version and Taipei
date). `PlanProgress` turns them into what templates print, in the page's language; a node
with nothing reported says so ("Not yet reported"), never a 0 % that would look like a fact.

Pages: the progress overview (filters and sorting through plain GET links, declared with
`page_query` so the page cache keys by them), the agencies and each agency, the chart
coloured by progress. The strategy, vision and home pages read the same presenter through
the `progress` template tags.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_safe

from plan.models import PlanNode
from progress.rollup import EMPTY, Progress, thresholds

from .chart import chart_description
from .page_cache import page_query
from .templatetags.plan_text import node_title
from .trees import (
    linked_tree,
    page_language,
    page_reading,
    plan_knowledge,
    plan_progress,
    published_plan,
)
from .views import plan_context

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
NOT_REPORTED = "none"  # the filter value for "nothing reported" / "no light"
# Sorting by status puts what needs attention first.
STATUS_ORDER = ["behind", "in_progress", "not_started", "suspended", "adjusted", "completed"]
SORTS = ("number", "percent", "status", "date")
FILTERS = ("vision", "topic", "sdg", "agency", "status", "light")
# A filter with more choices than this folds into a <details> (the 17 goals would otherwise
# push the table a phone's screen height down).
FOLDED_OVER = 12
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def percent_text(value):
    """55, 55.5, 100: a Decimal as the pages print it (no locale, no trailing .0)."""
    if value is None:
        return ""
    text = format(value.quantize(Decimal("0.1")), "f")
    return text[:-2] if text.endswith(".0") else text


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
        """A translated field of a bundle row: `name_en` on English pages, else Chinese."""
        if language == "en" and data.get(f"{name}_en"):
            return cls(data[f"{name}_en"])
        value = data.get(f"{name}_zh_hant") or ""
        return cls(value, chinese=language == "en" and bool(value), note=note)

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
        self.reason = Text.plain(data.get("reason"), language)
        self.remedy = Text.plain(data.get("remedy"), language)
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
        self.target_change_reason = Text.plain(data.get("target_change_reason"), language)
        values = data.get("values") or {}
        self.years = []
        for year in range(plan.term_start_roc, plan.term_end_roc + 1):
            entry = values.get(str(year)) or {}
            self.years.append(
                {
                    "year": year,
                    "target": _number(entry.get("target")),
                    "actual": _number(entry.get("actual")),
                    "source": Source.of(entry.get("source"), language)
                    if entry.get("actual") not in (None, "")
                    else None,
                }
            )
        self.corrects = [Indicator(old, presenter) for old in presenter.earlier(data)]

    @cached_property
    def chart(self):
        """Bars per year (target outlined, actual filled) in SVG user units, or None for a
        milestone indicator (its values are years) or one with no numbers yet."""
        if self.direction == "milestone":
            return None
        numbers = [y[k] for y in self.years for k in ("target", "actual") if y[k] is not None]
        if self.baseline is not None:
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
                if year[kind] is not None:
                    h = height(year[kind])
                    group["bars"].append(
                        {"kind": kind, "x": round(x + offset, 1), "y": base - h, "h": h, "w": bar}
                    )
            groups.append(group)
        baseline_y = base - height(self.baseline) if self.baseline is not None else None
        return {
            "width": self.WIDTH,
            "height": self.HEIGHT,
            "axis_y": base,
            "label_y": self.HEIGHT - 8,
            "baseline_y": baseline_y,
            "groups": groups,
        }


def _number(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _node_name(node, language):
    """What a table calls a node: a strategy's title; an action item's text (it has no
    title), shortened."""
    field_name = "title" if node.title else "body"
    value = getattr(node, field_name)
    if field_name == "body" and len(value) > 60:
        value = value[:59].rstrip() + "…"
    return Text(value, chinese=field_name in getattr(node, "untranslated", ()))


def _full_number(node):
    """二、(六) for a strategy, 二、(六) 1. for an action item (English: 2. (6) 1.)."""
    if node.kind == PlanNode.Kind.ACTION:
        return f"{_full_number(node.parent)} {node.number}"
    if node.kind == PlanNode.Kind.STRATEGY:
        return f"{node.parent.number}{node.number}".strip()
    return node.number.strip()


def page_of(node):
    """An action item is shown on its strategy's page."""
    return node.parent if node.kind == PlanNode.Kind.ACTION else node


class NodeProgress:
    """One node's progress as its page prints it."""

    def __init__(self, node, facts, progress, presenter):
        self.node = node
        self.facts = facts
        self.presenter = presenter
        self.reported = progress.is_reported
        self.status = progress.status
        self.status_label = STATUS_LABELS.get(progress.status, "")
        self.light = progress.light
        self.light_label = LIGHT_LABELS.get(progress.light, "")
        self.date = progress.date
        self.percent = progress.percent
        self.percent_text = percent_text(progress.percent)
        self.expected = progress.expected
        self.expected_text = percent_text(progress.expected)
        self.rolled_up = progress.rolled_up
        self.children = progress.children
        self.reported_children = progress.reported
        self.lead = [presenter.agency(a["code"]) for a in facts.lead]
        self.name = _node_name(node, presenter.language)
        self.number = _full_number(node)
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
        self._corrected = {
            item["id"]: item for facts in self.bundle.values() for item in facts.corrected
        }
        self.agencies = self._agencies()
        green, yellow = thresholds()
        self.green_points, self.yellow_points = percent_text(green), percent_text(yellow)

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
        previous = self._corrected.get(data.get("supersedes"))
        while previous is not None and previous["id"] not in seen:
            seen.add(previous["id"])
            chain.append(previous)
            previous = self._corrected.get(previous.get("supersedes"))
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


# The overview's query: filters and sorting --------------------------------------------------


def overview_query(params):
    """The overview's parameters in canonical order, values that cannot be valid dropped:
    one cache entry per view, however the address spelled it. (Vision refs and agency codes
    are checked against the plan by the view, which ignores unknown ones.)"""
    query = {}
    for name in FILTERS:
        value = (params.get(name) or "").strip()
        if name == "status" and value not in (*STATUS_LABELS, NOT_REPORTED):
            continue
        if name == "light" and value not in (*LIGHT_LABELS, NOT_REPORTED):
            continue
        if name in ("vision", "agency", "topic") and not SLUG.match(value):
            continue
        if name == "sdg":
            if not (value.isascii() and value.isdigit() and len(value) <= 3):
                continue
            value = str(int(value))  # ?sdg=01 is ?sdg=1
        query[name] = value
    sort = params.get("sort")
    if sort in SORTS and sort != SORTS[0]:
        query["sort"] = sort
    return query


def query_string(query):
    from urllib.parse import urlencode

    return f"?{urlencode(query)}" if query else ""


def _sort_key(sort):
    last = Decimal(1000)
    if sort == "percent":  # lowest first; nothing reported last
        return lambda item: item.percent if item.percent is not None else last
    if sort == "status":
        order = {status: index for index, status in enumerate(STATUS_ORDER)}
        return lambda item: order.get(item.status, len(order))
    if sort == "date":  # newest first; nothing reported last
        return lambda item: -item.date.toordinal() if item.date else 1
    return None


@page_query(normalise=overview_query)
@require_safe
def overview(request, plan_slug):
    plan = published_plan(plan_slug)
    presenter = PlanProgress(plan)
    tree = presenter.tree
    query = overview_query(request.GET)
    visions = {vision.ref: vision for vision in tree.visions}
    knowledge = plan_knowledge(plan)
    topics = {topic.key: topic for topic in knowledge.topics}
    goals = {goal.key: goal for goal in knowledge.goals}
    unknown = [
        name
        for name, known in (
            ("vision", visions),
            ("topic", topics),
            ("sdg", goals),
            ("agency", presenter.agencies),
        )
        if name in query and query[name] not in known
    ]
    if unknown:
        # A vision or agency the plan does not have: the address is not a page of its own.
        # Redirected (never stored) rather than rendered, so made-up values cannot fill the
        # page cache with copies of the unfiltered overview.
        for name in unknown:
            query.pop(name)
        return redirect(reverse("portal:progress", args=[plan.slug]) + query_string(query))
    items = presenter.items()
    visible = {node.pk for node in tree}
    classified = _classification(knowledge)
    rows = [item for item in items if _matches(item, query, classified)]
    sort = query.get("sort", SORTS[0])
    key = _sort_key(sort)
    if key is not None:
        rows.sort(key=key)  # stable: document order within equal keys

    base = reverse("portal:progress", args=[plan.slug])

    def link(**change):
        changed = {name: value for name, value in {**query, **change}.items() if value}
        return base + query_string(overview_query(changed))

    def options(name, choices):
        current = query.get(name, "")
        return [
            {"label": label, "url": link(**{name: value}), "current": current == value}
            for value, label in [("", gettext("All")), *choices]
        ]

    not_reported = gettext("Not yet reported")
    filters = [
        ("vision", gettext("Vision"), [(v.ref, vision_label(v)) for v in tree.visions]),
        ("topic", gettext("Topic"), [(key, topic.name) for key, topic in topics.items()]),
        (
            "sdg",
            gettext("UN Sustainable Development Goal"),
            # Goals with an item this page lists (not only deleted or unpublished ones).
            [
                (key, f"SDG {key} {goal.name}")
                for key, goal in goals.items()
                if visible.intersection(goal.items)
            ],
        ),
        (
            "agency",
            gettext("Agency (lead or supporting)"),
            [(a.code, a.name) for a in presenter.agencies.values()],
        ),
        ("status", gettext("Status"), [*STATUS_LABELS.items(), (NOT_REPORTED, not_reported)]),
        ("light", gettext("Light"), [*LIGHT_LABELS.items(), (NOT_REPORTED, gettext("No light"))]),
    ]
    context = plan_context(
        plan,
        progress=presenter,
        rows=rows,
        total=len(items),
        query=None,
        filtered=bool({k: v for k, v in query.items() if k != "sort"}),
        any_query=bool(query),
        sort=sort,
        sorts={s: {"url": link(sort=s), "current": s == sort} for s in SORTS},
        filters=[
            {
                "name": name,
                "label": label,
                "options": options(name, choices),
                # Long lists (the 17 goals) fold on the page, open when one is chosen.
                "folded": len(choices) > FOLDED_OVER,
                "chosen": dict(choices).get(query.get(name), ""),
            }
            for name, label, choices in filters
            if choices
        ],
        unfiltered_url=link(**dict.fromkeys(FILTERS, "")),
        sort_label=dict(SORT_LABELS)[sort],
    )
    return render(request, "portal/progress/overview.html", context)


SORT_LABELS = (
    ("number", gettext_lazy("in the plan's order")),
    ("percent", gettext_lazy("by percent complete, lowest first")),
    ("status", gettext_lazy("by status, behind schedule first")),
    ("date", gettext_lazy("by last update, newest first")),
)


def vision_label(vision):
    return format_html("{}{}", vision.number, node_title(vision))


def _classification(knowledge):
    """{node id: {"topic": {slugs}, "sdg": {numbers}}} as assigned by the editors."""
    found = {}
    for name, entries in (("topic", knowledge.topics), ("sdg", knowledge.goals)):
        for entry in entries:
            for node_id in entry.items:
                found.setdefault(node_id, {"topic": set(), "sdg": set()})[name].add(entry.key)
    return found


def _classified(node, name, classified):
    """A strategy's topics (or goals) with its action items'; an action item's with its
    strategy's: the overview shows a strategy's whole family under a topic."""
    family = [node, *node.children] if node.kind == PlanNode.Kind.STRATEGY else [node, node.parent]
    return set().union(*(classified.get(member.pk, {}).get(name, set()) for member in family))


def _matches(item, query, classified):
    """Whether an overview row passes the query's filters."""
    node = item.node
    vision = node.parent if node.kind == PlanNode.Kind.STRATEGY else node.parent.parent
    values = {
        "vision": {vision.ref},
        "topic": _classified(node, "topic", classified),
        "sdg": _classified(node, "sdg", classified),
        "agency": {agency.code for agency in (*item.lead, *item.support)},
        "status": {item.status or NOT_REPORTED},
        "light": {item.light or NOT_REPORTED},
    }
    return all(query[name] in values[name] for name in FILTERS if name in query)


@require_safe
def agencies(request, plan_slug):
    plan = published_plan(plan_slug)
    presenter = PlanProgress(plan)
    return render(
        request,
        "portal/progress/agencies.html",
        plan_context(plan, progress=presenter, agencies=list(presenter.agencies.values())),
    )


@require_safe
def agency(request, plan_slug, code):
    plan = published_plan(plan_slug)
    presenter = PlanProgress(plan)
    found = presenter.agencies.get(code)
    if found is None:
        raise Http404("No such agency in this plan.")
    context = plan_context(
        plan,
        progress=presenter,
        agency=found,
        leads=[presenter.of(node) for node in found.leads],
        supports=[presenter.of(node) for node in found.supports],
    )
    return render(request, "portal/progress/agency.html", context)


@require_safe
def chart_progress(request, plan_slug):
    """The architecture chart with each strategy's light and percent."""
    plan = published_plan(plan_slug)
    context = plan_context(
        plan,
        description=chart_description(plan),
        progress=PlanProgress(plan),
        chart_progress=True,
    )
    return render(request, "portal/chart.html", context)
