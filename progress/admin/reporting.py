"""The agency editor's page, 我的填報 (/<ADMIN_URL>progress/reportingperiod/mine/), and what
the admin index says of it.

For the agencies an editor belongs to: the periods open for submission, nearest deadline
first, with the days left (today in Taipei: a deadline is the end of its day there); in each,
what is still owed (owed, overdue), what was returned with the reviewer's comment, what is
submitted and what is published, each line a link (a new update pre-filled with the item,
the agency and the period's end; "copy last period's update"; the draft). Closed periods not
yet signed off follow with what is overdue in them. Reviewers open the same page for any
agency (?agency=<code>), filtered by period and state (?period=<id>&state=<obligation>):
that is where the counts of a period's page lead.

The obligations are progress.periods' (computed from the updates, never stored); who sees
which agency is progress.rules'.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from plan.choices import item_label
from plan.models import Plan
from plan.tree import PlanTree

from .. import periods, rules
from ..models import Agency, ProgressUpdate, ReportingPeriod
from ..numbers import format_number
from ..rollup import EMPTY, read_bundle

TAIPEI = ZoneInfo("Asia/Taipei")

# What each obligation is called, and the order of the page's sections.
OBLIGATION_LABELS = {
    periods.OWED: pgettext_lazy("obligation", "to report"),
    periods.OVERDUE: pgettext_lazy("obligation", "overdue"),
    periods.RETURNED: pgettext_lazy("obligation", "returned for changes"),
    periods.SUBMITTED: pgettext_lazy("obligation", "submitted, waiting for review"),
    periods.PUBLISHED: pgettext_lazy("obligation", "published"),
}
STATE_LABELS = {
    periods.UPCOMING: pgettext_lazy("period", "not started"),
    periods.OPEN: pgettext_lazy("period", "open for reporting"),
    periods.CLOSED: pgettext_lazy("period", "closed"),
    periods.SIGNED_OFF: pgettext_lazy("period", "signed off"),
}
STILL_OWED = (periods.OWED, periods.OVERDUE)
SECTIONS = (
    ("owed", STILL_OWED, _("Still to report")),
    ("returned", (periods.RETURNED,), _("Returned for changes")),
    ("submitted", (periods.SUBMITTED,), _("Submitted, waiting for review")),
    ("published", (periods.PUBLISHED,), _("Published in the period")),
)


def today():
    """Today in Taipei, where every deadline ends."""
    return timezone.localdate(timezone=TAIPEI)


@dataclass
class Line:
    """One obligation as the page shows it, with its links."""

    obligation: periods.Obligation
    agency: Agency
    label: str
    add_url: str = ""
    copy_url: str = ""
    drafts: list = field(default_factory=list)  # [(state, url, reviewer's comment)]
    published_url: str = ""

    @property
    def state_label(self):
        return OBLIGATION_LABELS.get(self.obligation.state, "")


@dataclass
class PeriodWork:
    period: ReportingPeriod
    state: str
    days_left: int
    sections: list = field(default_factory=list)  # [(key, heading, [Line])]

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def days_text(self):
        """剩 5 天, 今天截止, 已截止 3 天 (counted in Taipei), or the state when there is no
        deadline to count to."""
        days = abs(self.days_left)
        if self.state in (periods.SIGNED_OFF, periods.UPCOMING):
            return STATE_LABELS[self.state]
        if self.days_left > 0:
            return ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
        if self.days_left == 0:
            return gettext("due today")
        return ngettext("closed %(days)d day ago", "closed %(days)d days ago", days) % {
            "days": days
        }

    @property
    def counts(self):
        return {key: len(lines) for key, _heading, lines in self.sections}


@dataclass
class PlanWork:
    plan: Plan
    started: bool
    periods: list  # [PeriodWork]
    first: ReportingPeriod = None
    upcoming: ReportingPeriod = None  # the next reporting period, when none is open


def obligations_of(plan, period, on):
    """Every obligation of `period` (progress.periods.obligations) with the tree and the
    bundle it was computed from."""
    tree = PlanTree.load(plan)
    bundle = read_bundle(plan)
    return tree, bundle, periods.obligations(tree, bundle, period, on)


def _latest_before(facts, period, code):
    """The item's latest published update before `period` that counts for the agency."""
    return next(
        (
            u
            for u in facts.updates
            if u["date"] < period.start and u.get("agency") in (code, None, "")
        ),
        None,
    )


