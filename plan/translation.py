import reversion
from modeltranslation.translator import TranslationOptions, register

from .models import Plan, PlanNode


@register(Plan)
class PlanTranslationOptions(TranslationOptions):
    fields = (*Plan.DOCUMENT_TEXTS, *Plan.CHART_TEXTS)
    required_languages = ("zh-hant",)


@register(PlanNode)
class PlanNodeTranslationOptions(TranslationOptions):
    fields = ("title", "body", "chart_label")
    # Titles are optional on action items, so only the model's clean() enforces them.
    required_languages = ()


# Revision history (django-reversion), registered here because reversion fixes the list of
# fields when a model is registered, and the per-language fields only exist once
# modeltranslation has registered the model (just above; modeltranslation loads this module
# before the admin's VersionAdmin would register the models itself).
# Tree position (path, depth, numchild) is left out on purpose: reverting a text must never
# put a node back at a position that no longer exists in the tree; moves are revisions of
# their own (see plan.admin). The edit counter and the search columns are derived.
reversion.register(Plan, exclude=["version"])
reversion.register(
    PlanNode, exclude=["path", "depth", "numchild", "version", "search_zh_hant", "search_en"]
)
