"""Staff editing: the plan tree with drag and drop, both languages in tabs, history, preview.

PlanNodeAdmin combines three admins: treebeard's TreeAdmin (tree list, drag-and-drop moves,
add at a position), modeltranslation's tabbed fields (zh-hant | English), and reversion's
VersionAdmin (history, compare, revert). Every save and every move is a revision.

Over 400 lines, one job: the plan's own admin pages (tree, deleted items, plans) share
its forms and history helpers.
"""

from urllib.parse import urlencode

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.i18n import JavaScriptCatalog
from modeltranslation.admin import TabbedTranslationAdmin
from reversion.models import Version
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from staff.revisions import GuardedVersionAdmin

from .deletion import erase, move_to_deleted, restore
from .history import MOVED, comment_for, text_diff
from .models import NODE_TEXTS, DeletedPlanNode, Plan, PlanNode

admin.site.site_header = _("Policy plan administration")
admin.site.site_title = _("Policy plan administration")


@admin.display(description=_("title or text"))
def title_or_text(node):
    """A node as the lists name it: its Chinese title, or the start of its text."""
    return node.title_zh_hant or (node.body_zh_hant or "")[:40]


class EditVersionForm(forms.ModelForm):
    """Refuses a save based on an out-of-date copy (two staff editing the same thing).

    The form carries the version it was opened at. clean() locks the row (the admin runs the
    whole request in one transaction) and compares: a second editor racing the first waits
    for the first to commit, then sees the new version and is refused, never overwrites.
    """

    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edit_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            model = type(self.instance)
            current = (
                model.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
            )
            if cleaned.get("edit_version") != current.first():
                raise forms.ValidationError(
                    _(
                        "Someone else saved this item after you opened it. Your changes were not saved, so "
                        "theirs are not lost: copy what you changed, reload the page to see their version, "
                        "and make your changes again."
                    ),
                    code="stale",
                )
            self.instance.version = cleaned["edit_version"] + 1
        return cleaned


def compare_with_version(node, version):
    """What reverting would change: each text that differs, now and then, both languages."""
    recorded = version.field_dict
    rows = []
    for name in NODE_TEXTS:
        for language, suffix in (("zh-hant", "zh_hant"), ("en", "en")):
            field = f"{name}_{suffix}"
            now, then = getattr(node, field) or "", recorded.get(field) or ""
            if now != then:
                label = f"{PlanNode._meta.get_field(name).verbose_name} [{language}]"
                rows.append((label, *text_diff(now, then, language)))
    if node.published != recorded.get("published", node.published):
        rows.append(
            (
                PlanNode._meta.get_field("published").verbose_name,
                str(node.published),
                str(recorded["published"]),
            )
        )
    return rows


class PlanNodeForm(EditVersionForm, MoveNodeForm):
    class Meta:
        model = PlanNode
        fields = ("plan", "kind", "ref", "published", "title", "body", "chart_label")

    def clean(self):
        cleaned = super().clean()
        position = cleaned.get("treebeard_position")
        ref = cleaned.get("treebeard_ref_node")
        kind = cleaned.get("kind")
        plan = cleaned.get("plan")
        if not position or not kind:
            return cleaned
        # Where the node will sit decides what it may be: goal → vision → strategy → action.
        if ref is None:
            parent, depth = None, 1
        elif position.endswith("child"):
            parent, depth = ref, ref.depth + 1
        else:
            parent, depth = (PlanNode.objects.get_parent(ref) if ref.depth > 1 else None), ref.depth
        expected = PlanNode.DEPTH[kind]
        if depth != expected:
            place = parent.get_kind_display() if parent else _("the top of the tree")
            raise forms.ValidationError(
                _(
                    "A %(kind)s cannot go there (under %(place)s). A vision goes under the goal, a strategy under a vision, an action item under a strategy."
                )
                % {"kind": PlanNode.Kind(kind).label, "place": place}
            )
        if ref is not None and plan is not None and ref.plan_id != plan.pk:
            raise forms.ValidationError(_("A node can only be placed within its own plan."))
        if ref is not None and ref.deleted:
            raise forms.ValidationError(
                _("A node cannot be placed next to or under a deleted item.")
            )
        if self.instance.pk and plan is not None and plan.pk != self.instance.plan_id:
            # Its subtree would stay behind in the old plan.
            raise forms.ValidationError(_("A node cannot move to another plan."))
        if depth == 1 and plan is not None:
            goals = PlanNode.objects.filter(plan=plan, depth=1).exclude(pk=self.instance.pk)
            if goals.exists():
                raise forms.ValidationError(_("This plan already has its goal."))
        return cleaned

    def save(self, commit=True):
        """A new node goes straight to its place. treebeard's form adds it as a child of the
        reference node and then moves it, which would put it, for a moment, at a level the
        database's kind ↔ depth check refuses."""
        ref = self.cleaned_data.get("treebeard_ref_node")
        position = self.cleaned_data.get("treebeard_position") or ""
        if not (self.instance._state.adding and ref is not None):
            return super().save(commit=commit)
        self.cleaned_data.pop("treebeard_ref_node")
        self.cleaned_data.pop("treebeard_position")
        if position.endswith("child"):
            self.instance = PlanNode.objects.add_child(ref, instance=self.instance)
            if position == "first-child":
                first = PlanNode.objects.get_children(ref).first()
                if first is not None and first.pk != self.instance.pk:
                    PlanNode.objects.move(self.instance, first, pos="left")
        else:
            self.instance = PlanNode.objects.add_sibling(ref, position, instance=self.instance)
        self.instance.refresh_from_db()
        forms.ModelForm.save(self, commit=commit)
        return self.instance


