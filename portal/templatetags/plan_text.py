"""Filters that print a node's text in the page's language, marking untranslated text.

modeltranslation falls back to the Chinese when an English field is empty; an English page
must not pass that Chinese off as English, so it is wrapped in lang="zh-Hant" (screen readers
switch voice) and, for running text, labelled as not yet translated.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext

register = template.Library()


def _marked(node, field, note):
    text = getattr(node, field) or ""
    if field not in getattr(node, "untranslated", ()):
        return text
    if note:
        return format_html(
            '<span lang="zh-Hant">{}</span> <span class="untranslated">{}</span>',
            text,
            gettext("(not yet translated)"),
        )
    return format_html('<span lang="zh-Hant">{}</span>', text)


@register.filter
def node_title(node):
    return _marked(node, "title", note=False)


@register.filter
def node_body(node):
    return _marked(node, "body", note=True)


@register.filter
def chart_text(node):
    """What the architecture chart prints for the node: its chart label, else its title."""
    if node.chart_label:
        return _marked(node, "chart_label", note=False)
    return _marked(node, "title", note=False)


DIFF_TAGS = {"same": "span", "removed": "del", "added": "ins"}


@register.filter
def diff_html(pieces):
    """A text cut into pieces by plan.history.text_diff, as HTML: removed parts in <del>,
    added parts in <ins>. Every piece of text escaped. A plain string passes as it is."""
    if isinstance(pieces, str):
        return pieces
    return format_html_join("", "<{0}>{1}</{0}>", ((DIFF_TAGS[op], text) for op, text in pieces))


@register.filter
def datetime_attr(value):
    """A datetime for a <time datetime="…"> attribute, in the city's time zone, to the second
    (HTML allows at most three digits of a fraction; Django's "c" format gives six)."""
    if not value:
        return ""
    return localtime(value).replace(microsecond=0).isoformat()
