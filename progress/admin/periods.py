"""Reporting periods in the admin (管考): the calendar of each plan with each period's state,
generated from a rule, the plan's first reporting period, a period's page by agency and its
sign-off. Agency editors see the periods (and their own page, progress.admin.reporting);
reviewers manage them.

- A period's label, dates and deadline are edited by reviewers; never its sign-off record,
  and a signed-off period not at all (it is the record of its report). Periods never
  overlap (an update counts for the one period containing its date).
- "Generate periods" adds what a rule proposes and keeps every existing period with its
  edits (progress.periods.generate); a refusal is said on the form.
- The first reporting period is set from a period, on a confirmation page that says what it
  starts: obligations from that period on, overdue and stale marks included.
- A period's page counts, by agency, what is owed, submitted, returned, published and
  overdue, each count a link to the obligations page filtered; a closed period is signed off
  from there (a confirmation page, then progress.periods.sign_off).

Who may do what is progress.rules'; what is written, progress.periods'.

Over 400 lines, one job: the periods' admin pages (list, generate, first period, sign-off),
which share one set of rules and one calendar.
"""

from collections import Counter
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin

from plan.models import PERIOD_SLUG, Plan

from .. import periods, rules
from ..models import Agency, ReportingPeriod
from . import reporting
from .reporting import OBLIGATION_LABELS, STATE_LABELS

# The columns of a period's page, in the order of the routine.
COUNTED = (
    periods.OWED,
    periods.SUBMITTED,
    periods.RETURNED,
    periods.PUBLISHED,
    periods.OVERDUE,
)


class PeriodForm(forms.ModelForm):
    """A period never overlaps another of its plan's, nor (the first reporting period) ends
    after a signed-off one; a new one is named <ROC year>q<n> or <ROC year>h<n> (115q3,
    115h2), which the public addresses tell from an item's."""

    # The one shape of a period's id (plan.models.PERIOD_SLUG): plan slugs and item refs of
    # that shape are refused, so no address or CSV row reads as both.
    slug = forms.RegexField(
        PERIOD_SLUG,
        max_length=10,
        label=_("period id"),
        help_text=_("<ROC year>q<quarter> or <ROC year>h<half>, e.g. 115q3 or 115h2."),
        error_messages={
            "invalid": _(
                "Write the ROC year (three digits), q or h and a number, e.g. 115q3 or 115h2."
            )
        },
    )

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan") or getattr(self.instance, "plan", None)
        start = cleaned.get("start", self.instance.start)
        end = cleaned.get("end", self.instance.end)
        if plan is None or start is None or end is None:
            return cleaned
        others = (
            ReportingPeriod.objects.filter(plan=plan, start__lte=end, end__gte=start)
            .exclude(pk=self.instance.pk)
            .order_by("end")
        )
        if others:
            raise ValidationError(
                _(
                    "The period would overlap %(periods)s: an update counts for one period "
                    "only. Change the dates."
                )
                % {"periods": "、".join(str(p) for p in others)}
            )
        signed = periods.first_signed_off(plan)
        first = self.instance.pk is not None and self.instance.slug == plan.first_reporting_period
        if first and signed is not None and end > signed.end:
            raise ValidationError(
                _(
                    "This is the first reporting period: it cannot end after %(period)s, "
                    "which is signed off (its report is a record)."
                )
                % {"period": signed}
            )
        return cleaned


class GenerateForm(forms.Form):
    plan = forms.ModelChoiceField(Plan.objects.all(), label=_("plan"), empty_label=None)
    rule = forms.ChoiceField(
        label=_("rule"),
        choices=[
            (periods.QUARTERLY, _("quarterly (ending 3/31, 6/30, 9/30, 12/31)")),
            (periods.HALF_YEARLY, _("half-yearly (ending 6/30, 12/31)")),
        ],
        initial=periods.QUARTERLY,
    )
    deadline_day = forms.IntegerField(
        label=_("deadline day"),
        min_value=1,
        max_value=31,
        initial=periods.DEFAULT_DEADLINE_DAY,
        help_text=_(
            "The deadline is this day of the month after the period's end (the month's last "
            "day when it has fewer days)."
        ),
    )


@admin.display(description=_("state"))
def state(period):
    return STATE_LABELS[periods.state(period, reporting.today())]


@admin.display(description=_("reporting"))
def reporting_mark(period):
    """Whether the period counts: obligations start at the plan's first reporting period."""
    if period.slug == period.plan.first_reporting_period:
        return _("first reporting period")
    first_end = getattr(period, "first_end", None)
    if first_end is not None and period.end > first_end:
        return _("reported")
    return _("not reported (calendar only)")


