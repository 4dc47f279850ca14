"""The plan as published at the end of a day (Asia/Taipei), and what changed between two
days: what the as-of pages, the comparison, the dated open data and `compare_plan` read.

A `DatedPlan` is reconstructed from django-reversion's stored versions, never guessed:
plan.asof (texts, order, numbering), progress.asof (published facts), knowledge.asof (the
glossary links then in force), all from one read of the versions (plan.asof.latest_versions).
While a dated page or export is built, `portal.published.as_of(dated)` makes every accessor
answer for that day, so the pages' templates and the export format serve both unchanged.

"Published at the end of the day" means: what the record held at midnight that ended the day
in Taipei. A draft never counts; a fact published later but dated earlier appears from the
day it was published, not from its date (docs/decisions.md).
"""

import json
import re
from datetime import date, datetime, timedelta
from functools import cached_property

from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext, ngettext_lazy

from knowledge.asof import KNOWLEDGE_MODELS, knowledge_rows_at
from knowledge.bundle import knowledge_from_rows
from plan.asof import (
    PLAN_MODELS,
    deletions_before,
    earliest_date,
    end_of_day,
    latest_versions,
    plan_at,
)
from plan.compare import compare_plans
from plan.tree import ancestors, full_number
from progress.asof import PROGRESS_MODELS, progress_rows_at
from progress.compare import compare_progress, summarise
from progress.rollup import facts_from_rows, roll_up

from .published import link, taipei_today, text_language
from .serving.caching import per_version

FACT_MODELS = (*PROGRESS_MODELS, *KNOWLEDGE_MODELS)
MODELS = (*PLAN_MODELS, *FACT_MODELS)


class DatedPlan:
    """Everything published about `plan` at the end of `day`: `plan` (its texts then),
    `state` (plan.asof.PlanAt), `rows` and `bundle` (its progress and knowledge then), and
    per language its linked tree, roll-up and knowledge. `pages`: link the tree to the
    dated pages (/<plan>/as-of/<day>/…); otherwise to the pages' own addresses, as an
    export made that day did."""

    def __init__(self, plan, day, state, rows, pages=True):
        self.live = plan
        self.day = day
        self.moment = end_of_day(day)
        self.state = state
        self.plan = state.plan
        self.rows = rows
        self.bundle = facts_from_rows(rows)
        self.pages = pages
        self._trees = {}
        self._knowledge = {}

    @property
    def positions_known(self):
        return self.state.positions_known

    def home(self, reading):
        with translation.override(reading):
            return reverse("portal:as-of", args=[self.live.slug, self.day.isoformat()])

    def linked_tree(self, reading, base=""):
        key = (reading, base)
        if key not in self._trees:
            tree = self.state.tree(text_language(reading))
            if not self.positions_known:
                # The order is the first later record's; numbers that day are not known.
                for node in tree:
                    node.numbers = None
            home = self.home(reading) if self.pages else None
            self._trees[key] = link(tree, reading, base, home=home)
        return self._trees[key]

    @property
    def tree(self):
        """The day's tree in Chinese, linked: what the roll-up and progress.compare read."""
        return self.linked_tree("zh-hant")

    @cached_property
    def progress(self):
        """{node id: Progress} on that day (expected progress as of that day)."""
        return roll_up(self.tree, self.bundle, self.day)

    def knowledge(self, language):
        if language not in self._knowledge:
            self._knowledge[language] = knowledge_from_rows(self.rows, language)
        return self._knowledge[language]


def read_dated(plan, day, pages=True):
    """The DatedPlan of `plan` on `day` (None before its first record), built once per
    content version in a process."""

    def build():
        moment = end_of_day(day)
        versions = latest_versions(moment, MODELS)
        state = plan_at(plan, moment, versions)
        if state is None:
            return None
        # Reversion records no deletion: the admin's log of them (one query).
        deleted = deletions_before(moment, FACT_MODELS)
        ids = {row["id"] for row in state.rows}
        rows = [
            *progress_rows_at(plan, versions, ids, deleted),
            *knowledge_rows_at(plan, versions, ids, deleted),
        ]
        return DatedPlan(plan, day, state, rows, pages)

    return per_version("dated plan", plan.pk, day, pages, build=build)


# Which days there are ---------------------------------------------------------------------


class NoSuchDay(Http404):
    """A day the plan has no record for: before its first, or still to come."""


def first_day(plan):
    """The earliest day a dated page exists for: the plan's publication date when staff set
    it, else the day of its first recorded revision (None: nothing recorded)."""
    return per_version("first day", plan.pk, build=lambda: earliest_date(plan))


