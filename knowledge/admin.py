"""Staff editing of the glossary, the topics and the goals, and of which plan items each
covers. Everything here is an editorial addition: the admin says so on every form."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from plan.choices import PlanItemsChoiceField
from plan.models import PlanNode
from staff.revisions import GuardedVersionAdmin

from .models import CLASSIFIED_KINDS, Goal, Term, Topic

EDITORIAL = _(
    "Editorial addition: shown to citizens labelled as the portal's explanation or "
    "classification, not as part of the official plan text."
)


class KnowledgeAdmin(GuardedVersionAdmin, TabbedTranslationAdmin):
    items_field = None

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == self.items_field:
            kwargs["queryset"] = (
                PlanNode.objects.live()
                .filter(kind__in=CLASSIFIED_KINDS)
                .select_related("plan")
                .order_by("plan__slug", "path")
            )
            kwargs["form_class"] = PlanItemsChoiceField
            kwargs.setdefault(
                "widget",
                admin.widgets.FilteredSelectMultiple(db_field.verbose_name, is_stacked=False),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        # The form offers live items only; an assignment to an item in the deleted items must
        # survive the save, so that restoring the item brings it back where it was.
        field = getattr(form.instance, self.items_field)
        deleted = list(field.filter(deleted=True)) if change else []
        super().save_related(request, form, formsets, change)
        if deleted:
            field.add(*deleted)

    @admin.display(description=_("plan items"))
    def item_count(self, obj):
        return obj.items

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(items=Count(self.items_field))


@admin.register(Term)
class TermAdmin(KnowledgeAdmin):
    items_field = "related"
    list_display = ("term", "term_en", "slug", "item_count")
    search_fields = ("slug", "term_zh_hant", "term_en", "aliases_zh_hant", "aliases_en")
    fieldsets = [
        (
            None,
            {
                "description": EDITORIAL,
                "fields": ("slug", "term", "aliases", "reading", "explanation", "related"),
            },
        )
    ]


@admin.register(Topic)
class TopicAdmin(KnowledgeAdmin):
    items_field = "nodes"
    list_display = ("name", "name_en", "slug", "order", "item_count")
    list_editable = ("order",)
    search_fields = ("slug", "name_zh_hant", "name_en")
    fieldsets = [
        (
            None,
            {"description": EDITORIAL, "fields": ("slug", "name", "description", "order", "nodes")},
        )
    ]


@admin.register(Goal)
class GoalAdmin(KnowledgeAdmin):
    items_field = "nodes"
    list_display = ("number", "name", "name_en", "item_count")
    search_fields = ("name_zh_hant", "name_en")
    fieldsets = [
        (None, {"description": EDITORIAL, "fields": ("number", "name", "description", "nodes")})
    ]

    def get_readonly_fields(self, request, obj=None):
        return ("number",) if obj else ()

    def has_add_permission(self, request):
        return False  # the 17 goals are loaded with the site

    def has_delete_permission(self, request, obj=None):
        return False
