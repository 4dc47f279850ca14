"""What changed in the plan, and when: the public change log built on django-reversion.

Every staff save (and every move) is a revision. Loading a plan records one revision per
node, so the text as originally published is always the first entry of each history.
Public pages show the date and a readable diff of the texts, not who made the change.
"""

import difflib
import re
from dataclasses import dataclass, field

import reversion
from django.utils.html import format_html_join
from reversion.models import Version

from .models import NODE_TEXTS, PlanNode

LOADED = "loaded"  # comment of the revisions made when a plan is loaded from its file
MOVED = "moved"  # comment prefix of the revisions made when staff move a node


def record_loaded(plan, source_name):
    """One revision per node (and one for the plan): the text as originally published."""
    for obj in [plan, *PlanNode.objects.for_plan(plan)]:
        with reversion.create_revision(manage_manually=True):
            reversion.set_comment(f"{LOADED}: {source_name}")
            reversion.add_to_revision(obj)


_WORD = re.compile(r"\s+|[^\s]+")


def _tokens(text, language):
    # Chinese has no spaces between words: compare character by character.
    return list(text) if language == "zh-hant" else _WORD.findall(text)


def text_diff(old, new, language):
    """The old and the new text as HTML, the removed parts of the old in <del> and the added
    parts of the new in <ins> (read side by side, like a marked-up copy). All text escaped."""
    a, b = _tokens(old or "", language), _tokens(new or "", language)
    before, after = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            before.append(("span", removed))
            after.append(("span", added))
            continue
        if removed:
            before.append(("del", removed))
        if added:
            after.append(("ins", added))
    markup = "<{0}>{1}</{0}>"
    return format_html_join("", markup, before), format_html_join("", markup, after)


@dataclass
class Change:
    field: str
    old: str
    new: str
    before: str  # old text, removed parts marked
    after: str  # new text, added parts marked


@dataclass
class Entry:
    date: object
    kind: str  # "loaded", "moved", "edited", "published", "unpublished"
    changes: list = field(default_factory=list)
    version_id: int = 0


def _suffix(language):
    return language.replace("-", "_")


def node_history(node, language, versions=None):
    """The node's history, newest first, with the text changes in one language."""
    versions = list(versions if versions is not None else versions_of([node]))
    versions.sort(key=lambda v: (v.revision.date_created, v.pk))
    entries = []
    previous = None
    for version in versions:
        data = version.field_dict
        comment = version.revision.comment or ""
        entry = Entry(date=version.revision.date_created, kind="edited", version_id=version.pk)
        if previous is None or comment.startswith(LOADED):
            entry.kind = LOADED if comment.startswith(LOADED) else "edited"
            # The first record holds the text as it was then: show it whole.
            for name in NODE_TEXTS:
                text = data.get(f"{name}_{_suffix(language)}") or ""
                if text:
                    entry.changes.append(Change(name, "", text, "", text))
        else:
            for name in NODE_TEXTS:
                key = f"{name}_{_suffix(language)}"
                old, new = previous.get(key) or "", data.get(key) or ""
                if old != new:
                    entry.changes.append(Change(name, old, new, *text_diff(old, new, language)))
            if previous.get("published") != data.get("published"):
                entry.kind = "published" if data.get("published") else "unpublished"
            elif comment.startswith(MOVED):
                entry.kind = MOVED
            elif not entry.changes:
                # A change to the other language only, or to nothing visible here.
                previous = data
                continue
        previous = data
        entries.append(entry)
    return entries[::-1]


def versions_of(nodes):
    """Every recorded version of these nodes, in one query."""
    ids = [str(node.pk) for node in nodes]
    return (
        Version.objects.get_for_model(PlanNode).filter(object_id__in=ids).select_related("revision")
    )


def page_history(node, language):
    """The history of what a node's page shows: the node and its action items, newest first."""
    nodes = [node, *node.children]
    by_object = {}
    for version in versions_of(nodes):
        by_object.setdefault(version.object_id, []).append(version)
    entries = []
    for item in nodes:
        for entry in node_history(item, language, by_object.get(str(item.pk), [])):
            entry.node = item
            entries.append(entry)
    entries.sort(key=lambda e: (e.date, e.version_id), reverse=True)
    return entries


def recent_versions(limit):
    """The latest staff changes to any node, newest first (one query).

    Version.object_id is a string column, so it cannot be joined to the nodes in SQL on
    every database; callers keep the versions whose node is visible in a published tree.
    """
    return (
        Version.objects.get_for_model(PlanNode)
        .exclude(revision__comment__startswith=LOADED)
        .select_related("revision")
        .order_by("-revision__date_created", "-pk")[:limit]
    )
