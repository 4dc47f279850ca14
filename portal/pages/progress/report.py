"""A reporting period's report as its page prints it (/<plan>/progress/<period>/): coverage
(how many strategies reported in the period), the lights and statuses of what was reported,
by vision, then the exceptions by agency: red and yellow lights, items behind schedule (with
the reason and the remedy), and updates owed but not published. Each line links to its item.

The lines are progress.periods.report_lines (computed from the pages' bundle, so the page
pays no query of its own), or, once the period is signed off, the lines stored then
(ReportingPeriod.report, carried in the bundle): the record never changes silently, and
facts for the period published after the sign-off are listed below it as dated corrections.
Only published facts give a status or a figure; a period with nothing reported shows none.
"""

import json
from datetime import date
from functools import cached_property

from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import pgettext_lazy

from plan.models import PlanNode
from progress import periods as routine
from progress.numbers import stored_decimal

from ...published import published_plan
from .presenters import (
    LIGHT_LABELS,
    STATUS_LABELS,
    PlanProgress,
    Text,
    Update,
    full_number,
    node_name,
    percent_text,
)

OBLIGATION_LABELS = {
    routine.OWED: pgettext_lazy("period report", "Owed: not yet submitted"),
    routine.SUBMITTED: pgettext_lazy("period report", "Submitted: waiting for review"),
    routine.RETURNED: pgettext_lazy("period report", "Returned for changes"),
    routine.PUBLISHED: pgettext_lazy("period report", "Published"),
    routine.OVERDUE: pgettext_lazy("period report", "Overdue: nothing published by the deadline"),
    routine.NOT_OWED: pgettext_lazy("period report", "Nothing owed"),
}
# The same states as the coverage section counts them ("Overdue: 2").
COUNT_LABELS = {
    routine.PUBLISHED: pgettext_lazy("period report", "Published"),
    routine.SUBMITTED: pgettext_lazy("period report", "Waiting for review"),
    routine.RETURNED: pgettext_lazy("period report", "Returned for changes"),
    routine.OVERDUE: pgettext_lazy("period report", "Overdue"),
    routine.OWED: pgettext_lazy("period report", "Not yet submitted"),
}
# An update owed and not published (yet): the report's "not reported".
NOT_REPORTED = (routine.OVERDUE, routine.RETURNED, routine.SUBMITTED, routine.OWED)
LIGHTS = ("green", "yellow", "red")
STATUSES = tuple(STATUS_LABELS)


def stored_line(data):
    """A line as sign-off stored it (JSON), with its values typed again."""
    line = dict(data)
    line["percent"] = stored_decimal(line.get("percent"))
    line["date"] = date.fromisoformat(line["date"]) if line.get("date") else None
    line["published_at"] = (
        parse_datetime(line["published_at"]) if line.get("published_at") else None
    )
    return line


def stored_report(period_row):
    """The lines stored at sign-off, from the bundle's period row (JSON text on SQLite)."""
    report = period_row.get("report") or []
    if isinstance(report, str):
        report = json.loads(report or "[]")
    return [stored_line(data) for data in report]


class Line:
    """One lead agency's line for one item in the period."""

    def __init__(self, data, node, progress, update=None):
        language = progress.language
        self.node = node  # a TreeNode
        self.node_id = data["node"]
        self.ref = data["ref"]
        self.kind = data["kind"]
        self.number = full_number(node) if node else ""
        self.name = node_name(node, language) if node else Text(data["ref"])
        self.url = node.url if node else ""
        self.agency = progress.agency(data["agency"])
        self.obligation = data["obligation"]
        self.obligation_label = OBLIGATION_LABELS.get(self.obligation, self.obligation)
        self.status = data["status"] or None
        self.status_label = STATUS_LABELS.get(self.status, "")
        self.percent = data["percent"]
        self.percent_text = percent_text(self.percent)
        self.light = data["light"] or None
        self.light_label = LIGHT_LABELS.get(self.light, "")
        self.date = data["date"]
        self.update = data["update"]
        # A live line reads its update's texts in the page's language; a stored one has the
        # Chinese it was signed off with.
        if update is not None:
            self.reason = Text.of(update, "reason", language, note=True)
            self.remedy = Text.of(update, "remedy", language, note=True)
        else:
            self.reason = Text.plain(data.get("reason"), language)
            self.remedy = Text.plain(data.get("remedy"), language)

    @property
    def reported(self):
        """A published update dated in the period stands on this line."""
        return self.update is not None

    @property
    def not_reported(self):
        return self.obligation in NOT_REPORTED

    @property
    def behind(self):
        return self.status == "behind"

    @property
    def is_exception(self):
        return self.not_reported or self.light in ("red", "yellow") or self.behind


class VisionCount:
    """What one vision's items reported in the period, counted (or the whole plan's)."""

    def __init__(self, vision, strategies):
        self.vision = vision  # None: the whole plan
        self.strategies = strategies
        self.strategies_reported = 0
        self.items = 0
        self.lights = dict.fromkeys((*LIGHTS, "none"), 0)
        self.statuses = dict.fromkeys(STATUSES, 0)

    def add(self, line):
        self.items += 1
        self.lights[line.light or "none"] += 1
        if line.status in self.statuses:
            self.statuses[line.status] += 1

    @property
    def status_cells(self):
        """[(count, label)] of each status, in the order of STATUS_LABELS."""
        return [(self.statuses[name], STATUS_LABELS[name]) for name in STATUSES]