# Only YYYY-MM-DD in ASCII digits: fromisoformat alone takes week dates too (2026-W51-1), a
# second address of the same day.
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_day(value):
    """A YYYY-MM-DD day, or None for anything else."""
    if not DAY.fullmatch(value or ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def check_day(plan, day):
    """Refuse a day before the plan's first record or after today (Taipei)."""
    first = first_day(plan)
    if first is None or day < first:
        raise NoSuchDay("before")
    if day > taipei_today():
        raise NoSuchDay("future")


def dated_plan(plan, day, pages=True):
    check_day(plan, day)
    dated = read_dated(plan, day, pages)
    if dated is None or not dated.plan.published:
        raise NoSuchDay("before")
    return dated


# What changed -----------------------------------------------------------------------------


KINDS = ("text", "added", "withdrawn", "moved", "target", "status", "light", "updates")


def comparison(plan, since, until, language="zh-hant"):
    """What changed in `plan` between the end of `since` and the end of `until`, in the
    compare.json contract: {"plan", "from", "to", "summary", "changes", …}. Texts in
    `language` (the diff's pieces too)."""
    before = dated_plan(plan, since, pages=False)
    after = dated_plan(plan, until, pages=False)
    plan_changes = compare_plans(before.state, after.state, language)
    progress_changes = place(compare_progress(before, after), before, after, language)
    positions_known = plan_changes.positions_known
    # One list in the later day's document order: compare_plans' order (a withdrawn item
    # where it stood), each item's progress changes after its own.
    index = {node.ref: i for i, node in enumerate(after.tree.nodes)}
    earlier = before.tree.nodes
    for i, change in enumerate(plan_changes):
        change["order"] = (position(change["ref"], index, earlier), 0, i)
    for i, change in enumerate(progress_changes):
        change["order"] = (index.get(change["ref"], -1), 1, i)
    changes = sorted([*plan_changes, *progress_changes], key=lambda change: change.pop("order"))
    for change in changes:
        where(change, before, after)
    summary = {**dict.fromkeys(KINDS, 0), **summarise(changes)}
    return {
        "plan": plan.slug,
        "from": since.isoformat(),
        "to": until.isoformat(),
        "positions_known": positions_known,
        "summary": summary,
        "changes": changes,
    }


def position(ref, index, earlier):
    """Where an item's changes go in the later day's order (`index`: ref → place): its own
    place, or for a withdrawn item the place of the nearest item before it on the earlier
    day (`earlier`: its nodes in order) that is still there; -1 for the plan's own texts."""
    if ref is None:
        return -1
    if ref in index:
        return index[ref]
    refs = [node.ref for node in earlier]
    at = refs.index(ref) if ref in refs else 0
    for previous in reversed(refs[:at]):
        if previous in index:
            return index[previous]
    return -1


def place(changes, before, after, language):
    """Progress changes with the item's numbering on both days (plan changes have theirs)."""
    old = before.tree
    new = after.tree
    known = before.positions_known and after.positions_known
    for change in changes:
        change.pop("node_id", None)
        was, now = old.get(change["ref"]), new.get(change["ref"])
        change["node_kind"] = (now or was).kind if (now or was) else None
        change["before"] = full_number(was, language) if known and was else None
        change["after"] = full_number(now, language) if known and now else None
    return changes


def where(change, before, after):
    """Add the vision and strategy the change is about (refs; None for the plan's own texts)
    (the later day's, or for a withdrawn item the earlier day's), for the page's groups."""
    tree = after.tree
    node = tree.get(change["ref"]) if change["ref"] else None
    if node is None and change["ref"]:
        tree = before.tree
        node = tree.get(change["ref"])
    vision = strategy = None
    for item in [*ancestors(node), node] if node is not None else []:
        if item.kind == "vision":
            vision = item.ref
        elif item.kind == "strategy":
            strategy = item.ref
    change["vision"], change["strategy"] = vision, strategy


def default_range(plan):
    """The comparison's default days: the first day, and today."""
    return first_day(plan), taipei_today()


def asked_days(query, first, today):
    """{"from": day, "to": day} of a comparison's query, each its default (`first`, `today`)
    where absent; a malformed one None."""
    defaults = {"from": first, "to": today}
    return {
        name: parse_day(query[name]) if query.get(name) else default
        for name, default in defaults.items()
    }


def a_month_before(day):
    return day - timedelta(days=30)


def summary_lines(found):
    """One sentence per kind of change that happened ("3 texts changed", "2 targets
    changed, 1 of them lowered", "14 updates published"), in the active language."""
    summary = found["summary"]
    lines = []
    for kind in KINDS:
        count = summary.get(kind, 0)  # for "updates": the updates, not the items
        if not count:
            continue
        line = SENTENCES[kind] % {"count": count}
        if kind == "target":
            lowered = sum(
                1 for c in found["changes"] if c["kind"] == kind and c["values"]["lowered"]
            )
            if lowered:
                line += ngettext(
                    " (%(count)d of them lowered)", " (%(count)d of them lowered)", lowered
                ) % {"count": lowered}
        lines.append(line)
    return lines


# Marked for translation here; counted where used ("count" names the number).
SENTENCES = {
    "text": ngettext_lazy("%(count)d text changed", "%(count)d texts changed", "count"),
    "added": ngettext_lazy("%(count)d item added", "%(count)d items added", "count"),
    "withdrawn": ngettext_lazy("%(count)d item withdrawn", "%(count)d items withdrawn", "count"),
    "moved": ngettext_lazy("%(count)d item moved", "%(count)d items moved", "count"),
    "target": ngettext_lazy("%(count)d target changed", "%(count)d targets changed", "count"),
    "status": ngettext_lazy("%(count)d status changed", "%(count)d statuses changed", "count"),
    "light": ngettext_lazy("%(count)d light changed", "%(count)d lights changed", "count"),
    "updates": ngettext_lazy("%(count)d update published", "%(count)d updates published", "count"),
}


def as_json(found):
    """A comparison as compare.json writes it: dates ISO 8601, moments in Taipei time."""

    def value(item):
        if isinstance(item, datetime):
            return timezone.localtime(item).isoformat()
        if isinstance(item, date):
            return item.isoformat()
        return str(item)

    return json.dumps(found, ensure_ascii=False, indent=2, default=value) + "\n"
