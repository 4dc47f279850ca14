"""The reporting routine's e-mail reminders (管考, issue 22): which are due on a day, to whom,
and the record of what was sent.

Four reminders, decided here from the routine's own functions (progress.periods) and sent by
`manage.py send_reminders` (daily from deploy/cron), which has them written
(progress.admin.reminders: the staff's texts and admin links are the admin's) and records
each one sent (SentReminder; an audit event per mail):

- **deadline**: to an agency's editors, PROGRESS_REMINDER_DAYS (default 7 and 2) days before
  an open period's deadline, what the agency still owes for that period (owed, or returned
  with the reviewer's comment; never what waits for review or is published; overdue earlier
  periods are the reviewers'). Nothing owed, no mail. A day the command did not run is
  caught up: the most urgent reminder due is sent (5 days before: the 7-day one, unless it
  went out already).
- **returned**: to the draft's submitter (without one, to its reporting agency's editors),
  once per return (the key names the return's revision), with the reviewer's comment.
- **overdue**: to reviewers the day after a deadline (or at the next run): what is overdue in
  that period, by agency, and what is still overdue from the earlier reporting periods.
- **waiting**: to reviewers when drafts have waited more than PROGRESS_REVIEW_WAIT_DAYS
  (default 5) since they were made (the model keeps no resubmission date): every draft
  waiting that long, sent again only when another one has crossed the line since.

Reviewers here are the active staff holding progress.review_progress through a group or
their own permissions. A superuser's all-permissions do not count: the superuser administers
the portal (and reads the sent reminders in the admin) rather than reviews, unless nobody
else reviews, when the reviewers' mail goes to the superusers rather than nowhere. Inactive
accounts get nothing; active ones without an e-mail address are recorded and listed
(`Delivery.record`, SentReminder without `sent_at`), never skipped silently.

Nothing is sent for a plan before its first reporting period starts (a calendar is not a
commitment), and only for published plans. Days are Asia/Taipei's, as the periods'.

Over 400 lines, one job: deciding and recording the four reminders, which share the routine's
reading of a day.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Prefetch, Q
from django.utils import timezone
from reversion.models import Version

from plan.models import Plan
from plan.tree import PlanTree

from . import periods
from .models import Agency, Reviewed, SentReminder
from .review import RETURN_COMMENT
from .rollup import read_bundle
from .rules import FACT_MODELS, REVIEW_PERMISSION

Kind = SentReminder.Kind
DEADLINE, RETURNED, OVERDUE, WAITING = Kind.DEADLINE, Kind.RETURNED, Kind.OVERDUE, Kind.WAITING
# What an agency is reminded of before a deadline.
STILL_OWED = (periods.OWED, periods.RETURNED)


def reminder_days():
    """PROGRESS_REMINDER_DAYS as distinct days, nearest the deadline first."""
    return sorted(set(getattr(settings, "PROGRESS_REMINDER_DAYS", [7, 2])))


def review_wait_days():
    return getattr(settings, "PROGRESS_REVIEW_WAIT_DAYS", 5)


@dataclass
class Item:
    """One line of a reminder: a plan item (a plan.tree TreeNode or a PlanNode: both have
    pk, ref, kind, title_zh_hant, title_en), the agency it is about (its code) and its state
    (an obligation's, or a fact's review state); for a fact, the fact itself."""

    node: object
    agency: str = ""
    state: str = ""
    fact: object = None
    comment: str = ""
    waited: int = None  # days a draft has waited
    new: bool = False  # a draft that crossed the waiting line since the last mail


@dataclass
class Reminder:
    """One message, the same for each of its recipients. `key` says what it is about; with
    the recipient, it is what makes a reminder go out once (SentReminder)."""

    kind: str
    key: str
    plan: Plan
    recipients: list
    items: list = field(default_factory=list)
    period: dict = None
    agency: Agency = None
    days_left: int = None
    # overdue: [(Agency, [Item])] of the period; [(period, [(Agency, [Item])])] before it
    by_agency: list = field(default_factory=list)
    earlier: list = field(default_factory=list)
    # whom it is for, in words (the command says it when nobody is: an agency without
    # active editors, a draft without a submitter or agency)
    audience: str = ""


def due(day):
    """Every reminder due on `day` (a date in Asia/Taipei), sent before or not."""
    found, reviewing = [], None
    for plan in Plan.objects.published().exclude(first_reporting_period="").order_by("slug"):
        bundle = read_bundle(plan)
        counted = periods.reporting(bundle.periods, plan.first_reporting_period)
        if not counted or day < counted[0]["start"]:
            continue  # the routine has not started
        tree = PlanTree.load(plan)
        if reviewing is None:
            reviewing = reviewers()
        found += deadline_reminders(plan, tree, bundle, day)
        found += returned_reminders(plan)
        found += overdue_reminders(plan, tree, bundle, day, reviewing)
        found += waiting_reminders(plan, day, reviewing)
    return found


# To agency editors --------------------------------------------------------------------------


def deadline_reminders(plan, tree, bundle, day):
    days = reminder_days()
    found = []
    for period in periods.open_periods(bundle.periods, plan.first_reporting_period, day):
        left = (period["deadline"] - day).days
        stage = min((n for n in days if n >= left), default=None)
        if stage is None:
            continue
        owed = defaultdict(list)
        for line in periods.obligations(tree, bundle, period, day):
            if line.state in STILL_OWED:
                owed[line.agency].append(line)
        agencies = _agencies(owed)
        returned = _returned_updates(owed.values())
        for code, lines in owed.items():
            agency = agencies[code]
            items = []
            for line in lines:
                fact = next((returned[r["id"]] for r in line.pending if r["id"] in returned), None)
                comment = fact.review_comment if fact is not None else ""
                items.append(Item(line.node, code, line.state, fact=fact, comment=comment))
            found.append(
                Reminder(
                    DEADLINE,
                    f"deadline:{plan.slug}:{period['slug']}:{code}:{stage}",
                    plan,
                    list(agency.editors.all()),
                    items,
                    period=period,
                    agency=agency,
                    days_left=left,
                    audience=f"the active editors of agency {code}",
                )
            )
    return found


def _returned_updates(obligations):
    """{id: ProgressUpdate} of the returned drafts among the obligations' pending rows."""
    from .models import ProgressUpdate

    ids = [
        row["id"]
        for lines in obligations
        for line in lines
        for row in line.pending
        if row["state"] == Reviewed.State.RETURNED
    ]
    if not ids:
        return {}
    return ProgressUpdate.objects.select_related("submitted_by", "agency").in_bulk(ids)


