"""Interface strings of treebeard's admin form, listed so `makemessages` keeps their Chinese
translations in our catalogue (treebeard ships none for Traditional Chinese)."""

from django.utils.translation import gettext_noop

TREEBEARD_ADMIN = [
    gettext_noop("Position"),
    gettext_noop("Relative to"),
    gettext_noop("First child of"),
    gettext_noop("Before"),
    gettext_noop("After"),
    gettext_noop("-- root --"),
    gettext_noop("Child of"),
    gettext_noop("Sibling of"),
    gettext_noop('Moved node "%(node)s" as child of "%(other)s"'),
    gettext_noop('Moved node "%(node)s" as sibling of "%(other)s"'),
]
