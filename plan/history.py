"""What changed in the plan, and when: the public change log built on django-reversion.

Every staff save (and every move, delete and restore) is a revision. Loading a plan records
one revision per node, so the official text is always the first entry of each history; it is
dated by the plan's publication date, never by the day it was loaded (loading is not a
change). Pages show the date and the differences of the texts, not who made the change.
"""

import difflib
import re
from dataclasses import dataclass, field

import reversion
from django.db.models import Subquery
from reversion.models import Version

from .bundle import translated
from .models import NODE_TEXTS, PlanNode

# Kinds of history entries besides edits, and the revision comments that mark them. Staff
# read the comments in the admin's history, so they are in Chinese; the English words are
# the comments of revisions recorded before (still recognised).
LOADED = "loaded"  # the official text, as loaded from its file
MOVED = "moved"  # staff moved a node
DELETED = "deleted"  # staff moved a node (and its subtree) to the deleted items
RESTORED = "restored"  # staff restored it
COMMENTS = {
    LOADED: "載入官方原文",
    MOVED: "移動位置",
    DELETED: "移至已刪除項目",
    RESTORED: "自已刪除項目復原",
}


def comment_for(kind, detail=""):
    return f"{COMMENTS[kind]}：{detail}" if detail else COMMENTS[kind]


def comment_is(comment, kind):
    return (comment or "").startswith((COMMENTS[kind], kind))


def record_loaded(plan, source_name):
    """One revision per node (and one for the plan): the text as originally published; then
    the positions, once (plan.asof: versions leave them out)."""
    from .asof import positions_paused, record_positions  # asof reads this module's comments

    with positions_paused():
        for obj in [plan, *PlanNode.objects.for_plan(plan)]:
            with reversion.create_revision(manage_manually=True):
                reversion.set_comment(comment_for(LOADED, source_name))
                reversion.add_to_revision(obj)
    record_positions(plan.pk)


_WORD = re.compile(r"\s+|[^\s]+")


def _tokens(text, language):
    # Chinese has no spaces between words: compare character by character.
    return list(text) if language == "zh-hant" else _WORD.findall(text)


def text_diff(old, new, language):
    """The old and the new text cut into pieces, side by side like a marked-up copy: the old
    as ("same" | "removed", text) pieces, the new as ("same" | "added", text) pieces. How
    they look is the pages' business (portal.templatetags.plan_text.diff_html)."""
    a, b = _tokens(old or "", language), _tokens(new or "", language)
    before, after = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            before.append(("same", removed))
            after.append(("same", added))
            continue
        if removed:
            before.append(("removed", removed))
        if added:
            after.append(("added", added))
    return before, after


@dataclass
class Change:
    field: str
    old: str
    new: str
    before: list  # the old text's pieces, removed parts marked (see text_diff)
    after: list  # the new text's pieces, added parts marked


@dataclass
class Entry:
    date: object  # None for the official text (dated by the plan's publication, if known)
    kind: str  # "loaded", "moved", "edited", "published", "unpublished", "deleted", "restored"
    changes: list = field(default_factory=list)
    version_id: int = 0
    object_id: str = ""
    title: str = ""  # the node's title (or the start of its text) as it was then, here


def _suffix(language):
    return language.replace("-", "_")


def shown_text(data, name, language):
    """What a page in `language` showed of a recorded text: English pages fall back to the
    Chinese where there was no English yet (and mark it as untranslated)."""
    return translated(data, name, language)


def _kind_of(comment, previous, data):
    if (
        previous.get("deleted") != data.get("deleted")
        or comment_is(comment, DELETED)
        or comment_is(comment, RESTORED)
    ):
        return DELETED if data.get("deleted") or comment_is(comment, DELETED) else RESTORED
    if previous.get("published") != data.get("published"):
        return "published" if data.get("published") else "unpublished"
    if comment_is(comment, MOVED):
        return MOVED
    return "edited"


def node_history(node, language, versions=None):
    """The node's history, newest first: the entries that change what a page in `language`
    shows (an edit of the other language's text alone is not one of them)."""
    versions = list(versions if versions is not None else versions_of([node]))
    versions.sort(key=lambda v: (v.revision.date_created, v.pk))
    entries = []
    previous = None
    for version in versions:
        data = version.field_dict
        comment = version.revision.comment or ""
        entry = Entry(
            date=version.revision.date_created,
            kind="edited",
            version_id=version.pk,
            object_id=version.object_id,
            title=shown_text(data, "title", language) or shown_text(data, "body", language)[:30],
        )
        if previous is None or comment_is(comment, LOADED):
            if comment_is(comment, LOADED):
                entry.kind, entry.date = LOADED, None
            # The first record holds the text as it was then: show it whole.
            for name in NODE_TEXTS:
                text = shown_text(data, name, language)
                if text:
                    entry.changes.append(Change(name, "", text, [], [("same", text)]))
        else:
            for name in NODE_TEXTS:
                old, new = shown_text(previous, name, language), shown_text(data, name, language)
                if old != new:
                    entry.changes.append(Change(name, old, new, *text_diff(old, new, language)))
            entry.kind = _kind_of(comment, previous, data)
            if entry.kind == "edited" and not entry.changes:
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
    entries.sort(key=_newest_first)
    return entries


def _newest_first(entry):
    # The official text (no date) is the oldest entry; same time: the later record first.
    stamp = entry.date.timestamp() if entry.date else float("-inf")
    return (-stamp, -entry.version_id)


def recent_entries(visible, language, limit):
    """The latest staff changes, newest first, among the nodes whose ids (strings) are in
    `visible`, each as an Entry in `language` (so each language lists only the changes that
    alter what it shows, under the title as it was then). One query: the recent versions'
    nodes with all their versions (each change is told against the version before it).

    Version.object_id is a string column, so it cannot be joined to the nodes in SQL on
    every database; callers pass the ids of the nodes visible in the published trees.
    """
    versions = Version.objects.get_for_model(PlanNode)
    recent = (
        versions.exclude(revision__comment__startswith=COMMENTS[LOADED])
        .exclude(revision__comment__startswith=LOADED)
        .order_by("-revision__date_created", "-pk")
        .values("object_id")[: limit * 4]
    )
    by_object = {}
    for version in versions.filter(object_id__in=Subquery(recent)).select_related("revision"):
        by_object.setdefault(version.object_id, []).append(version)
    entries = []
    for object_id, recorded in by_object.items():
        if object_id in visible:
            entries += [e for e in node_history(None, language, recorded) if e.kind != LOADED]
    entries.sort(key=_newest_first)
    return entries[:limit]
