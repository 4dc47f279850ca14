"""Atom feeds whose staff-written text stays text (RFC 4287 `type="text"`)."""

import re

from django.utils.feedgenerator import Atom1Feed

# What XML 1.0 cannot hold (Django's writer refuses it: a 500). A vertical tab is how Word
# writes a line break, so text pasted from it holds one: a line break there, else a space.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(contents):
    if not isinstance(contents, str):
        return contents
    return NOT_XML.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else " ", contents)


class TextAtom1Feed(Atom1Feed):
    """Atom 1.0 whose entries' titles and summaries are `type="text"`. Django's writes the
    summary `type="html"` with the text escaped once, so a reader decodes `<img onerror=…>`
    typed in a summary as markup; as text, it reads it back as those characters. Control
    characters (which XML cannot hold) in any text become a line break or a space."""

    def add_root_elements(self, handler):
        super().add_root_elements(_PlainText(handler, entry=False))

    def add_item_elements(self, handler, item):
        super().add_item_elements(_PlainText(handler), item)


class _PlainText:
    """The XML writer as Atom1Feed.add_item_elements sees it, with the entry's title and
    summary marked text (the writer escapes their contents once, as any element's)."""

    def __init__(self, handler, entry=True):
        self._handler = handler
        self._entry = entry

    def __getattr__(self, name):
        return getattr(self._handler, name)

    def addQuickElement(self, name, contents=None, attrs=None):  # the writer's name
        if self._entry and name in ("title", "summary"):
            attrs = {**(attrs or {}), "type": "text"}
        self._handler.addQuickElement(name, xml_text(contents), attrs)

    def characters(self, content):
        self._handler.characters(xml_text(content))
