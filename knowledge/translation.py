import reversion
from modeltranslation.translator import TranslationOptions, register

from .models import Goal, Term, Topic


@register(Term)
class TermTranslationOptions(TranslationOptions):
    fields = ("term", "aliases", "explanation")
    required_languages = ("zh-hant",)


@register(Topic)
class TopicTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("zh-hant",)


@register(Goal)
class GoalTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("zh-hant",)


# History for every entry and its assignments (the many-to-many fields are part of each
# version), registered after modeltranslation added the per-language fields.
for model in (Term, Topic, Goal):
    reversion.register(model)
