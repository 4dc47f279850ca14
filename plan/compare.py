"""What changed in a plan's text and tree between two moments (two plan.asof.PlanAt).

`compare_plans` lists the changes in the document order of the later tree (vision → strategy
→ action item), each withdrawn item where it stood before, the plan's own texts first:

- "text": one per changed text (title, body, chart label; the plan's headings, preamble,
  closing …) in the language asked, with the word-level differences the history pages show;
- "added" / "withdrawn": shown at one moment only (withdrawn: unpublished or deleted since);
- "moved": the item changed parent, or its order among the siblings present at both moments
  changed. Only the fewest items that explain the new order count as moved (the longest
  common subsequence of the common siblings' orders stays put): an item merely renumbered
  because another was added, withdrawn or moved did not move.

Numbering is the full number as pages print it (二、(三) 1.; English 2. (3) 1.). When either
moment's positions are not known (plan.asof), no item is reported moved and no numbering is
given: the result's `positions_known` says so, for the pages to tell.

Items are matched by their id (a ref is permanent, but the id is what the versions keep).
"""

from .bundle import translated
from .history import text_diff
from .models import NODE_TEXTS, Plan
from .tree import full_number

PLAN_TEXTS = (*Plan.DOCUMENT_TEXTS, *Plan.CHART_TEXTS)


class Changes(list):
    """The changes, in document order, with whether numbering and moves could be told."""

    positions_known = True


def compare_plans(before, after, language):
    """The changes from `before` to `after` (two PlanAt of one plan), texts in `language`
    ("zh-hant" or "en")."""
    changes = Changes()
    changes.positions_known = before.positions_known and after.positions_known
    old, new = before.tree(language), after.tree(language)
    changes += _plan_texts(before.plan, after.plan, language)
    numbering = _numbering(language) if changes.positions_known else _no_numbering
    moved = _moved(old, new) if changes.positions_known else set()
    old_by_id = {node.pk: node for node in old}
    new_ids = {node.pk for node in new}
    withdrawn = _withdrawn_after(old, new_ids)
    # Those that stood before everything still there (None), then the later tree's order.
    changes += [_withdrawn(gone, numbering, language) for gone in withdrawn.pop(None, [])]
    for node in new:
        was = old_by_id.get(node.pk)
        if was is None:
            changes.append(_added(node, numbering, language))
        else:
            changes += _text_changes(was, node, numbering, language)
            if node.pk in moved:
                changes.append(_move(was, node, numbering))
        for gone in withdrawn.pop(node.pk, []):
            changes.append(_withdrawn(gone, numbering, language))
    return changes


def _change(kind, node, before, after, values, numbering):
    return {
        "kind": kind,
        "ref": node.ref if node is not None else None,
        "node_kind": node.kind if node is not None else None,
        "before": numbering(before),
        "after": numbering(after),
        "values": values,
    }


def _text(name, old, new, language):
    before, after = text_diff(old, new, language)
    return {"field": name, "before": old, "after": new, "diff": (before, after)}


def _plan_texts(before, after, language):
    return _texts_changed(PLAN_TEXTS, before, after, None, _no_numbering, language)


def _text_changes(was, node, numbering, language):
    return _texts_changed(NODE_TEXTS, was, node, node, numbering, language)


def _texts_changed(names, was, now, node, numbering, language):
    """One "text" change per text of `names` that differs (`node` None: the plan's own)."""
    changes = []
    for name in names:
        old, new = translated(was, name, language), translated(now, name, language)
        if old != new:
            values = _text(name, old, new, language)
            before, after = (was, now) if node is not None else (None, None)
            changes.append(_change("text", node, before, after, values, numbering))
    return changes


def _label(node, language):
    return translated(node, "title", language) or translated(node, "body", language)[:40]


def _parent_values(parent, numbering):
    return (parent.ref if parent else None), numbering(parent)


def _added(node, numbering, language):
    return _shown_once("added", node, numbering, language)


def _withdrawn(node, numbering, language):
    return _shown_once("withdrawn", node, numbering, language)


def _shown_once(kind, node, numbering, language):
    """An item shown on one day only: numbered on that day ("added": the later)."""
    parent, parent_number = _parent_values(node.parent, numbering)
    values = {"title": _label(node, language), "parent": parent, "parent_number": parent_number}
    before, after = (None, node) if kind == "added" else (node, None)
    return _change(kind, node, before, after, values, numbering)


def _move(was, node, numbering):
    from_parent, from_number = _parent_values(was.parent, numbering)
    to_parent, to_number = _parent_values(node.parent, numbering)
    values = {
        "from_parent": from_parent,
        "from_parent_number": from_number,
        "to_parent": to_parent,
        "to_parent_number": to_number,
    }
    return _change("moved", node, was, node, values, numbering)


def _withdrawn_after(old, new_ids):
    """{id of the item a withdrawn item follows in the later tree (None: the start): the
    withdrawn items}, each after the nearest item before it in the earlier tree that is
    still there, so that it is listed where it stood."""
    placed = {}
    anchor = None
    for node in old:
        if node.pk in new_ids:
            anchor = node.pk
        else:
            placed.setdefault(anchor, []).append(node)
    return placed


def _moved(old, new):
    """The ids of the items that moved: a new parent, or out of the longest common
    subsequence of the order of the siblings present under the same parent at both moments."""
    old_by_id = {node.pk: node for node in old}
    moved = set()
    groups = {}
    for node in new:
        was = old_by_id.get(node.pk)
        if was is None:
            continue
        parent = node.parent.pk if node.parent else None
        if parent != (was.parent.pk if was.parent else None):
            moved.add(node.pk)
        else:
            groups.setdefault(parent, []).append(node.pk)
    for siblings in groups.values():
        before = sorted(siblings, key=lambda pk: old_by_id[pk].position)
        kept = _longest_common_subsequence(before, siblings)
        moved.update(pk for pk in siblings if pk not in kept)
    return moved


def _longest_common_subsequence(a, b):
    """The items of a longest common subsequence of two orders of the same items."""
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            lengths[i + 1][j + 1] = (
                lengths[i][j] + 1 if x == y else max(lengths[i][j + 1], lengths[i + 1][j])
            )
    kept, i, j = set(), len(a), len(b)
    while i and j:
        if a[i - 1] == b[j - 1]:
            kept.add(a[i - 1])
            i, j = i - 1, j - 1
        elif lengths[i - 1][j] >= lengths[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return kept


def _numbering(language):
    return lambda node: full_number(node, language)


def _no_numbering(node):
    return None
