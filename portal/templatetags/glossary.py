"""`{% glossed text %}`: official text with each glossary term's first occurrence on the page
linked to its entry in the glossary. Markup only: the text itself is unchanged (the fidelity
tests read pages' text with the tags removed).

A term is linked once per page (the first time any glossed text on the page names it);
headings and titles are not glossed, only running text. A Chinese text shown on an English
page because it is not translated yet is left as it is.
"""

from functools import cache

from django import template
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ..published import page_language, page_reading, plan_knowledge
from .plan_text import node_body

register = template.Library()


@cache
def glossary_url(reading):
    with translation.override(reading):
        return reverse("portal:glossary")


def _seen(context):
    # The Context object is shared by the page's template, its includes and {% kept %}
    # pieces, so this set is the page's.
    if not hasattr(context, "glossary_seen"):
        context.glossary_seen = set()
    return context.glossary_seen


def gloss(text, glossary, seen, url):
    pieces, at = [], 0
    for start, end, term in glossary.find(text):
        if term.key in seen:
            continue
        seen.add(term.key)
        pieces.append(conditional_escape(text[at:start]))
        pieces.append(
            format_html('<a class="term" href="{}#{}">{}</a>', url, term.key, text[start:end])
        )
        at = end
    pieces.append(conditional_escape(text[at:]))
    return mark_safe("".join(pieces))  # every piece escaped above


@register.simple_tag(takes_context=True)
def glossed(context, text, field=None):
    """`text` is a node (its body), or the plan with the name of one of its texts
    (`{% glossed plan "preamble" %}`)."""
    plan = context.get("plan")
    if field:
        # A plan's text on an English page with no English yet: the Chinese, as it is.
        if page_language() == "en" and not getattr(text, f"{field}_en", ""):
            return getattr(text, field) or ""
        plan, text = text, getattr(text, field) or ""
    elif not isinstance(text, str):
        node = text
        if "body" in getattr(node, "untranslated", ()):
            return node_body(node)
        text = node.body or ""
    if plan is None:
        return text
    glossary = plan_knowledge(plan).glossary
    return gloss(text, glossary, _seen(context), glossary_url(page_reading()))


@register.simple_tag(takes_context=True)
def classified(context, node):
    """The topics and goals a strategy is classified under, its action items' included:
    {"topics": [...], "goals": [...]}, each in the order of its list."""
    knowledge = plan_knowledge(context["plan"])
    ids = [node.pk, *(child.pk for child in getattr(node, "children", ()))]
    found = {}
    for kind in ("topic", "goal"):
        entries = {e.key: e for pk in ids for e in knowledge.of_item(pk, kind)}
        found[f"{kind}s"] = sorted(entries.values(), key=lambda e: e.order)
    return found


@register.filter
def entry_name(entry):
    """A term's, topic's or goal's name; in Chinese, marked so, where the English is missing."""
    if "name" in entry.untranslated:
        return format_html('<span lang="zh-Hant">{}</span>', entry.name)
    return entry.name


@register.filter
def entry_description(entry):
    """Its explanation or description, labelled where it is the Chinese for want of English."""
    if "description" in entry.untranslated:
        return format_html(
            '<span lang="zh-Hant">{}</span> <span class="untranslated">{}</span>',
            entry.description,
            gettext("(not yet translated)"),
        )
    return entry.description
