"""Atom feeds whose staff-written text stays text (RFC 4287 `type="text"`)."""

from django.utils.feedgenerator import Atom1Feed


class TextAtom1Feed(Atom1Feed):
    """Atom 1.0 whose entries' titles and summaries are `type="text"`. Django's writes the
    summary `type="html"` with the text escaped once, so a reader decodes `<img onerror=…>`
    typed in a summary as markup; as text, it reads it back as those characters."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(_PlainText(handler), item)


class _PlainText:
    """The XML writer as Atom1Feed.add_item_elements sees it, with the entry's title and
    summary marked text (the writer escapes their contents once, as any element's)."""

    def __init__(self, handler):
        self._handler = handler

    def __getattr__(self, name):
        return getattr(self._handler, name)

    def addQuickElement(self, name, contents=None, attrs=None):  # the writer's name
        if name in ("title", "summary"):
            attrs = {**(attrs or {}), "type": "text"}
        self._handler.addQuickElement(name, contents, attrs)
