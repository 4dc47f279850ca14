"""Staff editing of progress: agencies and responsibilities (reviewers), progress facts
(agency editors, on the plan items their agencies lead or support), the review queue, and
the CSV import (progress.admin.upload) at /<ADMIN_URL>progress/import/.

What an agency editor saves is a draft. Saving over a published fact makes a correction: a
new draft revision that supersedes it, reviewed again; the published one stays public until
the correction is published (progress.review). Whoever saves a draft later (a reviewer
correcting a typo) never becomes who submitted it.

Reviewers publish or return a draft from its form (the buttons under it) or from the lists
(actions): both call the same review functions (progress.review) under the same rules
(progress.rules); returning asks for the comment on a confirmation page. Plan items are
picked from dropdowns numbered as the plan numbers them (plan.choices).

Over 400 lines on purpose: the six admins share one fact form, its rules and the review
actions, and read best together; the upload page is its own module (upload.py).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin

from plan.choices import PlanItemChoiceField
from plan.models import Plan, PlanNode
from staff.revisions import GuardedVersionAdmin

from .. import rules
from ..models import (
    Agency,
    Indicator,
    Milestone,
    ProgressUpdate,
    ReportingPeriod,
    Responsibility,
    Reviewed,
    Schedule,
)
from ..numbers import NumberField, field_limits, format_number, parse_number
from ..review import (
    PUBLISH_COMMENT,
    erase,
    pending_correction,
    publish,
    return_draft,
    withdraw,
)
from . import periods as reporting_periods
from . import reminders as reminders  # registers the sent reminders' list
from . import upload

State = Reviewed.State


def _with_the_app_pages(site_urls):
    """The app's own admin pages, at /<ADMIN_URL>progress/… beside its models' pages (a model
    admin's get_urls are mounted under progress/<model>/): the CSV import, for agency editors
    and reviewers (progress.rules.may_import). Named "admin:progress_import"."""

    def get_urls():
        page = path(
            "progress/import/",
            admin.site.admin_view(upload.import_view),
            name="progress_import",
        )
        return [page, *site_urls()]

    return get_urls


admin.site.get_urls = _with_the_app_pages(admin.site.get_urls)


# The reporting routine (管考): the periods, their pages and the agency editor's own page.
admin.site.register(ReportingPeriod, reporting_periods.ReportingPeriodAdmin)


@admin.display(description=_("plan"), ordering="node__plan__slug")
def plan(obj):
    """The plan a row belongs to (with several plans loaded, rows are otherwise alike)."""
    return obj.node.plan.slug


class RulesAdmin(GuardedVersionAdmin):
    """Every permission question asked of progress.rules, with the object where there is one."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField):
            kwargs.setdefault("form_class", NumberField)  # the one number grammar
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "node":
            # Numbered, with the vision ("二、(二) 增建社宅擴大租金補貼"): a bare title does
            # not say where an item is, and an action item has none.
            kwargs.setdefault("form_class", PlanItemChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request):
        """Without the plan column while one plan is loaded: every row would say the same,
        and the lists' last columns (the review state) need its room at 1280 px."""
        columns = super().get_list_display(request)
        if plan in columns and Plan.objects.count() < 2:
            columns = [column for column in columns if column is not plan]
        return columns

    def has_add_permission(self, request):
        return rules.may_add(request.user, self.model)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return rules.may_change(request.user, obj)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request)
        return rules.may_view(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return rules.may_delete(request.user, obj if obj is not None else self.model)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """An object outside the user's list (another agency's fact) exists: refused (403),
        not "doesn't exist"."""
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
            exists = self.model._default_manager.filter(pk=pk).exists()
        except (ValidationError, ValueError):
            exists = False
        if exists:
            raise PermissionDenied
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)


@admin.register(Agency)
class AgencyAdmin(RulesAdmin, TabbedTranslationAdmin):
    change_list_template = "admin/progress/change_list.html"
    list_display = ("code", "name", "url")
    search_fields = ("code", "name_zh_hant", "name_en")
    filter_horizontal = ("editors",)
    fields = ("code", "name", "url", "editors")
    # An address typed without a scheme is a city site: https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "editors":
            kwargs["queryset"] = rules.possible_agency_editors()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Responsibility)
