"""The reporting routine (管考): periods, what each agency owes in them, and what is stale.

- **Periods** are a calendar generated from the plan's term (quarterly by default, ending
  3/31, 6/30, 9/30, 12/31; the deadline the 10th of the following month), kept with their
  edits when generated again. A period is *upcoming* (not started), *open* (started, its
  deadline not passed: between a period's end and its deadline two periods are open),
  *closed* (deadline passed) or *signed off* (a reviewer's record of its report).
- **Nothing is owed before the plan's first reporting period** (Plan.first_reporting_period,
  a reviewer's explicit choice, empty by default): the calendar is not a commitment.
- **What is owed**, from the first reporting period on: in each period, each lead agency of
  a strategy or action item owes its own update; nothing is owed outside the item's planned
  period (Schedule, default the term), after an update dated before the period said
  completed, or while the latest said suspended; a strategy with action items owes its own
  update only while its own figure feeds the roll-up (progress.rollup: until one of its
  action items reports a percent). Responsibilities are read as they stand (they have no
  dates): a signed-off period keeps the lines of its day.
- **An obligation's state** is computed from the updates, never stored: an update counts for
  the period whose dates contain its `date`, for the agency it names (an update naming no
  agency counts for every lead agency). published > submitted (a draft waiting) > returned >
  overdue (deadline passed, nothing published or waiting) > owed.

The functions work on the pages' bundle (progress.rollup.read_bundle: published facts,
periods and the review state of pending drafts, one query) and a plan tree (plan.tree), so
public pages pay no query for them; staff pages use the same functions.

Over 400 lines, one job: the routine's calendar and what is owed in it, one set of rules that
pages, reminders and the admin all ask.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from plan.models import PlanNode

from .numbers import format_number

ROC_OFFSET = 1911

QUARTERLY = "quarterly"
HALF_YEARLY = "half-yearly"
RULES = (QUARTERLY, HALF_YEARLY)
DEFAULT_DEADLINE_DAY = 10

# Period states
UPCOMING, OPEN, CLOSED, SIGNED_OFF = "upcoming", "open", "closed", "signed_off"

# Obligation states (the period report's `obligation` column: a public contract)
OWED, SUBMITTED, RETURNED, PUBLISHED, OVERDUE, NOT_OWED = (
    "owed",
    "submitted",
    "returned",
    "published",
    "overdue",
    "not_owed",
)
OBLIGATIONS = (OWED, SUBMITTED, RETURNED, PUBLISHED, OVERDUE, NOT_OWED)

COMPLETED, SUSPENDED = "completed", "suspended"


# The calendar -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSpec:
    """A period as the rule proposes it (the model's fields, both labels)."""

    slug: str
    label_zh_hant: str
    label_en: str
    start: date
    end: date
    deadline: date


def _month_end(year, month):
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def _deadline(end, day):
    """`day` of the month after `end` (the month's last day when it has fewer days)."""
    year, month = end.year + (end.month == 12), end.month % 12 + 1
    return date(year, month, min(day, _month_end(year, month).day))


def propose(term_start_roc, term_end_roc, rule=QUARTERLY, deadline_day=DEFAULT_DEADLINE_DAY):
    """The periods `rule` makes of a term (ROC years), in order."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}: {', '.join(RULES)}")
    if not 1 <= deadline_day <= 31:
        raise ValueError("the deadline day is a day of the month (1–31)")
    months = 3 if rule == QUARTERLY else 6
    specs = []
    for roc in range(term_start_roc, term_end_roc + 1):
        year = roc + ROC_OFFSET
        for number, first_month in enumerate(range(1, 13, months), start=1):
            end = _month_end(year, first_month + months - 1)
            if rule == QUARTERLY:
                slug = f"{roc}q{number}"
                zh, en = f"{roc}年第{number}季", f"{year} Q{number}"
            else:
                slug = f"{roc}h{number}"
                zh = f"{roc}年{'上' if number == 1 else '下'}半年"
                en = f"{year} H{number}"
            specs.append(
                PeriodSpec(
                    slug, zh, en, date(year, first_month, 1), end, _deadline(end, deadline_day)
                )
            )
    return specs


def generate(plan, rule=QUARTERLY, deadline_day=DEFAULT_DEADLINE_DAY):
    """Create the periods `rule` proposes for `plan` that it does not have yet (by slug);
    existing periods keep their edits. Returns the periods created."""
    from .models import ReportingPeriod

    existing = list(ReportingPeriod.objects.filter(plan=plan))
    have = {period.slug for period in existing}
    proposed = [
        spec
        for spec in propose(plan.term_start_roc, plan.term_end_roc, rule, deadline_day)
        if spec.slug not in have
    ]
    # An update counts for the one period containing its date: periods never overlap.
    overlapping = sorted(
        {
            p.slug
            for spec in proposed
            for p in existing
            if p.start <= spec.end and spec.start <= p.end
        }
    )
    if overlapping:
        raise ValueError(
            f"the {rule} periods would overlap the existing ones ({', '.join(overlapping)}): "
            "remove those first"
        )
    created = [
        ReportingPeriod(
            plan=plan,
            slug=spec.slug,
            label_zh_hant=spec.label_zh_hant,
            label_en=spec.label_en,
            start=spec.start,
            end=spec.end,
            deadline=spec.deadline,
        )
        for spec in proposed
    ]
    ReportingPeriod.objects.bulk_create(created)
    return created


def state(period, today):
    """upcoming | open | closed | signed_off. `period`: a model or a bundle row (dict)."""
    get = period.get if isinstance(period, dict) else lambda name: getattr(period, name)
    if get("signed_off_at"):
        return SIGNED_OFF
    if today < get("start"):
        return UPCOMING
    return OPEN if today <= get("deadline") else CLOSED


def reporting(periods, first_slug):
    """The periods from the first reporting period on ([] when none is set or it is gone)."""
    periods = sorted(periods, key=_end)
    slugs = [_slug(p) for p in periods]
    if not first_slug or first_slug not in slugs:
        return []
    return periods[slugs.index(first_slug) :]


def last_closed(periods, first_slug, today):
    """The latest reporting period whose deadline has passed (signed off or not), or None."""
    closed = [p for p in reporting(periods, first_slug) if today > _get(p, "deadline")]
    return closed[-1] if closed else None


def open_periods(periods, first_slug, today):
    """The reporting periods open for submission today, nearest deadline first."""
    found = [p for p in reporting(periods, first_slug) if state(p, today) == OPEN]
    return sorted(found, key=lambda p: _get(p, "deadline"))


def find(periods, slug):
    return next((p for p in periods if _slug(p) == slug), None)


def _get(period, name):
    return period[name] if isinstance(period, dict) else getattr(period, name)


def _slug(period):
    return _get(period, "slug")


def _end(period):
    return _get(period, "end")


# What is owed -----------------------------------------------------------------------------


@dataclass
class Obligation:
    """One lead agency's update for one item in one period. `agency`: the agency's code (""
    where the item has no lead agency: nothing is owed by nobody). `update`: the published
    update that meets it (the latest in the period), as the bundle holds it."""

    node: object
    agency: str
    state: str
    update: dict = None
    pending: list = field(default_factory=list)  # pending rows (drafts, returned) in the period

    @property
    def is_owed(self):
        return self.state != NOT_OWED


def in_period(day, period):
    return day is not None and _get(period, "start") <= day <= _get(period, "end")


def _owes(node, facts_of, period, term):
    """Does the item owe its own update in `period` (whoever leads it)?"""
    facts = facts_of(node)
    start = facts.planned_start or term[0]
    end = facts.planned_end or term[1]
    if end < _get(period, "start") or start > _get(period, "end"):
        return False
    before = next((u for u in facts.updates if u["date"] < _get(period, "start")), None)
    if before is not None and before["status"] in (COMPLETED, SUSPENDED):
        return False
    if node.kind == PlanNode.Kind.STRATEGY and node.children:
        # Its own figure stops feeding the roll-up once an action item reports a percent.
        for child in node.children:
            if any(
                u["percent"] is not None and u["date"] <= _get(period, "end")
                for u in facts_of(child).updates
            ):
                return False
    return True


def _counts_for(row, agency):
    return row.get("agency") in (agency, None, "")


def obligations(tree, bundle, period, today):
    """[Obligation] for every strategy and action item of `tree` in `period` (one per lead
    agency; one `not_owed` line for an item owing nothing), in document order. Before the
    plan's first reporting period, every line is `not_owed`."""
    from .rollup import EMPTY

    plan = tree.plan
    term = (date(plan.term_start, 1, 1), date(plan.term_end, 12, 31))
    counted = {_slug(p) for p in reporting(bundle.periods, plan.first_reporting_period)}

    def facts_of(node):
        return bundle.get(node.pk, EMPTY)

    passed = today > _get(period, "deadline")
    lines = []
    for node in tree.nodes:
        if node.kind not in (PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION):
            continue
        facts = facts_of(node)
        leads = [a["code"] for a in facts.lead]
        if _slug(period) not in counted or not leads or not _owes(node, facts_of, period, term):
            for agency in leads or [""]:
                lines.append(Obligation(node, agency, NOT_OWED, _published(facts, period, agency)))
            continue
        for agency in leads:
            published = _published(facts, period, agency)
            pending = [
                row
                for row in facts.pending
                if in_period(row["date"], period) and _counts_for(row, agency)
            ]
            states = {row["state"] for row in pending}
            if published is not None:
                found = PUBLISHED
            elif "draft" in states:
                found = SUBMITTED
            elif passed:
                found = OVERDUE
            elif "returned" in states:
                found = RETURNED
            else:
                found = OWED
            lines.append(Obligation(node, agency, found, published, pending))
    return lines


def _published(facts, period, agency):
    """The latest published update of the item in `period` that counts for `agency`."""
    return next(
        (u for u in facts.updates if in_period(u["date"], period) and _counts_for(u, agency)),
        None,
    )


def stale_nodes(tree, bundle, today):
    """The ids of the items marked 「資料已逾一期未更新」: owing an update in the last closed
    reporting period and without a published update dated in that period or later."""
    period = last_closed(bundle.periods, tree.plan.first_reporting_period, today)
    if period is None:
        return set()
    from .rollup import EMPTY

    stale = set()
    for line in obligations(tree, bundle, period, today):
        if not line.is_owed or line.node.pk in stale:
            continue
        updates = bundle.get(line.node.pk, EMPTY).updates
        if not any(u["date"] >= _get(period, "start") for u in updates):
            stale.add(line.node.pk)
    return stale


def report_lines(tree, bundle, period, today):
    """The period report's lines (the CSV's rows and what sign-off stores), as plain data:
    {ref, node, kind, agency, obligation, status, percent, light, date, reason, remedy,
    update, published_at}. Only published facts give a status or a figure."""
    from .rollup import EMPTY, expected_percent, light

    plan = tree.plan
    term = (date(plan.term_start, 1, 1), date(plan.term_end, 12, 31))
    lines = []
    for line in obligations(tree, bundle, period, today):
        update = line.update
        row = {
            "ref": line.node.ref,
            "node": line.node.pk,
            "kind": line.node.kind,
            "agency": line.agency,
            "obligation": line.state,
            "status": "",
            "percent": None,
            "light": "",
            "date": None,
            "reason": "",
            "remedy": "",
            "update": None,
            "published_at": None,
        }
        if update is not None:
            facts = bundle.get(line.node.pk, EMPTY)
            expected = expected_percent(
                facts.planned_start or term[0],
                facts.planned_end or term[1],
                facts.milestones,
                update["date"],
            )
            row.update(
                status=update["status"],
                percent=update["percent"],
                light=light(update["status"], update["percent"], expected) or "",
                date=update["date"],
                reason=update.get("reason") or "",
                remedy=update.get("remedy") or "",
                update=update["id"],
                published_at=update.get("published_at"),
            )
        lines.append(row)
    return lines


def stored_lines(lines):
    """Report lines as JSON can keep them (ReportingPeriod.report at sign-off)."""
    return [
        {
            **line,
            "percent": format_number(line["percent"]) or None,  # "35", as files write it
            "date": line["date"].isoformat() if line["date"] else None,
            "published_at": line["published_at"].isoformat() if line["published_at"] else None,
        }
        for line in lines
    ]


# Writes (each checked by progress.rules; `user` None: a command) --------------------------


def first_signed_off(plan):
    """The plan's earliest signed-off period, or None: reporting never starts after it (its
    report is a record, and only reporting periods have one)."""
    from .models import ReportingPeriod

    signed = ReportingPeriod.objects.filter(plan=plan, signed_off_at__isnull=False)
    return signed.order_by("end").first()


def set_first_reporting_period(plan, slug, user):
    """Start (or, with "", stop) the plan's reporting routine at the period `slug`; never
    after a signed-off period."""
    from django.core.exceptions import PermissionDenied

    from . import rules
    from .models import ReportingPeriod

    if not rules.may_manage_periods(user):
        raise PermissionDenied
    found = ReportingPeriod.objects.filter(plan=plan, slug=slug).first() if slug else None
    if slug and found is None:
        raise ValueError(f"{plan.slug} has no reporting period {slug!r}")
    signed = first_signed_off(plan)
    if signed is not None and (found is None or found.end > signed.end):
        raise ValueError(
            f"{signed.slug} is signed off: reporting must start with it or before it "
            "(its report is a record)"
        )
    plan.first_reporting_period = slug
    plan.save(update_fields=["first_reporting_period"])


def sign_off(period, user, today, *, now=None):
    """Record the period's report as it stands, with who and when (once)."""
    import reversion
    from django.core.exceptions import PermissionDenied
    from django.db import transaction
    from django.utils import timezone

    from plan.tree import PlanTree

    from . import rules
    from .models import ReportingPeriod
    from .rollup import read_bundle

    if not rules.may_manage_periods(user):
        raise PermissionDenied
    with transaction.atomic(), reversion.create_revision():
        period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        if period.signed_off_at is not None:
            raise ValueError(f"{period.slug} is already signed off")
        plan = period.plan
        counted = reporting(ReportingPeriod.objects.filter(plan=plan), plan.first_reporting_period)
        if period.slug not in {p.slug for p in counted}:
            raise ValueError(f"{period.slug} is before the plan's first reporting period")
        tree = PlanTree.load(plan)
        lines = report_lines(tree, read_bundle(plan), period, today)
        period.report = stored_lines(lines)
        period.signed_off_at = now or timezone.now()
        period.signed_off_by = user
        period.save(update_fields=["report", "signed_off_at", "signed_off_by"])
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment("簽核")
    return period
