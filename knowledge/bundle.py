"""The knowledge layer's part of a plan's bundle (plan.bundle): the glossary, the topics and
goals, and which of the plan's items each covers, read with the plan's progress in one query.

`Knowledge` is what pages read: entries in one language, and per plan item its terms,
topics and goals. Deleted items are never listed (the tree a page links against holds only
published, live items, and pages look items up in it).
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from plan import bundle

from .glossary import Glossary
from .models import Goal, Term, Topic, lines


def bundle_parts(plan=None):
    """The rows to read: every term, topic and goal, and their assignments to the plan's
    items (to every plan's items when `plan` is None: the glossary page)."""
    on_plan = {"plannode__plan": plan} if plan is not None else {}
    return [
        bundle.rows(
            QuerySet(Term),
            "term",
            node=None,
            slug="slug",
            reading="reading",
            automatic_reading="automatic_reading",
            pinyin="pinyin",
            **bundle.both_languages("term"),
            **bundle.both_languages("aliases"),
            **bundle.both_languages("explanation"),
        ),
        bundle.rows(
            QuerySet(Topic),
            "topic",
            node=None,
            slug="slug",
            order="order",
            **bundle.both_languages("name"),
            **bundle.both_languages("description"),
        ),
        bundle.rows(
            QuerySet(Goal),
            "goal",
            node=None,
            **bundle.both_languages("name"),
            **bundle.both_languages("description"),
        ),
        bundle.rows(
            QuerySet(Term.related.through).filter(**on_plan),
            "term-item",
            node="plannode_id",
            term="term_id",
        ),
        bundle.rows(
            QuerySet(Topic.nodes.through).filter(**on_plan),
            "topic-item",
            node="plannode_id",
            topic="topic_id",
        ),
        bundle.rows(
            QuerySet(Goal.nodes.through).filter(**on_plan),
            "goal-item",
            node="plannode_id",
            goal="goal_id",
        ),
    ]


KINDS = {"term", "topic", "goal", "term-item", "topic-item", "goal-item"}


@dataclass
class Entry:
    """A term, topic or goal in one language. `key` is its address part (slug or number)."""

    kind: str
    key: str
    name: str
    description: str
    order: tuple
    aliases: list = field(default_factory=list)
    reading: str = ""
    pinyin: str = ""  # a term's, with tone numbers: the Simplified reading's order
    items: list = field(default_factory=list)  # node ids, in no particular order
    untranslated: set = field(default_factory=set)  # "name", "description": Chinese shown
    names: dict = field(default_factory=dict)  # a term's name in each language
    all_aliases: dict = field(default_factory=dict)  # a term's aliases in each language

    @property
    def chinese(self):
        return self.names.get("zh-hant", "")

    @property
    def english(self):
        return self.names.get("en", "")


def _untranslated(data, fields, language):
    """Which of the entry's texts ("name", "description") an English page shows in Chinese
    because the English is missing: pages mark them, as they mark plan text."""
    if language != "en":
        return set()
    return {
        shown
        for shown, name in fields.items()
        if data.get(f"{name}_zh_hant") and not data.get(f"{name}_en")
    }


def _entry(kind, key, order, data, language, name="name", description="description", **more):
    """An Entry from its bundle row: its name and description are the row's `name` and
    `description` texts (a term's are "term" and "explanation")."""
    return Entry(
        kind,
        key,
        bundle.translated(data, name, language),
        bundle.translated(data, description, language),
        order,
        untranslated=_untranslated(data, {"name": name, "description": description}, language),
        **more,
    )


class Knowledge:
    """The bundle's knowledge rows, in one language."""

    def __init__(self, rows, language):
        self.language = language
        entries = {}
        assigned = []
        for kind, pk, node_ref, data in rows:
            if kind == "term":
                entries["term", pk] = _entry(
                    "term",
                    data["slug"],
                    (),
                    data,
                    language,
                    name="term",
                    description="explanation",
                    aliases=lines(data.get(f"aliases_{language.replace('-', '_')}")),
                    reading=data.get("reading") or data.get("automatic_reading") or "",
                    pinyin=data.get("pinyin") or "",
                    names={
                        code: bundle.translated(data, "term", code) for code in ("zh-hant", "en")
                    },
                    all_aliases={
                        code: lines(data.get(f"aliases_{code.replace('-', '_')}"))
                        for code in ("zh-hant", "en")
                    },
                )
            elif kind == "topic":
                order = (data.get("order") or 0, data["slug"])
                entries["topic", pk] = _entry("topic", data["slug"], order, data, language)
            elif kind == "goal":
                entries["goal", pk] = _entry("goal", str(pk), (pk,), data, language)
            elif kind in ("term-item", "topic-item", "goal-item"):
                owner = kind.removesuffix("-item")
                assigned.append(((owner, data[owner]), node_ref))
        for owner, node_id in assigned:
            if owner in entries:
                entries[owner].items.append(node_id)
        self.topics = sorted((e for e in entries.values() if e.kind == "topic"), key=_order)
        self.goals = sorted((e for e in entries.values() if e.kind == "goal"), key=_order)
        self.glossary = Glossary([e for e in entries.values() if e.kind == "term"], language)
        self.by_item = {}
        for entry in [*self.topics, *self.goals, *self.glossary.terms]:
            for node_id in entry.items:
                self.by_item.setdefault(node_id, []).append(entry)

    def topic(self, slug):
        return next((t for t in self.topics if t.key == slug), None)

    def goal(self, number):
        return next((g for g in self.goals if g.key == str(number)), None)

    def of_item(self, node_id, kind):
        """The topics ("topic"), goals ("goal") or terms ("term") an item is assigned to."""
        return sorted((e for e in self.by_item.get(node_id, ()) if e.kind == kind), key=_order)


def _order(entry):
    return entry.order


def knowledge_from_rows(rows, language):
    return Knowledge([row for row in rows if row[0] in KINDS], language)