class ResponsibilityAdmin(RulesAdmin):
    change_list_template = "admin/progress/change_list.html"
    list_display = ("node", plan, "agency", "role")
    list_filter = ("role", "agency", "node__plan")
    list_select_related = ("node__plan", "agency")
    search_fields = ("node__ref", "node__title_zh_hant", "agency__code", "agency__name_zh_hant")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "node":
            kwargs["queryset"] = rules.editable_nodes(request.user).select_related("plan")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Schedule)
class ScheduleAdmin(RulesAdmin):
    list_display = ("node", plan, "planned_start", "planned_end", "weight")
    list_filter = ("node__plan",)
    list_select_related = ("node__plan",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "node":
            # Any item of the tree may have a period and a weight; not a deleted one.
            kwargs["queryset"] = PlanNode.objects.live().select_related("plan")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FactForm(forms.ModelForm):
    """A fact's form: the reporter must be one of the agencies the user reports for (the
    list offers only those; a forged POST is refused here too). Saving over a published
    fact makes a correction: one at a time (a second would be a second current fact)."""

    def clean(self):
        cleaned = super().clean()
        fact = self.instance
        if fact.pk is not None and fact.state == State.PUBLISHED:
            waiting = pending_correction(fact)
            if waiting is not None:
                raise ValidationError(
                    _(
                        "A correction of this is already waiting for review (number "
                        "%(number)s): change that draft instead."
                    )
                    % {"number": waiting.pk}
                )
        return cleaned

    def _update_errors(self, errors):
        """The model's own rules name a translated text by its field (reason, remedy,
        target_change_reason: the Chinese is the one required); the form has its languages'
        fields instead, and Django refuses an error for a field the form lacks (a 500)."""
        if hasattr(errors, "error_dict"):
            for name in list(errors.error_dict):
                chinese = f"{name}_zh_hant"
                if name not in self.fields and chinese in self.fields:
                    errors.error_dict[chinese] = errors.error_dict.pop(name)
        super()._update_errors(errors)

    def clean_agency(self):
        agency = self.cleaned_data.get("agency")
        user = getattr(self, "user", None)
        if agency is not None and user is not None and not rules.may_name_agency(user, agency.pk):
            raise ValidationError(_("Name one of your own agencies as the reporter."))
        return agency


class FactAdmin(RulesAdmin, TabbedTranslationAdmin):
    """Progress facts: drafts, the review actions, corrections, withdrawals."""

    form = FactForm
    change_list_template = "admin/progress/change_list.html"

    class Media:
        css = {"all": ("portal/admin.css",)}

    list_filter = ("state", "node__plan")
    list_select_related = ("node__plan",)
    actions = ["publish_selected", "return_selected", "withdraw_selected"]
    review_fields = ("state", "supersedes", "published_at")
    withdrawal_fields = ("withdrawn_at", "withdrawal_reason")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if rules.is_reviewer(request.user):
            return queryset
        return queryset.editable_by(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.review_fields)
        if obj is not None and obj.state == State.WITHDRAWN:
            fields += self.withdrawal_fields
        if not rules.is_reviewer(request.user):
            fields.append("review_comment")  # written by reviewers, read by the agency
        return fields

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.state == State.WITHDRAWN:
            fields += [f for f in self.withdrawal_fields if f not in fields]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "node":
            kwargs["queryset"] = rules.editable_nodes(request.user).select_related("plan")
        elif db_field.name == "agency":
            kwargs["queryset"] = rules.reporting_agencies(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_review_permission(self, request):
        return rules.may_publish(request.user)

    def has_withdraw_permission(self, request):
        return rules.may_withdraw(request.user)

    def save_model(self, request, obj, form, change):
        original = type(obj).objects.filter(pk=obj.pk).first() if change else None
        if original is not None and original.state == State.PUBLISHED:
            # A correction: the published fact stays as it is (and public) until this new
            # revision is reviewed and published in its place. Its submitter is whoever
            # makes it.
            obj.pk = obj.id = None
            obj._state.adding = True
            obj.supersedes = original
            obj.published_at = None
            obj.reviewed_by = None
            obj.review_comment = ""
            obj.submitted_by = request.user
            messages.info(request, _("Saved as a correction: a draft that a reviewer publishes."))
        elif not change:
            obj.submitted_by = request.user
        # A draft saved again keeps who submitted it, whoever saves it (a reviewer fixing a
        # typo before publishing): also when that is not known (a file imported on the
        # command line), rather than naming someone who did not report it.
        obj.state = State.DRAFT
        super().save_model(request, obj, form, change)

    # Reviewing from the draft's own form ------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        page = path(
            "<path:object_id>/return/",
            self.admin_site.admin_view(self.return_view),
            name="{}_{}_return".format(*info),
        )
        return [page, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """A draft's form shows a reviewer "save and publish" and "return for changes" (not
        on reversion's revert and recover forms: those put back an earlier version)."""
        reverting = context.get("revert") or context.get("recover")
        if change and obj is not None and not reverting and rules.may_publish(request.user, obj):
            info = self.opts.app_label, self.opts.model_name
            context["review_buttons"] = {
                "return_url": reverse("admin:{}_{}_return".format(*info), args=[quote(obj.pk)])
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """ "Save and publish" is for a draft waiting for review only. Sent again (a double
        click) or forged on a published fact's form, saving would make a correction and
        publish it at once: nothing is saved, and the reviewer is told why."""
        if request.method == "POST" and "_publish" in request.POST and object_id:
            if not rules.may_publish(request.user):
                raise PermissionDenied
            fact = self.get_object(request, unquote(object_id))
            if fact is not None and not rules.may_publish(request.user, fact):
                self.message_user(
                    request,
                    _(
                        "Nothing was saved: this is no longer a draft waiting for review "
                        "(it was published or returned meanwhile)."
                    ),
                    messages.WARNING,
                )
                return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        """The reviewer's "save and publish": the draft was saved (its submitter kept); now
        it is published by review.publish(), as the list action does. A refusal leaves it
        saved as a draft."""
        if "_publish" not in request.POST:
            return super().response_change(request, obj)
        try:
            # Its own savepoint: a refusal under publish()'s lock undoes only the publishing.
            with transaction.atomic():
                publish(obj, request.user)
        except ValidationError as error:
            self.message_user(
                request,
                _("Saved as a draft, not published: %(reason)s")
                % {"reason": " ".join(error.messages)},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        # The admin's log (and so the audit trail) says it was published, as well as saved.
        self.log_change(request, obj, PUBLISH_COMMENT)
        self.message_user(request, _("“%(fact)s” published.") % {"fact": obj}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:progress_review_queue"))

    def return_view(self, request, object_id):
        """Return one draft for changes: a confirmation page asks for the comment (required),
        prefilled with what the reviewer typed on the draft's form."""
        fact = self.get_object(request, unquote(object_id))
        if fact is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not (rules.may_return(request.user) and self.has_view_permission(request, fact)):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(fact.pk)]
        )
        if not rules.may_return(request.user, fact):
            self.message_user(request, _("Only a draft can be returned."), messages.ERROR)
            return HttpResponseRedirect(change_url)
        response = self._confirm_return(request, [fact], back=change_url)
        return response or HttpResponseRedirect(reverse("admin:progress_review_queue"))

    def _confirm_return(self, request, facts, *, back=None):
        """The confirmation page of returning `facts`, each with its comment (a field each,
        prefilled with its stored comment, or for one draft what its form held); once
        confirmed with every comment given, each is returned by review.return_draft() and
        None is answered (the caller says where to go)."""
        comments = {}
        for fact in facts:
            typed = request.POST.get(f"review_comment_{fact.pk}")
            if typed is None and len(facts) == 1:
                typed = request.POST.get("review_comment")  # from the draft's form
            comments[fact.pk] = (fact.review_comment if typed is None else typed).strip()
        missing = set()
        if request.POST.get("confirm"):
            missing = {f.pk for f in facts if f.state in Reviewed.PENDING and not comments[f.pk]}
            if not missing:
                self._review_each(
                    request,
                    facts,
                    lambda fact: return_draft(fact, request.user, comments[fact.pk]),
                    lambda done: ngettext("%(count)d returned.", "%(count)d returned.", done),
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Return drafts for changes"),
            "opts": self.model._meta,
            "facts": [(fact, comments[fact.pk], fact.pk in missing) for fact in facts],
            "pending": Reviewed.PENDING,
            "back": back,
            "as_action": back is None,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/progress/return.html", context)

    def delete_model(self, request, obj):
        erase(obj, request.user)  # superusers only (rules.may_delete), recorded

    def delete_queryset(self, request, queryset):
        for fact in queryset:
            if type(fact).objects.filter(pk=fact.pk).exists():  # not erased with another
                erase(fact, request.user)

    def _review_each(self, request, facts, act, done_message=None):
        """`act` on each fact; a refusal is said for its fact and the others go on; then how
        many were done (`done_message(count)`, with %(count)d)."""
        done = 0
        for fact in facts:
            try:
                act(fact)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{fact}: {' '.join(error.messages)}", messages.ERROR)
        if done and done_message is not None:
            self.message_user(request, done_message(done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected drafts"), permissions=["review"])
    def publish_selected(self, request, queryset):
        self._review_each(
            request,
            queryset,
            lambda fact: publish(fact, request.user),
            lambda done: ngettext("%(count)d published.", "%(count)d published.", done),
        )

    @admin.action(
        description=_("Return the selected drafts with the reviewer's comment"),
        permissions=["review"],
    )
    def return_selected(self, request, queryset):
        """A confirmation page asks for each draft's comment (required), then returns them."""
        return self._confirm_return(request, list(queryset.select_related("node")))

    @admin.action(
        description=_("Withdraw the selected published facts, with a reason"),
        permissions=["withdraw"],
    )
    def withdraw_selected(self, request, queryset):
        """A confirmation page asks for the reason; the facts stay in the public history,
        marked withdrawn with the date and the reason."""
        facts = list(queryset.select_related("node"))
        reason = (request.POST.get("withdrawal_reason") or "").strip()
        error = ""
        if request.POST.get("confirm"):
            if not reason:
                error = _("Say why: a withdrawal needs a reason.")
            else:
                self._review_each(
                    request,
                    facts,
                    lambda fact: withdraw(fact, request.user, reason),
                    lambda done: ngettext("%(count)d withdrawn.", "%(count)d withdrawn.", done),
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Withdraw published facts"),
            "opts": self.model._meta,
            "facts": facts,
            "reason": reason,
            "error": error,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/progress/withdraw.html", context)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(FactAdmin):
    list_display = ("node", plan, "date", "status", "percent", "agency", "state")
    fields = (
        "node",
        "date",
        "status",
        "percent",
        "summary",
        "source",
        "agency",
        "reason",
        "remedy",
        "review_comment",
        *FactAdmin.review_fields,
    )

    def get_urls(self):
        queue = path(
            "queue/",
            self.admin_site.admin_view(self.queue_view),
            name="progress_review_queue",
        )
        return [queue, *super().get_urls()]

    def queue_view(self, request):
        """Every draft waiting for review, across updates, indicators and milestones: for
        reviewers, and for agency editors their own drafts."""
        facts = [self.admin_site._registry[m] for m in (ProgressUpdate, Indicator, Milestone)]
        if not any(admin_.has_view_permission(request) for admin_ in facts):
            raise PermissionDenied
        drafts = []
        for admin_ in facts:
            model = admin_.model
            for fact in admin_.get_queryset(request).pending():
                url = reverse(f"admin:progress_{model._meta.model_name}_change", args=[fact.pk])
                drafts.append((model._meta.verbose_name, fact, url))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Drafts waiting for review"),
            "drafts": drafts,
            "opts": self.model._meta,
        }
        return render(request, "admin/progress/queue.html", context)


YEAR_PARTS = ("target", "actual", "source")
YEAR_LABELS = {"target": _("target"), "actual": _("actual"), "source": _("source")}


def term_years(node=None):
    """The ROC years an indicator can have values for: its plan's term, or (for a new one)
    every plan's."""
    plans = [node.plan] if node is not None else Plan.objects.all()
    years = set()
    for plan_ in plans:
        years.update(range(plan_.term_start_roc, plan_.term_end_roc + 1))
    return sorted(years)


def yearly_field_names(years):
    return [tuple(f"{part}_{year}" for part in YEAR_PARTS) for year in years]


class IndicatorForm(FactForm):
    """The indicator with a target, an actual and a source for each year of the term. The
    yearly fields are declared on the class (`indicator_form`), as the admin builds its form
    class from the fields its fieldsets name."""

    years = ()

    class Meta:
        model = Indicator
        # The yearly values are the form's own fields, gathered into `values`.
        fields = (
            "node",
            "key",
            "name",
            "measure",
            "unit",
            "direction",
            "baseline_year",
            "baseline",
            "weight",
            "source",
            "target_change_reason",
            "review_comment",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        values = self.instance.values or {}
        for year in self.years:
            entry = values.get(str(year), {})
            for part in YEAR_PARTS:
                self.fields[f"{part}_{year}"].initial = entry.get(part, "")

    def clean(self):
        cleaned = super().clean()
        node = cleaned.get("node")
        term = set(term_years(node)) if node is not None else set(self.years)
        limits = field_limits(Indicator._meta.get_field("baseline"))
        values = {}
        for year in self.years:
            entry = {}
            for part in YEAR_PARTS:
                name = f"{part}_{year}"
                raw = (cleaned.get(name) or "").strip()
                if not raw:
                    continue
                if year not in term:
                    self.add_error(name, _("This year is outside the plan's term."))
                    continue
                if part != "source":
                    try:
                        raw = format_number(parse_number(raw, limits))
                    except ValidationError as error:
                        self.add_error(name, error)
                        continue
                entry[part] = raw
            if entry:
                values[str(year)] = entry
        self.instance.values = values
        return cleaned


def indicator_form(years):
    """IndicatorForm with a target, actual and source field for each of `years`."""
    fields = {}
    for year in years:
        for part in YEAR_PARTS:
            fields[f"{part}_{year}"] = forms.CharField(
                label=f"{year} {YEAR_LABELS[part]}",
                required=False,
                max_length=500 if part == "source" else 40,
            )
    return type("IndicatorForm", (IndicatorForm,), {**fields, "years": tuple(years)})


@admin.register(Indicator)
class IndicatorAdmin(FactAdmin):
    form = IndicatorForm
    list_display = ("key", "name", "node", plan, "direction", "state")
    search_fields = ("key", "name_zh_hant", "name_en", "node__ref")

    def years(self, obj):
        return term_years(obj.node if obj is not None and obj.node_id else None)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = indicator_form(self.years(obj))
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        base = IndicatorForm.Meta.fields[:-1]
        review = ("review_comment", *self.review_fields)
        if obj is not None and obj.state == State.WITHDRAWN:
            review += self.withdrawal_fields
        return (
            # The translated fields (name, measure, unit) as their languages' fields, as
            # modeltranslation does for declared fieldsets (its form has no `name`).
            (None, {"fields": self.replace_orig_field(base)}),
            (
                _("Targets and actuals by year (ROC)"),
                {"fields": yearly_field_names(self.years(obj))},
            ),
            (_("Review"), {"fields": review}),
        )


@admin.register(Milestone)
class MilestoneAdmin(FactAdmin):
    list_display = ("node", plan, "planned_date", "description", "done_on", "state")
    fields = (
        "node",
        "planned_date",
        "description",
        "done_on",
        "source",
        "review_comment",
        *FactAdmin.review_fields,
    )
