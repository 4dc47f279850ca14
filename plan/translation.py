from modeltranslation.translator import TranslationOptions, register

from .models import Plan, PlanNode


@register(Plan)
class PlanTranslationOptions(TranslationOptions):
    fields = (
        "title",
        "authority",
        "preamble_heading",
        "preamble",
        "visions_heading",
        "closing_heading",
        "closing",
        "chart_title",
        "chart_goal_row",
        "chart_visions_row",
        "chart_strategies_row",
    )
    required_languages = ("zh-hant",)


@register(PlanNode)
class PlanNodeTranslationOptions(TranslationOptions):
    fields = ("title", "body", "chart_label")
    # Titles are optional on action items, so only the model's clean() enforces them.
    required_languages = ()
