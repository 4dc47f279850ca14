"""The knowledge layer: what helps a reader who is not a city insider.

- Term (名詞解釋): a word of the plan a newcomer would not know, its aliases and a plain
  explanation, with the plan items it appears in. Shared by all plans (city vocabulary).
- Topic (主題): a staff-defined cross-cutting theme (交通, 住宅, …) across the visions.
- Goal: the United Nations' 17 Sustainable Development Goals, with the Chinese names
  customary in Taiwan (loaded by a migration from knowledge/sdgs.json, which cites its
  sources; not Taiwan's own T-SDGs, a list of 18).

All of it is editorial: explanations, topics and the assignment of plan items to topics
and goals are the portal's additions, not the official text, and pages say so. Like the
plan's content, it is edited by plan editors, has its history (django-reversion), bumps the
content version and is in backups.

Nothing here knows about pages: no URLs, no HTML.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plan.models import PlanNode, ref_validator

CLASSIFIED_KINDS = [PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION]


def plan_items(related_name, verbose_name, help_text):
    return models.ManyToManyField(
        PlanNode,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
        help_text=help_text,
        limit_choices_to={"kind__in": CLASSIFIED_KINDS, "deleted": False},
    )


def lines(text):
    """A text field holding one entry per line, as a list (blank lines dropped)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Term(models.Model):
    slug = models.SlugField(
        _("short name"),
        max_length=60,
        unique=True,
        validators=[ref_validator],
        help_text=_("Permanent short name, used in the glossary entry's address (e.g. mrt)."),
    )
    # "term" alone is the plan's term of office (計畫期間) in the catalogue.
    term = models.CharField(pgettext_lazy("glossary", "term"), max_length=100)
    aliases = models.TextField(
        _("aliases"),
        blank=True,
        help_text=_(
            "Other ways readers write the term, one per line (full names, abbreviations, "
            "other spellings). Search finds the term by these too."
        ),
    )
    explanation = models.TextField(
        _("explanation"),
        help_text=_("A short, plain explanation. Shown as an editorial note, not plan text."),
    )
    reading = models.CharField(
        _("zhuyin reading"),
        max_length=200,
        blank=True,
        help_text=_(
            "Optional: the term's reading in zhuyin (e.g. ㄔㄤˊ ㄓㄠˋ), where the automatic "
            "reading would sort it in the wrong place."
        ),
    )
    # The reading pypinyin gives the Chinese term, stored when saved, so that pages sort the
    # glossary without loading pypinyin's dictionaries (some 40 MB in every app process).
    automatic_reading = models.CharField(max_length=200, blank=True, editable=False)
    # The term's pinyin with tone numbers (chang2 zhao4), stored when saved for the same
    # reason: the Simplified reading lists the glossary in pinyin order. From the staff's
    # zhuyin reading when there is one, so a corrected reading corrects both orders.
    pinyin = models.CharField(max_length=300, blank=True, editable=False)
    related = plan_items(
        "glossary_terms",
        _("related plan items"),
        _("The strategies and action items this term appears in or explains."),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")

    def __str__(self):
        return self.term or self.slug

    def save(self, *args, **kwargs):
        from .glossary import pinyin, zhuyin

        chinese = self.term_zh_hant or self.term or ""
        self.automatic_reading = " ".join(zhuyin(chinese))
        self.pinyin = " ".join(pinyin(chinese, self.reading))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"term", "term_zh_hant", "reading"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "automatic_reading", "pinyin"}
        super().save(*args, **kwargs)

    def clean(self):
        # An alias that is another term's name would send that term's links here.
        others = Term.objects.exclude(pk=self.pk)
        errors = {}
        for language in ("zh_hant", "en"):
            taken = [
                alias
                for alias in lines(getattr(self, f"aliases_{language}", ""))
                if others.filter(models.Q(term_zh_hant=alias) | models.Q(term_en=alias)).exists()
            ]
            if taken:
                errors[f"aliases_{language}"] = _(
                    "“%(names)s” is the name of another glossary term; an alias here would "
                    "send its links to this entry."
                ) % {"names": "、".join(taken)}
        if errors:
            raise ValidationError(errors)

    def alias_list(self, language="zh-hant"):
        return lines(getattr(self, f"aliases_{language.replace('-', '_')}", ""))


class Topic(models.Model):
    slug = models.SlugField(
        _("short name"),
        max_length=60,
        unique=True,
        validators=[ref_validator],
        help_text=_("Permanent short name, used in the topic's address (e.g. transport)."),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    nodes = plan_items(
        "topics",
        _("plan items"),
        _("The strategies and action items under this topic (an editorial classification)."),
    )

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name or self.slug


class Goal(models.Model):
    """A UN Sustainable Development Goal (永續發展目標)."""

    number = models.PositiveSmallIntegerField(
        _("number"),
        primary_key=True,
        validators=[MinValueValidator(1), MaxValueValidator(17)],
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    nodes = plan_items(
        "goals",
        _("plan items"),
        _("The strategies and action items that serve this goal (an editorial classification)."),
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("sustainable development goal")
        verbose_name_plural = _("sustainable development goals")

    def __str__(self):
        return f"SDG {self.number} {self.name}"
