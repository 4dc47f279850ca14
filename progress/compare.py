"""What changed in a plan's progress between two dated views: targets changed (lowered ones
with their reason), a node's own status and light, the updates published in between.

Each side is anything with `tree` (plan.tree.PlanTree), `bundle` (progress.rollup.Bundle),
`progress` ({node id: Progress}, rollup.roll_up(tree, bundle, day)), `day` (a date) and
`moment` (the end of that day, plan.asof.end_of_day): a dated view (progress.asof) or today's.
Plain Python over the two sides: no query.

A change is {"kind", "ref", "node_id", "values"}, listed in the document order of the
`after` tree (a node's targets first, by indicator key, then its status, light, updates):
- "target": an indicator (the same key on the same item, on both sides; a correction is a
  new row under the same key) whose yearly targets changed: values {"key", "name"
  ({language: text}), "years" ({ROC year: {"before", "after"}}, the years that changed),
  "lowered" (any year weakened, by Indicator.weakened_targets' rule over the plan's term),
  "lowered_years", "reason" ({language: target_change_reason}, the `after` side's)}.
  An indicator published or withdrawn in between is not a target change.
- "status", "light": the node's own status (its latest published update's) and its light,
  as roll_up gives them: values {"before", "after"}. Only for nodes on both sides (a node
  added in between is the plan's own change, plan.compare).
- "updates": the updates published in between about the node: those the `after` side shows
  (current, corrected or withdrawn since) that the `before` side did not, i.e. whose
  publication was recorded after the before moment and before the after moment (the same
  exclusive end as the dated views read up to, so that nothing is counted twice or lost at
  midnight). values {"count", "updates": [{"id", "date", "published_at"}]}, oldest first.
"""

from .numbers import stored_decimal
from .rollup import EMPTY

KINDS = ("target", "status", "light", "updates")
LANGUAGES = {"zh-hant": "zh_hant", "en": "en"}


def weakened_years(direction, before, after, years):
    """The years whose target `after` weakens against `before` (two indicators' `values`):
    Indicator.weakened_targets' rule (tested to agree with it) over plain data: lower for
    "higher is better", higher for "lower is better" and for a milestone (a later year)."""
    from .models import Indicator

    weakened = []
    for year in years:
        old = stored_decimal((before or {}).get(str(year), {}).get("target"))
        new = stored_decimal((after or {}).get(str(year), {}).get("target"))
        if old is None or new is None:
            continue
        # Higher is better: lower is weaker; lower is better, or a milestone's year: higher.
        worse = new < old if direction == Indicator.Direction.INCREASE else new > old
        if worse:
            weakened.append(year)
    return weakened


def _targets(values):
    return {
        year: (entry or {}).get("target")
        for year, entry in (values or {}).items()
        if (entry or {}).get("target") not in (None, "")
    }


def _texts(indicator, name):
    return {code: indicator.get(f"{name}_{suffix}") or "" for code, suffix in LANGUAGES.items()}


def _change(kind, node, values):
    return {"kind": kind, "ref": node.ref, "node_id": node.pk, "values": values}


def target_changes(node, before_facts, after_facts, term_years):
    """The node's indicators whose targets changed, by key."""
    earlier = {indicator["key"]: indicator for indicator in before_facts.indicators}
    changes = []
    for indicator in sorted(after_facts.indicators, key=lambda i: i["key"]):
        old = earlier.get(indicator["key"])
        if old is None:
            continue
        was, now = _targets(old["values"]), _targets(indicator["values"])
        years = {
            year: {"before": was.get(year), "after": now.get(year)}
            for year in sorted({*was, *now}, key=int)
            if stored_decimal(was.get(year)) != stored_decimal(now.get(year))
        }
        if not years:
            continue
        lowered = weakened_years(
            indicator["direction"], old["values"], indicator["values"], term_years
        )
        values = {
            "key": indicator["key"],
            "name": _texts(indicator, "name"),
            "years": years,
            "lowered": bool(lowered),
            "lowered_years": lowered,
            "reason": _texts(indicator, "target_change_reason"),
        }
        changes.append(_change("target", node, values))
    return changes


def _shown_updates(facts):
    """Every update a side shows about a node: current, corrected since, withdrawn since."""
    return [
        fact
        for fact in (*facts.updates, *facts.corrected, *facts.withdrawn)
        if fact["kind"] == "update"
    ]


def published_between(before_facts, after_facts, since=None):
    """The updates the later side shows and the earlier did not, published after `since`
    (the earlier moment): an item hidden on the earlier day and shown again brings back its
    old updates, which were not published in between."""
    known = {fact["id"] for fact in _shown_updates(before_facts)}
    new = [
        fact
        for fact in _shown_updates(after_facts)
        if fact["id"] not in known
        and (since is None or fact["published_at"] is None or fact["published_at"] >= since)
    ]
    new.sort(key=lambda fact: (fact["published_at"] is None, fact["published_at"], fact["id"]))
    return [
        {"id": fact["id"], "date": fact["date"], "published_at": fact["published_at"]}
        for fact in new
    ]


def _progress_changes(node, before, after):
    changes = []
    for kind in ("status", "light"):
        was, now = getattr(before, kind), getattr(after, kind)
        if was != now:
            changes.append(_change(kind, node, {"before": was, "after": now}))
    return changes


def compare_progress(before, after):
    """The changes between two dated views of a plan's progress (the module's rules)."""
    plan = after.tree.plan
    term_years = range(plan.term_start_roc, plan.term_end_roc + 1)
    before_nodes = {node.pk for node in before.tree.nodes}
    changes = []
    for node in after.tree.nodes:
        before_facts = before.bundle.get(node.pk, EMPTY)
        after_facts = after.bundle.get(node.pk, EMPTY)
        changes += target_changes(node, before_facts, after_facts, term_years)
        if node.pk in before_nodes:
            changes += _progress_changes(node, before.progress[node.pk], after.progress[node.pk])
        published = published_between(before_facts, after_facts, before.moment)
        if published:
            changes.append(
                _change("updates", node, {"count": len(published), "updates": published})
            )
    return changes


def summarise(changes):
    """{kind: count} for every kind (this module's, and any other among `changes`, such as
    plan.compare's): changes of each kind, and for "updates" the updates published (not the
    items they are about). Lowered targets: sum(change["values"]["lowered"] for the
    "target" changes)."""
    summary = dict.fromkeys(KINDS, 0)
    for change in changes:
        kind = change["kind"]
        summary[kind] = summary.get(kind, 0) + (
            change["values"]["count"] if kind == "updates" else 1
        )
    return summary