@admin.register(PlanNode)
class PlanNodeAdmin(GuardedVersionAdmin, TreeAdmin, TabbedTranslationAdmin):
    form = movenodeform_factory(PlanNode, form=PlanNodeForm)
    # The tree list, with reversion's "recover deleted" link added.
    change_list_template = "admin/plan/plannode/change_list.html"
    # With several plans loaded (another city, the next term), every row names its plan.
    list_display = (
        title_or_text,
        "kind",
        "ref",
        "plan_slug",
        "translation_status",
        "published",
        "edited_at",
    )
    list_filter = ("plan", "kind", "published")
    list_select_related = ("plan",)
    search_fields = ("title_zh_hant", "title_en", "body_zh_hant", "body_en", "ref", "plan__slug")
    fieldsets = (
        (None, {"fields": ("plan", "kind", "ref", "published")}),
        (_("Text"), {"fields": ("title", "body", "chart_label")}),
        (
            _("Position in the plan"),
            {"fields": ("treebeard_position", "treebeard_ref_node", "edit_version")},
        ),
    )

    class Media:
        js = ("portal/admin-plan.js",)
        css = {"all": ("portal/admin.css",)}

    def get_queryset(self, request):
        # Deleted items keep their place in the tree but are listed on their own page.
        return super().get_queryset(request).live()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A strategy's form lists its action items, with a link to add one."""
        extra_context = extra_context or {}
        node = PlanNode.objects.filter(pk=unquote(object_id)).first()
        if node is not None and node.kind == PlanNode.Kind.STRATEGY:
            actions = list(PlanNode.objects.get_children(node).live())
            place = (
                {"treebeard_position": "right", "treebeard_ref_node": actions[-1].pk}
                if actions
                else {"treebeard_position": "first-child", "treebeard_ref_node": node.pk}
            )
            query = urlencode({"plan": node.plan_id, "kind": PlanNode.Kind.ACTION, **place})
            extra_context["action_items"] = actions
            extra_context["add_action_url"] = f"{reverse('admin:plan_plannode_add')}?{query}"
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        obj.edited_at = timezone.now()  # what pages call "last changed"
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        """Move the item and everything under it to the deleted items (never erased here)."""
        move_to_deleted(obj, request.user)

    def delete_queryset(self, request, queryset):
        for node in queryset.order_by("path"):
            node.refresh_from_db()
            if not node.deleted:
                move_to_deleted(node, request.user)

    @admin.display(description=_("plan"), ordering="plan__slug")
    def plan_slug(self, node):
        return node.plan.slug

    @admin.display(description=_("English translation"))
    def translation_status(self, node):
        if node.is_translated:
            return _("translated")
        return format_html(
            '<strong class="translation-missing">{}</strong>', _("translation missing")
        )

    def get_urls(self):
        """treebeard's script translations (which it serves to anyone) behind the admin's
        sign-in, for those who see the tree."""
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if str(pattern.pattern) == "jsi18n/":
                view = self.admin_site.admin_view(self.tree_translations)
                urls[index] = path("jsi18n/", view, name=pattern.name)
        return urls

    def tree_translations(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return JavaScriptCatalog.as_view(packages=["treebeard"])(request)

    def move_node(self, request):
        if request.method != "POST":
            # The tree's drag and drop posts here; a GET moves nothing (405, not treebeard's 400).
            if not self.has_view_or_change_permission(request):
                raise PermissionDenied
            return HttpResponseNotAllowed(["POST"])
        # treebeard saves the moved node after moving it; record that save as a revision
        # (moves change official numbering, which citizens should be able to follow).
        with transaction.atomic(), reversion.create_revision():
            reversion.set_user(request.user)
            relation = {"child": "成為子項目", "sibling": "成為同層項目"}
            reversion.set_comment(
                comment_for(MOVED, relation.get(request.POST.get("relation", ""), ""))
            )
            response = super().move_node(request)
            moved = request.POST.get("node")  # treebeard's move form: node, target, relation
            if response.status_code < 400 and moved:
                PlanNode.objects.filter(pk=moved).update(edited_at=timezone.now())
            return response

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Revert by opening the change form with the old texts filled in.

        reversion's own revert writes the recorded row back raw, which would also need the
        node's tree position; here the staff member sees the old texts in the normal form,
        saves them like any edit (validated, version-checked, recorded), and the node stays
        where it is in the tree.
        """
        version = get_object_or_404(
            Version.objects.get_for_model(PlanNode).select_related("revision"),
            pk=version_id,
            object_id=unquote(object_id),
        )
        request._reverting_to = version
        when = localize(template_localtime(version.revision.date_created))
        current = get_object_or_404(PlanNode, pk=unquote(object_id))
        context = {
            "title": _("Revert to the version saved on %(date)s") % {"date": when},
            "comparison": compare_with_version(current, version),
            **(extra_context or {}),
        }
        return self.change_view(request, object_id, request.path, context)

    def render_change_form(self, request, context, *args, **kwargs):
        response = super().render_change_form(request, context, *args, **kwargs)
        if getattr(request, "_reverting_to", None) is not None:
            # The change form, with what differs from the current texts shown above it.
            response.template_name = ["admin/plan/plannode/revert_form.html"]
        return response

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        version = getattr(request, "_reverting_to", None)
        if obj is not None and version is not None:
            recorded = version.field_dict
            for field in NODE_TEXTS:
                for language in ("zh_hant", "en"):
                    name = f"{field}_{language}"
                    setattr(obj, name, recorded.get(name) or "")
            obj.published = recorded.get("published", obj.published)
        return obj

    def recoverlist_view(self, request, extra_context=None):
        # Deleted items are restored from their own list (DeletedPlanNodeAdmin), in place;
        # reversion's "recover" would write back a row without its place in the tree.
        if not self.has_change_permission(request):
            raise PermissionDenied
        return redirect("admin:plan_deletedplannode_changelist")

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied  # the same, for one recorded version (plan.rules)

    def get_view_on_site_url(self, obj=None):
        # "View on site" opens the staff preview, which also shows unpublished content.
        if obj is None or not obj.pk:
            return None
        try:
            return reverse("staff-preview", args=[obj.plan.slug, obj.ref])
        except NoReverseMatch:  # the form holds an invalid reference the staff member typed
            return None


@admin.register(DeletedPlanNode)
class DeletedPlanNodeAdmin(admin.ModelAdmin):
    """The deleted items: restored in place by editors, erased for good only by superusers."""

    list_display = (title_or_text, "kind", "ref", "plan", "edited_at")
    list_filter = ("plan", "kind")
    list_select_related = ("plan",)
    search_fields = ("title_zh_hant", "title_en", "body_zh_hant", "body_en", "ref", "plan__slug")
    actions = ["restore_selected", "delete_selected"]
    ordering = ("plan", "path")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_restore_permission(self, request):
        return request.user.has_perm("plan.change_plannode")

    def delete_queryset(self, request, queryset):
        erase(list(queryset.select_related(None)), request.user)

    def delete_model(self, request, obj):
        erase([obj], request.user)

    @admin.action(
        description=_("Restore the selected items, in their place"), permissions=["restore"]
    )
    def restore_selected(self, request, queryset):
        restored = 0
        for node in queryset.order_by("path"):
            node.refresh_from_db()
            if not node.deleted:
                continue  # restored with an item above it
            try:
                restored += len(restore(node, request.user))
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        if restored:
            self.message_user(
                request,
                ngettext("%(count)d item restored.", "%(count)d items restored.", restored)
                % {"count": restored},
                messages.SUCCESS,
            )


PLAN_FIELDSETS = (
    (
        None,
        {
            "fields": (
                "slug",
                "title",
                "authority",
                "term_start_roc",
                "term_end_roc",
                "published_on",
                "published",
                "is_current",
            )
        },
    ),
    (_("Opening and closing"), {"fields": Plan.DOCUMENT_TEXTS[2:]}),
    (_("Architecture chart"), {"fields": Plan.CHART_TEXTS}),
    (_("Provenance"), {"fields": ("source_file", "source_sha256", "source_note", "edit_version")}),
)


class PlanForm(EditVersionForm):
    class Meta:
        model = Plan
        # Everything the fieldsets show but the form's own version field.
        fields = [name for name in flatten_fieldsets(PLAN_FIELDSETS) if name != "edit_version"]


@admin.register(Plan)
class PlanAdmin(GuardedVersionAdmin, TabbedTranslationAdmin):
    form = PlanForm

    class Media:
        js = ("portal/admin-plan.js",)

    list_display = ("title", "slug", "term", "published", "is_current", "edited_at")
    list_filter = ("published", "is_current")
    fieldsets = PLAN_FIELDSETS

    def save_model(self, request, obj, form, change):
        obj.edited_at = timezone.now()  # what pages call "last changed"
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # A plan takes its whole text with it: only a superuser deletes one.
        return request.user.is_active and request.user.is_superuser

    @admin.display(description=_("term"))
    def term(self, plan):
        return f"{plan.term_start_roc}–{plan.term_end_roc} ({plan.term_start}–{plan.term_end})"