class Work:
    """What `user` owes (or, for a reviewer, what `agencies` owe) in a plan's periods."""

    def __init__(self, user, agencies, on, *, period=None, state=""):
        self.user = user
        self.agencies = {agency.code: agency for agency in agencies}
        self.on = on
        self.period = period
        self.state = state
        self.allowed_nodes = rules.editable_node_ids(user)
        self.allowed_agencies = set(rules.reporting_agencies(user).values_list("pk", flat=True))

    def plans(self):
        if self.period is not None:
            return [self.plan_work(self.period.plan)]
        return [self.plan_work(plan) for plan in Plan.objects.all()]

    def plan_work(self, plan):
        calendar = list(ReportingPeriod.objects.filter(plan=plan).select_related("plan"))
        counted = periods.reporting(calendar, plan.first_reporting_period)
        first = counted[0] if counted else None
        if self.period is not None:
            shown = [self.period]
        else:
            closed = [p for p in counted if periods.state(p, self.on) == periods.CLOSED]
            shown = periods.open_periods(calendar, plan.first_reporting_period, self.on)
            shown += sorted(closed, key=lambda p: p.deadline, reverse=True)
        work = PlanWork(plan, started=first is not None, periods=[], first=first)
        if first is not None and not shown:
            work.upcoming = next(
                (p for p in counted if periods.state(p, self.on) == periods.UPCOMING), None
            )
        if not shown or not self.agencies:
            return work
        tree = PlanTree.load(plan)
        bundle = read_bundle(plan)
        for period in shown:
            found = self.period_work(tree, bundle, period)
            if found is not None:
                work.periods.append(found)
        return work

    def period_work(self, tree, bundle, period):
        state = periods.state(period, self.on)
        lines = [
            line
            for line in periods.obligations(tree, bundle, period, self.on)
            if line.is_owed and line.agency in self.agencies
        ]
        if self.state:
            lines = [line for line in lines if line.state == self.state]
        elif self.period is None and state == periods.CLOSED:
            # A closed period shows what is still missing in it, nothing else.
            lines = [line for line in lines if line.state == periods.OVERDUE]
            if not lines:
                return None
        comments = self.comments(lines)
        shown = [self.line(line, bundle, period, comments) for line in lines]
        sections = [
            (key, heading, [line for line in shown if line.obligation.state in states])
            for key, states, heading in SECTIONS
        ]
        days_left = (period.deadline - self.on).days
        return PeriodWork(period, state, days_left, [s for s in sections if s[2]])

    def comments(self, lines):
        ids = [row["id"] for line in lines for row in line.pending]
        found = ProgressUpdate.objects.filter(pk__in=ids).values_list("pk", "review_comment")
        return dict(found)

    def line(self, line, bundle, period, comments):
        agency = self.agencies[line.agency]
        shown = Line(line, agency, item_label(line.node))
        for row in line.pending:
            url = reverse("admin:progress_progressupdate_change", args=[row["id"]])
            shown.drafts.append((row["state"], url, comments.get(row["id"], "")))
        if line.update is not None:
            shown.published_url = reverse(
                "admin:progress_progressupdate_change", args=[line.update["id"]]
            )
        may_report = rules.may_report_on(
            self.user, line.node.pk, self.allowed_nodes
        ) and rules.may_name_agency(self.user, agency.pk, self.allowed_agencies)
        if may_report and line.state in (*STILL_OWED, periods.RETURNED):
            query = {"node": line.node.pk, "agency": agency.pk, "date": period.end.isoformat()}
            shown.add_url = f"{reverse('admin:progress_progressupdate_add')}?{urlencode(query)}"
            if _latest_before(bundle.get(line.node.pk, EMPTY), period, line.agency):
                shown.copy_url = reverse(
                    "admin:progress_reportingperiod_copy",
                    args=[period.pk, line.node.pk, agency.pk],
                )
        return shown


def _filters(request):
    """(agencies, period, state) the page is asked for; a refusal for another's agency."""
    user = request.user
    code = request.GET.get("agency")
    if code:
        agency = get_object_or_404(Agency, code=code)
        if not rules.may_see_obligations(user, agency):
            raise PermissionDenied
        agencies = [agency]
    else:
        agencies = list(Agency.objects.filter(editors=user))
    period = None
    if request.GET.get("period"):
        try:
            period = ReportingPeriod.objects.select_related("plan").get(
                pk=int(request.GET["period"])
            )
        except (ValueError, ReportingPeriod.DoesNotExist) as error:
            raise Http404 from error
    state = request.GET.get("state", "")
    return agencies, period, state if state in OBLIGATION_LABELS else ""


