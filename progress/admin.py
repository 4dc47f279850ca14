"""Staff editing of progress: agencies and responsibilities (reviewers), progress facts
(agency editors, on the plan items their agencies lead or support), and the review queue.

What an agency editor saves is a draft. Saving over a published fact makes a correction: a
new draft revision that supersedes it, reviewed again; the published one stays public until
the correction is published (progress.review).
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin
from reversion.admin import VersionAdmin

from plan.models import Plan, PlanNode

from .models import Agency, Indicator, Milestone, ProgressUpdate, Responsibility, Reviewed, Schedule
from .review import can_review, publish, return_draft

State = Reviewed.State
REPORTED_KINDS = (PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION)


@admin.display(description=_("plan"), ordering="node__plan__slug")
def plan(obj):
    """The plan a row belongs to (with several plans loaded, rows are otherwise alike)."""
    return obj.node.plan.slug


def editable_nodes(user):
    """The plan items a user may report on: all for reviewers and superusers; for an agency
    editor, those an agency they belong to leads or supports."""
    nodes = PlanNode.objects.live().filter(kind__in=REPORTED_KINDS)
    if user.is_superuser or can_review(user):
        return nodes
    return nodes.filter(responsibilities__agency__editors=user).distinct()


@admin.register(Agency)
class AgencyAdmin(VersionAdmin, TabbedTranslationAdmin):
    change_list_template = "admin/progress/change_list.html"
    list_display = ("code", "name", "url")
    search_fields = ("code", "name_zh_hant", "name_en")
    filter_horizontal = ("editors",)
    fields = ("code", "name", "url", "editors")
    # An address typed without a scheme is a city site: https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Responsibility)
class ResponsibilityAdmin(VersionAdmin):
    change_list_template = "admin/progress/change_list.html"
    list_display = ("node", plan, "agency", "role")
    list_filter = ("role", "agency", "node__plan")
    list_select_related = ("node__plan", "agency")
    search_fields = ("node__ref", "node__title_zh_hant", "agency__code", "agency__name_zh_hant")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "node":
            kwargs["queryset"] = PlanNode.objects.live().filter(kind__in=REPORTED_KINDS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Schedule)
class ScheduleAdmin(VersionAdmin):
    list_display = ("node", plan, "planned_start", "planned_end", "weight")
    list_filter = ("node__plan",)
    list_select_related = ("node__plan",)


class FactAdmin(VersionAdmin, TabbedTranslationAdmin):
    """Progress facts: drafts, the review actions, corrections of what is published."""

    change_list_template = "admin/progress/change_list.html"

    class Media:
        css = {"all": ("portal/admin.css",)}

    list_filter = ("state", "node__plan")
    list_select_related = ("node__plan",)
    actions = ["publish_selected", "return_selected"]
    review_fields = ("state", "supersedes", "published_at")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser or can_review(request.user):
            return queryset
        return queryset.filter(node__in=editable_nodes(request.user))

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.review_fields)
        if not can_review(request.user):
            fields.append("review_comment")  # written by reviewers, read by the agency
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "node":
            kwargs["queryset"] = editable_nodes(request.user).select_related("plan")
        elif db_field.name == "agency" and not (
            request.user.is_superuser or can_review(request.user)
        ):
            kwargs["queryset"] = Agency.objects.filter(editors=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        if obj.state == State.SUPERSEDED:
            return False  # history: a superseded revision is never changed
        return editable_nodes(request.user).filter(pk=obj.node_id).exists()

    def has_review_permission(self, request):
        return can_review(request.user)

    def save_model(self, request, obj, form, change):
        original = type(obj).objects.filter(pk=obj.pk).first() if change else None
        if original is not None and original.state == State.PUBLISHED:
            # A correction: the published fact stays as it is (and public) until this new
            # revision is reviewed and published in its place.
            obj.pk = obj.id = None
            obj._state.adding = True
            obj.supersedes = original
            obj.published_at = None
            obj.reviewed_by = None
            obj.review_comment = ""
            messages.info(request, _("Saved as a correction: a draft that a reviewer publishes."))
        obj.state = State.DRAFT
        obj.submitted_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected drafts"), permissions=["review"])
    def publish_selected(self, request, queryset):
        done = 0
        for fact in queryset:
            try:
                publish(fact, request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{fact}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d published.", "%(count)d published.", done) % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(
        description=_("Return the selected drafts with the reviewer's comment"),
        permissions=["review"],
    )
    def return_selected(self, request, queryset):
        for fact in queryset:
            try:
                return_draft(fact, request.user, fact.review_comment)
            except ValidationError as error:
                self.message_user(request, f"{fact}: {' '.join(error.messages)}", messages.ERROR)


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
        """Every draft waiting for review, across updates, indicators and milestones."""
        drafts = []
        for model in (ProgressUpdate, Indicator, Milestone):
            admin_ = self.admin_site._registry[model]
            for fact in admin_.get_queryset(request).filter(state=State.DRAFT):
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


def term_years(node=None):
    """The ROC years an indicator can have values for: its plan's term, or (for a new one)
    every plan's."""
    plans = [node.plan] if node is not None else Plan.objects.all()
    years = set()
    for plan in plans:
        years.update(range(plan.term_start_roc, plan.term_end_roc + 1))
    return sorted(years)


class IndicatorForm(forms.ModelForm):
    """The indicator with a target, an actual and a source for each year of the term."""

    class Meta:
        model = Indicator
        # The yearly values are the form's own fields (below), gathered into `values`.
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
        node = self.instance.node if self.instance.node_id else None
        self.years = term_years(node)
        values = self.instance.values or {}
        labels = {"target": _("target"), "actual": _("actual"), "source": _("source")}
        for year in self.years:
            entry = values.get(str(year), {})
            for part in YEAR_PARTS:
                self.fields[f"{part}_{year}"] = forms.CharField(
                    label=f"{year} {labels[part]}",
                    required=False,
                    initial=entry.get(part, ""),
                    max_length=500 if part == "source" else 30,
                )

    def clean(self):
        cleaned = super().clean()
        values = {}
        for year in self.years:
            entry = {}
            for part in YEAR_PARTS:
                raw = (cleaned.get(f"{part}_{year}") or "").strip()
                if raw and part != "source":
                    try:
                        raw = str(Decimal(raw.replace(",", "")))
                    except InvalidOperation:
                        self.add_error(f"{part}_{year}", _("Enter a number."))
                        continue
                if raw:
                    entry[part] = raw
            if entry:
                values[str(year)] = entry
        self.instance.values = values
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(FactAdmin):
    form = IndicatorForm
    list_display = ("key", "name", "node", plan, "direction", "state")
    search_fields = ("key", "name_zh_hant", "name_en", "node__ref")

    def get_fieldsets(self, request, obj=None):
        years = term_years(obj.node if obj is not None and obj.node_id else None)
        base = IndicatorForm.Meta.fields[:-1]
        yearly = [tuple(f"{part}_{year}" for part in YEAR_PARTS) for year in years]
        review = ("review_comment", *self.review_fields)
        return (
            (None, {"fields": base}),
            (_("Targets and actuals by year (ROC)"), {"fields": yearly}),
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