class PeriodReport:
    """The report of `period` (a reporting.Period) for a plan's progress (a PlanProgress)."""

    def __init__(self, progress, period):
        self.progress = progress
        self.period = period
        reporting = progress.reporting
        self.first = reporting.first
        # Before the plan's first reporting period nothing was owed: no report.
        self.counted = reporting.counts(period)
        self.previous, self.next = reporting.neighbours(period)
        self.has_report = self.counted and not period.is_upcoming

    status_labels = tuple(STATUS_LABELS.values())

    @cached_property
    def lines(self):
        if not self.has_report:
            return []
        progress = self.progress
        nodes = {node.pk: node for node in progress.tree}
        if self.period.is_signed_off:
            # The record's lines of the items still published (one hidden since is no
            # page's, nor its reason and remedy); the record itself is kept whole.
            return [
                Line(data, nodes[data["node"]], progress)
                for data in stored_report(self.period.row)
                if data["node"] in nodes
            ]
        updates = {
            update["id"]: update for facts in progress.bundle.values() for update in facts.updates
        }
        found = routine.report_lines(
            progress.tree, progress.bundle, self.period.row, progress.today
        )
        return [
            Line(data, nodes.get(data["node"]), progress, updates.get(data["update"]))
            for data in found
        ]

    @cached_property
    def reported_items(self):
        """{node id: the line standing for it}: its latest update dated in the period."""
        found = {}
        for line in self.lines:
            if not line.reported:
                continue
            kept = found.get(line.node_id)
            if kept is None or (line.date, line.update) > (kept.date, kept.update):
                found[line.node_id] = line
        return found

    @property
    def any_reported(self):
        return bool(self.reported_items)

    @cached_property
    def strategies(self):
        return [node for node in self.progress.tree if node.kind == PlanNode.Kind.STRATEGY]

    def _strategy_reported(self, strategy):
        """A strategy reports in the period when it or one of its action items does."""
        reported = self.reported_items
        return strategy.pk in reported or any(child.pk in reported for child in strategy.children)

    @cached_property
    def coverage(self):
        """(strategies that reported in the period, strategies)."""
        return sum(1 for s in self.strategies if self._strategy_reported(s)), len(self.strategies)

    @cached_property
    def obligations(self):
        """[(state, label, count)] of the updates owed in the period, by state."""
        counts = dict.fromkeys((routine.PUBLISHED, *NOT_REPORTED), 0)
        for line in self.lines:
            if line.obligation in counts:
                counts[line.obligation] += 1
        return [
            {"state": state, "label": COUNT_LABELS[state], "count": count}
            for state, count in counts.items()
            if count
        ]

    @property
    def owed(self):
        return sum(entry["count"] for entry in self.obligations)

    @cached_property
    def by_vision(self):
        """[VisionCount] per vision, then the whole plan's."""
        tree = self.progress.tree
        visions = {}
        for vision in tree.visions:
            strategies = list(vision.children)
            count = visions[vision.pk] = VisionCount(vision, len(strategies))
            count.strategies_reported = sum(1 for s in strategies if self._strategy_reported(s))
        total = VisionCount(None, len(self.strategies))
        total.strategies_reported = self.coverage[0]
        for line in self.reported_items.values():
            node = line.node
            if node is None:
                continue  # no longer published: in no vision's count
            vision = node.parent if node.kind == PlanNode.Kind.STRATEGY else node.parent.parent
            visions[vision.pk].add(line)
            total.add(line)
        return [*visions.values(), total]

    @cached_property
    def exceptions(self):
        """[(agency or None, [Line])]: the exceptional lines grouped by agency, agencies in
        the order of the plan's list (by code), each agency's lines in the plan's order."""
        groups = {}
        for line in self.lines:
            if line.is_exception:
                code = line.agency.code if line.agency else ""
                groups.setdefault(code, (line.agency, []))[1].append(line)
        order = list(self.progress.agencies)
        return sorted(
            groups.values(),
            key=lambda group: (
                group[0] is None,
                order.index(group[0].code) if group[0] and group[0].code in order else len(order),
                group[0].code if group[0] else "",
            ),
        )

    @cached_property
    def without_exceptions(self):
        """The lead agencies that owed updates in the period and have no exception."""
        listed = {agency.code for agency, _lines in self.exceptions if agency}
        owing = {
            line.agency.code: line.agency
            for line in self.lines
            if line.agency and line.obligation != routine.NOT_OWED
        }
        return [agency for code, agency in sorted(owing.items()) if code not in listed]

    @cached_property
    def corrections(self):
        """Updates dated in a signed-off period and published after its sign-off, in the
        order they were published: the report's dated corrections."""
        period = self.period
        if not (self.has_report and period.is_signed_off):
            return []
        progress = self.progress
        found = []
        for node in progress.tree:
            if node.kind not in (PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION):
                continue
            for data in progress.of(node).facts.updates:
                published_at = data.get("published_at")
                if (
                    routine.in_period(data["date"], period.row)
                    and published_at is not None
                    and published_at > period.signed_off_at
                ):
                    found.append(
                        {
                            "update": Update(data, node, progress),
                            "number": full_number(node),
                            "name": node_name(node, progress.language),
                        }
                    )
        found.sort(key=lambda entry: (entry["update"].published_at, entry["update"].id))
        return found


def published_report(plan_slug, period):
    """The report of a published plan's reporting period, by their slugs (404 where the plan
    has no such period): what the report's page and its documents print."""
    progress = PlanProgress(published_plan(plan_slug))
    found = progress.reporting.find(period)
    if found is None:
        raise Http404("No such reporting period in this plan.")
    return PeriodReport(progress, found)