def returned_reminders(plan):
    """One per return of a draft of the plan's (updates, indicators, milestones)."""
    found = []
    for name in FACT_MODELS:
        model = apps.get_model("progress", name)
        facts = list(_facts(model, plan, Reviewed.State.RETURNED).order_by("pk"))
        marks = _return_marks(model, facts)
        editors = _agency_editors(facts)
        for fact in facts:
            submitter = fact.submitted_by
            if submitter is not None and _active_staff(submitter):
                recipients = [submitter]
            else:
                recipients = editors.get(getattr(fact, "agency_id", None), [])
            mark = marks.get(fact.pk) or _comment_mark(fact.review_comment)
            found.append(
                Reminder(
                    RETURNED,
                    f"returned:{name}:{fact.pk}:{mark}",
                    plan,
                    recipients,
                    [
                        Item(
                            fact.node,
                            _agency_code(fact),
                            fact.state,
                            fact=fact,
                            comment=fact.review_comment,
                        )
                    ],
                    audience=f"the submitter of {name} #{fact.pk} (or its agency's editors)",
                )
            )
    return found


def _return_marks(model, facts):
    """{fact id: the revision of its latest return} (review.return_draft makes one)."""
    if not facts:
        return {}
    versions = (
        Version.objects.get_for_model(model)
        .filter(object_id__in=[str(f.pk) for f in facts], revision__comment=RETURN_COMMENT)
        .values("object_id")
        .annotate(latest=Max("revision_id"))
    )
    return {int(v["object_id"]): f"r{v['latest']}" for v in versions}


def _comment_mark(comment):
    """A return made without a revision (none of the admin's or review's): its comment."""
    return "c" + hashlib.sha256((comment or "").encode()).hexdigest()[:12]


def _agency_editors(facts):
    """{agency id: [active editors]} of the reporting agencies of `facts` (updates name one)."""
    ids = {getattr(f, "agency_id", None) for f in facts} - {None}
    if not ids:
        return {}
    agencies = Agency.objects.filter(pk__in=ids).prefetch_related(_active_editors())
    return {agency.pk: list(agency.editors.all()) for agency in agencies}


# To reviewers -------------------------------------------------------------------------------


def overdue_reminders(plan, tree, bundle, day, reviewing):
    """The day after a deadline: what is overdue in that period by agency, and what is still
    overdue from the reporting periods before it."""
    period = periods.last_closed(bundle.periods, plan.first_reporting_period, day)
    if period is None:
        return []
    counted = periods.reporting(bundle.periods, plan.first_reporting_period)
    before = [p for p in counted if p["end"] < period["end"]]
    overdue = {
        p["slug"]: [
            line
            for line in periods.obligations(tree, bundle, p, day)
            if line.state == periods.OVERDUE
        ]
        for p in [*before, period]
    }
    if not any(overdue.values()):
        return []
    agencies = _agencies({line.agency for lines in overdue.values() for line in lines})

    def by_agency(p):
        grouped = defaultdict(list)
        for line in overdue[p["slug"]]:
            grouped[line.agency].append(Item(line.node, line.agency, line.state))
        return [(agencies.get(code), grouped[code]) for code in sorted(grouped)]

    return [
        Reminder(
            OVERDUE,
            f"overdue:{plan.slug}:{period['slug']}",
            plan,
            reviewing,
            [Item(line.node, line.agency, line.state) for line in overdue[period["slug"]]],
            period=period,
            by_agency=by_agency(period),
            earlier=[(p, by_agency(p)) for p in reversed(before) if overdue[p["slug"]]],
            audience="the reviewers",
        )
    ]


