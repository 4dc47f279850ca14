"""The glossary, topics and goals as they stood at a moment, and which plan items each
covered: rebuilt from django-reversion's stored versions (plan.asof.latest_versions), in the
shape of knowledge.bundle.bundle_parts' rows, so that
`knowledge.bundle.knowledge_from_rows(knowledge_rows_at(...), language)` gives the glossary
links then in force.

What the record can say:
- Term, Topic and Goal are registered with reversion (knowledge.translation), without
  `follow`. Their plan items are many-to-many fields with Django's own link tables, and
  Django's serialiser stores those in each version (the node ids): an entry's items at a
  moment are its latest version's. Reversion records an entry again when its items change
  from the entry's side (`term.related.add(...)`, the admin's form, the loader); a change
  made from the plan item's side records nothing, and a plan item erased takes its links
  with it unrecorded.
- A link row's own id is not recorded (only the node ids are): item rows have the id None
  (knowledge_from_rows never reads it).
- An entry with no version before the moment is not here: the record cannot say what it
  said. The goals a migration loaded and nobody edited or assigned have no version (the
  knowledge loader records every goal it assigns items to, and every term and topic).
- A field (or a set of items) the version did not record, because it was added to the
  model later, is None and listed in the row's data under UNRECORDED, never today's value.
- Deletions leave no version: an entry is gone from the moment the admin logged its
  deletion (`deleted`: plan.asof.deletions_before's {model: {object id: when}}, read
  by the caller); without it, an entry deleted later shows as its last version.
"""

from plan.asof import recorded, standing

from .models import Goal, Term, Topic

# The knowledge models registered with reversion (knowledge.translation).
KNOWLEDGE_MODELS = (Term, Topic, Goal)
UNRECORDED = "unrecorded"


def _both(name):
    return [f"{name}_zh_hant", f"{name}_en"]


# Each kind: (model, its bundle fields, its many-to-many of plan items, the item rows' kind).
KINDS = (
    (
        "term",
        Term,
        [
            "slug",
            "reading",
            "automatic_reading",
            "pinyin",
            *_both("term"),
            *_both("aliases"),
            *_both("explanation"),
        ],
        "related",
    ),
    ("topic", Topic, ["slug", "order", *_both("name"), *_both("description")], "nodes"),
    ("goal", Goal, [*_both("name"), *_both("description")], "nodes"),
)


def _entry(fields, names, items):
    data = {name: fields.get(name) for name in names}
    missing = [name for name in names if name not in fields]
    if items not in fields:
        missing.append(items)  # which items it covered then: not recorded
    if missing:
        data[UNRECORDED] = sorted(missing)
    return data


def knowledge_rows_at(plan, versions, node_ids, deleted=None):
    """The knowledge rows at the moment `versions` were read for
    (plan.asof.latest_versions(moment, KNOWLEDGE_MODELS)): every entry recorded by then, and
    its links to the plan items `node_ids` (`plan`'s items: entries are shared by all plans).
    Sorted by kind and id; the rules are the module's."""
    node_ids = set(node_ids)
    rows = []
    for kind, model, names, items in KINDS:
        present = standing(versions.get(model, {}), (deleted or {}).get(model))
        for object_id, version in present.items():
            fields = recorded(version)
            pk = int(object_id)
            rows.append((kind, pk, None, _entry(fields, names, items)))
            for node_id in fields.get(items) or ():
                if node_id in node_ids:
                    rows.append((f"{kind}-item", None, node_id, {kind: pk}))
    return sorted(rows, key=lambda row: (row[0], row[1] or 0, row[2] or 0))
