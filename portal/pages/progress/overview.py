"""The progress overview's query (/<plan>/progress/?vision=…&agency=…&stale=1&sort=…): its
filters and sorting, read through plain GET links that the page cache keys by (`overview_query`
is the canonical form), and the rows, choices and links of one query (`Overview`)."""

import re
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from plan.models import PlanNode

from ...templatetags.plan_text import node_title
from .presenters import LIGHT_LABELS, STATUS_LABELS

NOT_REPORTED = "none"  # the filter value for "nothing reported" / "no light"
# Sorting by status puts what needs attention first.
STATUS_ORDER = ["behind", "in_progress", "not_started", "suspended", "adjusted", "completed"]
SORT_LABELS = (
    ("number", gettext_lazy("in the plan's order")),
    ("percent", gettext_lazy("by percent complete, lowest first")),
    ("status", gettext_lazy("by status, behind schedule first")),
    ("date", gettext_lazy("by last update, newest first")),
)
SORTS = tuple(name for name, _label in SORT_LABELS)
FILTERS = ("vision", "topic", "sdg", "agency", "status", "light", "stale")
STALE = "1"  # ?stale=1: the items marked 「資料已逾一期未更新」
# A filter with more choices than this folds into a <details> (the 17 goals would otherwise
# push the table a phone's screen height down).
FOLDED_OVER = 12
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


def overview_query(params):
    """The overview's parameters in canonical order, values that cannot be valid dropped:
    one cache entry per view, however the address spelled it. (Vision refs and agency codes
    are checked against the plan by `Overview.unknown`.)"""
    query = {}
    for name in FILTERS:
        value = (params.get(name) or "").strip()
        if name == "status" and value not in (*STATUS_LABELS, NOT_REPORTED):
            continue
        if name == "light" and value not in (*LIGHT_LABELS, NOT_REPORTED):
            continue
        if name == "stale" and value != STALE:
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
    return f"?{urlencode(query)}" if query else ""


def vision_label(vision):
    return format_html("{}{}", vision.number, node_title(vision))


class Overview:
    """The overview of a plan's progress (a PlanProgress) for one canonical query."""

    def __init__(self, progress, knowledge, query):
        self.progress = progress
        self.knowledge = knowledge
        self.query = query
        self.base = reverse("portal:progress", args=[progress.plan.slug])
        # What the plan has of each filter's values, by value.
        self.known = {
            "vision": {vision.ref: vision for vision in progress.tree.visions},
            "topic": {topic.key: topic for topic in knowledge.topics},
            "sdg": {goal.key: goal for goal in knowledge.goals},
            "agency": progress.agencies,
            # Nothing is stale before the plan's first reporting period: no filter either.
            "stale": {STALE: True} if progress.reporting.started else {},
        }

    def unknown(self):
        """The filters whose value the plan does not have (a vision, topic, goal or agency)."""
        query = self.query
        return [
            name for name, known in self.known.items() if name in query and query[name] not in known
        ]

    def link(self, **change):
        """The overview's address with some parameters changed ("" removes one)."""
        changed = {name: value for name, value in {**self.query, **change}.items() if value}
        return self.base + query_string(overview_query(changed))

    def context(self):
        """What the overview's template shows for this query."""
        query = self.query
        items = self.progress.items()
        classified = _classification(self.knowledge)
        rows = [item for item in items if _matches(item, query, classified)]
        sort = query.get("sort", SORTS[0])
        key = _sort_key(sort)
        if key is not None:
            rows.sort(key=key)  # stable: document order within equal keys
        return {
            "progress": self.progress,
            "rows": rows,
            "total": len(items),
            "query": None,
            "filtered": bool({k: v for k, v in query.items() if k != "sort"}),
            "any_query": bool(query),
            "sort": sort,
            "sorts": {s: {"url": self.link(sort=s), "current": s == sort} for s in SORTS},
            "filters": self.filters(),
            "unfiltered_url": self.link(**dict.fromkeys(FILTERS, "")),
            "sort_label": dict(SORT_LABELS)[sort],
        }

    def filters(self):
        """Each filter with choices: its label, its options as links, whether it folds."""
        query = self.query
        return [
            {
                "name": name,
                "label": label,
                "options": self.options(name, choices),
                # Long lists (the 17 goals) fold on the page, open when one is chosen.
                "folded": len(choices) > FOLDED_OVER,
                "chosen": dict(choices).get(query.get(name), ""),
            }
            for name, label, choices in self.choices()
            if choices
        ]

    def options(self, name, choices):
        """A filter's options as links, "All" first, the current one marked."""
        current = self.query.get(name, "")
        return [
            {"label": label, "url": self.link(**{name: value}), "current": current == value}
            for value, label in [("", gettext("All")), *choices]
        ]

    def choices(self):
        """(filter, its label, [(value, label)]) of every filter, in the page's order."""
        tree = self.progress.tree
        visible = {node.pk for node in tree}
        not_reported = gettext("Not yet reported")
        topics, goals = self.known["topic"], self.known["sdg"]
        return [
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
                [(a.code, a.name) for a in self.progress.agencies.values()],
            ),
            ("status", gettext("Status"), [*STATUS_LABELS.items(), (NOT_REPORTED, not_reported)]),
            (
                "light",
                gettext("Light"),
                [*LIGHT_LABELS.items(), (NOT_REPORTED, gettext("No light"))],
            ),
            (
                "stale",
                gettext("Reporting"),
                [(STALE, gettext("Not updated last period"))] if self.known["stale"] else [],
            ),
        ]


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
        "stale": {STALE} if item.stale else set(),
    }
    return all(query[name] in values[name] for name in FILTERS if name in query)
