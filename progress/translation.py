import reversion
from modeltranslation.translator import TranslationOptions, register

from .models import (
    Agency,
    Indicator,
    Milestone,
    ProgressUpdate,
    ReportingPeriod,
    Responsibility,
    Schedule,
)


@register(Agency)
class AgencyTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("zh-hant",)


@register(ProgressUpdate)
class ProgressUpdateTranslationOptions(TranslationOptions):
    # The reason for a delay and its remedy are read by English readers too (the Chinese is
    # the one required; the model's clean() asks for it).
    fields = ("summary", "reason", "remedy")
    required_languages = ("zh-hant",)


@register(Indicator)
class IndicatorTranslationOptions(TranslationOptions):
    fields = ("name", "measure", "unit", "target_change_reason")
    required_languages = ("zh-hant",)


@register(Milestone)
class MilestoneTranslationOptions(TranslationOptions):
    fields = ("description",)
    required_languages = ("zh-hant",)


@register(ReportingPeriod)
class ReportingPeriodTranslationOptions(TranslationOptions):
    fields = ("label",)  # 115年第3季 | 2026 Q3
    required_languages = ("zh-hant",)


# Every progress object has its history (django-reversion), as plan items do; registered
# after modeltranslation has added the per-language fields (see plan.translation).
# Every version of these is kept (and read back by progress.asof: the plan at any date).
VERSIONED = (
    Agency,
    Responsibility,
    Schedule,
    ProgressUpdate,
    Indicator,
    Milestone,
    ReportingPeriod,
)
for model in VERSIONED:
    reversion.register(model)