def mine_view(model_admin, request):
    """我的填報: what the user's agencies owe, nearest deadline first (module docstring)."""
    if not rules.may_view_periods(request.user):
        raise PermissionDenied
    agencies, period, state = _filters(request)
    own = not request.GET.get("agency")
    plans = Work(request.user, agencies, today(), period=period, state=state).plans()
    title = _("My reporting") if own else _("Reporting of %(agency)s") % {"agency": agencies[0]}
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.opts,
        "agencies": agencies,
        "agency_names": "、".join(str(agency) for agency in agencies),
        "own": own,
        "plans": plans,
        "many_plans": len(plans) > 1,
        "period": period,
        "state": state,
        "filter_text": " · ".join(str(f) for f in (period, OBLIGATION_LABELS.get(state)) if f),
        "periods_url": reverse("admin:progress_reportingperiod_changelist"),
        "may_manage": rules.may_manage_periods(request.user),
    }
    return TemplateResponse(request, "admin/progress/reporting.html", context)


def copy_view(model_admin, request, period_id, node_id, agency_id):
    """The update form, new, pre-filled from the item's latest published update for the
    agency before the period (dated the period's end): nothing is saved until the form is."""
    user = request.user
    period = get_object_or_404(ReportingPeriod, pk=period_id)
    agency = get_object_or_404(Agency, pk=agency_id)
    if not (
        rules.may_add(user, ProgressUpdate)
        and rules.may_report_on(user, node_id)
        and rules.may_name_agency(user, agency.pk)
    ):
        raise PermissionDenied
    updates = model_admin.admin_site._registry[ProgressUpdate]
    latest = (
        updates.get_queryset(request)
        .published()
        .filter(node_id=node_id, date__lt=period.start)
        .filter(Q(agency=agency) | Q(agency__isnull=True))
        .order_by("-date", "-pk")
        .first()
    )
    initial = QueryDict(mutable=True)
    initial.update({"node": str(node_id), "agency": str(agency.pk), "date": period.end.isoformat()})
    if latest is None:
        messages.info(request, _("There is no earlier update to copy: fill in a new one."))
    else:
        for name in ("status", "source", *_both("summary"), *_both("reason"), *_both("remedy")):
            initial[name] = getattr(latest, name) or ""
        initial["percent"] = format_number(latest.percent)
        messages.info(
            request,
            _(
                "Copied from the update of %(date)s: check every field, then save. It is a "
                "new draft; nothing is saved until you save it."
            )
            % {"date": latest.date.isoformat()},
        )
    request.GET = initial
    return updates.add_view(request, form_url=reverse("admin:progress_progressupdate_add"))


def _both(name):
    return (f"{name}_zh_hant", f"{name}_en")


# The admin index ---------------------------------------------------------------------------


def summary(request):
    """What the admin index says of the routine: for an agency editor, each open period's
    deadline, days left and what is still owed; for a reviewer, the periods open or waiting
    for sign-off, each with its page by agency."""
    user = request.user
    if not rules.may_view_periods(user):
        return None
    agencies = list(Agency.objects.filter(editors=user))
    on = today()
    to_review = []
    if rules.may_manage_periods(user):
        for plan in Plan.objects.all():
            calendar = ReportingPeriod.objects.filter(plan=plan)
            for period in periods.reporting(calendar, plan.first_reporting_period):
                state = periods.state(period, on)
                if state in (periods.OPEN, periods.CLOSED):
                    url = reverse("admin:progress_reportingperiod_overview", args=[period.pk])
                    to_review.append((period, STATE_LABELS[state], url))
    return {
        "agencies": agencies,
        "plans": Work(user, agencies, on).plans() if agencies else [],
        "to_review": to_review,
        "mine_url": reverse("admin:progress_reportingperiod_mine"),
        "periods_url": reverse("admin:progress_reportingperiod_changelist"),
    }


def _with_the_reporting_summary(index):
    def wrapped(request, extra_context=None):
        return index(request, {**(extra_context or {}), "reporting": summary(request)})

    return wrapped


admin.site.index = _with_the_reporting_summary(admin.site.index)
admin.site.index_template = "admin/progress/index.html"