class ReportingPeriodAdmin(TabbedTranslationAdmin):
    form = PeriodForm
    change_list_template = "admin/progress/reportingperiod_change_list.html"
    change_form_template = "admin/progress/reportingperiod_change_form.html"
    list_display = ("__str__", "slug", "start", "end", "deadline", state, reporting_mark)
    list_filter = ("plan",)
    list_select_related = ("plan",)
    fields = ("plan", "slug", "label", "start", "end", "deadline", "sign_off_record")
    readonly_fields = ("sign_off_record",)
    actions = ["set_first_selected"]

    class Media:
        css = {"all": ("portal/admin.css",)}

    def get_queryset(self, request):
        first = ReportingPeriod.objects.filter(
            plan=OuterRef("plan"), slug=OuterRef("plan__first_reporting_period")
        )
        return super().get_queryset(request).annotate(first_end=Subquery(first.values("end")[:1]))

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if Plan.objects.count() > 1:
            columns.insert(1, "plan")
        if rules.may_manage_periods(request.user):
            columns.append("by_agency")
        return columns

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "sign_off_record"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The plan and the id stay: the public addresses and the first reporting period
        # name a period by them.
        return ("plan", "slug", "sign_off_record")

    @admin.display(description=_("sign-off"))
    def sign_off_record(self, period):
        if period.signed_off_at is None:
            return _("not signed off")
        return _("signed off on %(when)s by %(who)s (%(count)s lines kept)") % {
            "when": localize(template_localtime(period.signed_off_at)),
            "who": period.signed_off_by or "—",
            "count": len(period.report or []),
        }

    @admin.display(description=_("by agency"))
    def by_agency(self, period):
        url = reverse("admin:progress_reportingperiod_overview", args=[quote(period.pk)])
        return format_html('<a href="{}">{}</a>', url, _("by agency"))

    # Permissions: progress.rules ------------------------------------------------------------

    def has_module_permission(self, request):
        return rules.may_view_periods(request.user)

    def has_view_permission(self, request, obj=None):
        return rules.may_view_periods(request.user)

    def has_add_permission(self, request):
        return rules.may_change_period(request.user)

    def has_change_permission(self, request, obj=None):
        return rules.may_change_period(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return rules.may_delete_period(request.user, obj)

    def has_manage_permission(self, request):
        return rules.may_manage_periods(request.user)

    def get_actions(self, request):
        # Deleting several at once would pass over the signed-off ones' refusal: one by one.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        extra = {"may_manage": rules.may_manage_periods(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def save_model(self, request, obj, form, change):
        import reversion

        with reversion.create_revision():
            reversion.set_user(request.user)
            super().save_model(request, obj, form, change)

    # Pages ----------------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name

        def page(route, view, name):
            return path(
                route, self.admin_site.admin_view(view), name="{}_{}_{}".format(*info, name)
            )

        return [
            page("mine/", lambda request: reporting.mine_view(self, request), "mine"),
            page("generate/", self.generate_view, "generate"),
            page(
                "<int:period_id>/copy/<int:node_id>/<int:agency_id>/",
                lambda request, **ids: reporting.copy_view(self, request, **ids),
                "copy",
            ),
            page("<path:object_id>/by-agency/", self.overview_view, "overview"),
            page("<path:object_id>/first/", self.first_view, "first"),
            page("<path:object_id>/sign-off/", self.sign_off_view, "sign_off"),
            *super().get_urls(),
        ]

    def _context(self, request, title, **more):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            **more,
        }

    def _managed_period(self, request, object_id):
        """The period of a reviewer's page (403 for others, 404 when there is none)."""
        if not rules.may_manage_periods(request.user):
            raise PermissionDenied
        period = self.get_object(request, unquote(object_id))
        if period is None:
            raise Http404
        return period

    def _page_url(self, name, period):
        return reverse(f"admin:progress_reportingperiod_{name}", args=[quote(period.pk)])

    def generate_view(self, request):
        if not rules.may_manage_periods(request.user):
            raise PermissionDenied
        form = GenerateForm(request.POST or None, initial={"plan": Plan.objects.first()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    created = periods.generate(data["plan"], data["rule"], data["deadline_day"])
            except ValueError as error:
                form.add_error(None, _("No periods were generated: %(reason)s") % {"reason": error})
            else:
                count = len(created)
                message = ngettext(
                    "%(count)d period generated; the existing ones are kept as they were.",
                    "%(count)d periods generated; the existing ones are kept as they were.",
                    count,
                ) % {"count": count}
                self.message_user(request, message, messages.SUCCESS)
                changelist = reverse("admin:progress_reportingperiod_changelist")
                return HttpResponseRedirect(f"{changelist}?plan__id__exact={data['plan'].pk}")
        context = self._context(request, _("Generate reporting periods"), form=form)
        return TemplateResponse(request, "admin/progress/period_generate.html", context)

    def first_view(self, request, object_id):
        period = self._managed_period(request, object_id)
        plan = period.plan
        if request.method == "POST" and request.POST.get("confirm"):
            try:
                periods.set_first_reporting_period(plan, period.slug, request.user)
            except ValueError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.log_change(request, period, "設為第一個填報期別")
                self.message_user(
                    request,
                    _("Reporting starts with %(period)s.") % {"period": period},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(self._page_url("overview", period))
        calendar = ReportingPeriod.objects.filter(plan=plan)
        context = self._context(
            request,
            _("Set the first reporting period"),
            period=period,
            current=periods.find(calendar, plan.first_reporting_period),
            passed=reporting.today() > period.deadline,
            back=self._page_url("overview", period),
        )
        return TemplateResponse(request, "admin/progress/period_first.html", context)

    def sign_off_view(self, request, object_id):
        period = self._managed_period(request, object_id)
        on = reporting.today()
        back = self._page_url("overview", period)
        if not rules.may_sign_off(request.user, period, on):
            if period.signed_off_at is not None:
                message = _("%(period)s is signed off already.")
            else:
                message = _("%(period)s can be signed off once its deadline has passed.")
            self.message_user(request, message % {"period": period}, messages.ERROR)
            return HttpResponseRedirect(back)
        if request.method == "POST" and request.POST.get("confirm"):
            try:
                periods.sign_off(period, request.user, on)
            except ValueError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(period)s is signed off: its report is kept as it stands.")
                    % {"period": period},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(back)
        _rows, totals = self._by_agency(period, on)
        context = self._context(
            request,
            _("Sign off %(period)s") % {"period": period},
            period=period,
            totals=[(OBLIGATION_LABELS[key], totals[key]) for key in COUNTED],
            waiting=totals[periods.SUBMITTED] + totals[periods.RETURNED],
            back=back,
        )
        return TemplateResponse(request, "admin/progress/period_sign_off.html", context)

    def overview_view(self, request, object_id):
        period = self._managed_period(request, object_id)
        on = reporting.today()
        rows, totals = self._by_agency(period, on)
        found = periods.state(period, on)
        plan = period.plan
        counted = periods.reporting(
            ReportingPeriod.objects.filter(plan=plan), plan.first_reporting_period
        )
        context = self._context(
            request,
            _("%(period)s by agency") % {"period": period},
            period=period,
            p=reporting.PeriodWork(period, found, (period.deadline - on).days),
            reported=period.slug in {p.slug for p in counted},
            is_first=period.slug == plan.first_reporting_period,
            rows=rows,
            totals=[totals[key] for key in COUNTED],
            total=sum(totals.values()),
            columns=[(key, OBLIGATION_LABELS[key]) for key in COUNTED],
            may_sign_off=rules.may_sign_off(request.user, period, on),
            may_change=rules.may_change_period(request.user, period),
            change_url=reverse("admin:progress_reportingperiod_change", args=[quote(period.pk)]),
            first_url=self._page_url("first", period),
            sign_off_url=self._page_url("sign_off", period),
            mine_url=reverse("admin:progress_reportingperiod_mine"),
        )
        return TemplateResponse(request, "admin/progress/period_overview.html", context)

    def _by_agency(self, period, on):
        """[(agency, [(state, label, count, link)], total)], and the totals by state: every
        lead agency's obligations in the period, each count linked to the obligations page
        filtered by period, agency and state."""
        _tree, _bundle, lines = reporting.obligations_of(period.plan, period, on)
        counts = Counter((line.agency, line.state) for line in lines if line.is_owed)
        codes = {code for code, _state in counts}
        mine = reverse("admin:progress_reportingperiod_mine")
        rows = []
        for agency in Agency.objects.filter(code__in=codes).order_by("code"):
            cells = []
            for key in COUNTED:
                count = counts[agency.code, key]
                query = urlencode({"period": period.pk, "agency": agency.code, "state": key})
                cells.append(
                    (key, OBLIGATION_LABELS[key], count, f"{mine}?{query}" if count else "")
                )
            rows.append((agency, cells, sum(cell[2] for cell in cells)))
        totals = {key: sum(n for (_code, k), n in counts.items() if k == key) for key in COUNTED}
        return rows, totals

    @admin.action(description=_("Set as the first reporting period…"), permissions=["manage"])
    def set_first_selected(self, request, queryset):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Choose exactly one period."), messages.WARNING)
            return None
        return HttpResponseRedirect(self._page_url("first", chosen[0]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and rules.may_manage_periods(request.user):
            on = reporting.today()
            context["period_pages"] = {
                "overview": self._page_url("overview", obj),
                "first": (
                    self._page_url("first", obj)
                    if obj.slug != obj.plan.first_reporting_period
                    else ""
                ),
                "sign_off": (
                    self._page_url("sign_off", obj)
                    if rules.may_sign_off(request.user, obj, on)
                    else ""
                ),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)
