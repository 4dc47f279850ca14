"""Search results' highlighting: titles and snippets as HTML, every match in <mark>. The
staff text is escaped first; only then are our own tags added. Where a text matches is
plan.search's business (match_spans)."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from plan.search import match_spans

# Characters of context a snippet shows before the first match, and its whole length.
SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 140
_SPACE = re.compile(r"\s+")


def _marked(text, spans, start=0, end=None):
    """text[start:end], escaped, with the spans in <mark>: the staff text is escaped first and
    only then are our own tags added."""
    end = len(text) if end is None else end
    html, position = [], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        html += [escape(text[position:span_start]), "<mark>", escape(text[span_start:span_end])]
        html.append("</mark>")
        position = span_end
    html.append(escape(text[position:end]))
    return mark_safe("".join(html))


def highlight(text, terms, language):
    """The whole text, escaped, with every match in <mark>."""
    text = text or ""
    return _marked(text, match_spans(text, terms, language))


def snippet(text, terms, language):
    """A window of the text around its first match (the start of the text without one),
    escaped, with the matches in <mark> and an ellipsis where the text was cut."""
    text = _SPACE.sub(" ", text or "").strip()
    if not text:
        return ""
    spans = match_spans(text, terms, language)
    if len(text) <= SNIPPET_LENGTH + SNIPPET_BEFORE:
        return _marked(text, spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), start + SNIPPET_LENGTH)
    if end == len(text):
        start = max(0, end - SNIPPET_LENGTH)
    if language == "en":
        # Cut English between words, not inside one.
        if start:
            space = text.find(" ", start, first)
            start = space + 1 if space != -1 else start
        if end < len(text):
            space = text.rfind(" ", max(first, start), end)
            end = space if space > first else end
    html = _marked(text, spans, start, end)
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))