def waiting_reminders(plan, day, reviewing):
    """Drafts of the plan waiting more than PROGRESS_REVIEW_WAIT_DAYS on `day`, when one has
    crossed that line since the last such mail."""
    wait = review_wait_days()
    # Waited more than `wait` days: made before the start of the day `wait` days ago.
    cutoff = _start_of(day - timedelta(days=wait))
    last = (
        SentReminder.objects.filter(
            kind=WAITING, key__startswith=f"waiting:{plan.slug}:", sent_at__isnull=False
        )
        .exclude(day__gte=day)
        .aggregate(last=Max("day"))["last"]
    )
    # A draft crossed the line on the day after its `wait` days: since the last mail's day?
    crossed_since = _start_of(last - timedelta(days=wait)) if last else None
    items = []
    for name in FACT_MODELS:
        model = apps.get_model("progress", name)
        for fact in _facts(model, plan, Reviewed.State.DRAFT).filter(created_at__lt=cutoff):
            made = timezone.localtime(fact.created_at).date()
            items.append(
                Item(
                    fact.node,
                    _agency_code(fact),
                    fact.state,
                    fact=fact,
                    waited=(day - made).days,
                    new=crossed_since is None or fact.created_at >= crossed_since,
                )
            )
    if not any(item.new for item in items):
        return []
    items.sort(key=lambda item: (-item.waited, item.node.ref, item.fact.pk))
    return [
        Reminder(
            WAITING,
            f"waiting:{plan.slug}:{day.isoformat()}",
            plan,
            reviewing,
            items,
            audience="the reviewers",
        )
    ]


def reviewers():
    """Active staff holding the review permission by group or their own; the superusers
    when nobody does (see the module's docstring)."""
    from django.contrib.auth.models import Permission

    app_label, codename = REVIEW_PERMISSION.split(".")
    staff = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    found = []
    if permission is not None:
        found = list(
            staff.filter(
                Q(groups__permissions=permission) | Q(user_permissions=permission)
            ).distinct()
        )
    return found or list(staff.filter(is_superuser=True))


# Helpers ------------------------------------------------------------------------------------


def _facts(model, plan, state):
    """The plan's facts of `model` in a review state, on items not deleted."""
    related = ["node", "submitted_by", *(["agency"] if hasattr(model, "agency") else [])]
    return model.objects.filter(node__plan=plan, node__deleted=False, state=state).select_related(
        *related
    )


def _agency_code(fact):
    agency = getattr(fact, "agency", None)
    return agency.code if agency is not None else ""


def _active_staff(user):
    return user.is_active and user.is_staff


def _active_editors():
    users = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
    return Prefetch("editors", queryset=users)


def _agencies(codes):
    """{code: Agency, its active editors prefetched}."""
    found = Agency.objects.filter(code__in=list(codes)).prefetch_related(_active_editors())
    return {agency.code: agency for agency in found}


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


# Sending once -------------------------------------------------------------------------------


@dataclass
class Delivery:
    """A reminder for one account. `record`: an earlier SentReminder of it without a sent
    time (the account had no e-mail address then)."""

    reminder: Reminder
    user: object
    record: SentReminder = None

    @property
    def address(self):
        return (self.user.email or "").strip()


def deliveries(reminders):
    """The deliveries of `reminders` not sent yet, in order (one query)."""
    keys = {reminder.key for reminder in reminders}
    earlier = {
        (row.key, row.recipient_id): row for row in SentReminder.objects.filter(key__in=keys)
    }
    found = []
    for reminder in reminders:
        for user in reminder.recipients:
            row = earlier.get((reminder.key, user.pk))
            if row is None or not row.is_sent:
                found.append(Delivery(reminder, user, row))
    return found


def record_sent(delivery, subject, day, *, now=None):
    """Record a mail sent: a SentReminder and an audit event (about its recipient)."""
    from staff.audit import record

    row = _row(delivery, subject, day)
    row.address = delivery.address
    row.sent_at = now or timezone.now()
    row.save()
    record(
        "reminder",
        user=delivery.user,
        target=delivery.reminder.key,
        detail=f"to {row.address}: {subject}",
    )
    return row


def record_without_address(delivery, subject, day):
    """Record a reminder an account could not get (no e-mail address), once; the command
    lists it at every run until the account has an address."""
    if delivery.record is not None:
        return delivery.record
    row = _row(delivery, subject, day)
    row.save()
    return row


def _row(delivery, subject, day):
    row = delivery.record or SentReminder(
        kind=delivery.reminder.kind, key=delivery.reminder.key, recipient=delivery.user
    )
    row.username = delivery.user.get_username()
    row.day = day
    row.subject = subject[:300]
    return row


def without_address():
    """Active accounts that missed a reminder for want of an e-mail address (the admin's
    note to the superuser): {username: [SentReminder]}."""
    rows = SentReminder.objects.filter(sent_at__isnull=True, recipient__is_active=True).filter(
        Q(recipient__email="") | Q(recipient__email__isnull=True)
    )
    found = defaultdict(list)
    for row in rows.select_related("recipient").order_by("username", "-day"):
        found[row.username].append(row)
    return dict(found)
