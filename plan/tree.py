"""A plan's whole tree, fetched in one query and linked up in memory.

Every public page needs some of: the node, its parent chain (breadcrumbs), its siblings
(numbering), the strategies before and after it. On a materialized-path tree all of that
follows from the ordered list of paths, so a page costs one query for the tree however
large the plan is, instead of one query per ancestor or sibling.
"""

from django.utils.translation import get_language

from .bundle import translated
from .models import NODE_TEXTS, PlanNode, untranslated
from .numbering import node_number

# What pages, exports and the change log read of a node.
FIELDS = (
    "id",
    "plan_id",
    "path",
    "depth",
    "kind",
    "ref",
    "published",
    "edited_at",
    *(f"{name}_{language}" for name in NODE_TEXTS for language in ("zh_hant", "en")),
)


def active_language():
    """The active language as the plan's texts name it: "en" or "zh-hant"."""
    return "en" if (get_language() or "").startswith("en") else "zh-hant"


class TreeNode:
    """A node as the pages see it: the row's values plus its place in the tree.

    Not a model instance: building 47 PlanNode objects (each with modeltranslation's
    per-language descriptors) cost more than rendering a strategy page. Staff edits go
    through the model; pages only read.
    """

    def __init__(self, row, language):
        self.__dict__.update(row)
        self.pk = row["id"]
        self.localize(language)

    def localize(self, language):
        """title, body, chart_label in one language, falling back to the Chinese as
        modeltranslation does (pages mark the fallback, see `untranslated`)."""
        for name in NODE_TEXTS:
            setattr(self, name, translated(self, name, language))

    def __repr__(self):
        return f"<TreeNode {self.kind} {self.ref}>"


class PlanTree:
    def __init__(self, plan, nodes):
        self.plan = plan
        self.nodes = []
        self.by_ref = {}
        by_path = {}
        steplen = PlanNode.steplen
        for node in nodes:
            parent = by_path.get(node.path[:-steplen]) if node.depth > 1 else None
            if node.depth > 1 and parent is None:
                continue  # under an unpublished (filtered-out) node: hidden with it
            node.parent = parent
            node.children = []
            siblings = parent.children if parent else [n for n in self.nodes if n.depth == 1]
            node.position = len(siblings) + 1
            if parent:
                parent.children.append(node)
            node.numbers = node_number(node.kind, node.position)
            # The vision a node belongs to (its position among the visions), for whatever
            # the pages tell visions apart by.
            node.vision_position = (
                parent.vision_position if parent and parent.depth > 1 else node.position
            )
            by_path[node.path] = node
            self.by_ref[node.ref] = node
            self.nodes.append(node)
        # A page shows its node and the node's children (a strategy's action items): the page
        # last changed when staff last edited any of them (None: the official text as loaded).
        for node in reversed(self.nodes):
            edits = [n.edited_at for n in (node, *node.children) if n.edited_at is not None]
            node.last_changed = max(edits) if edits else None
        roots = [n for n in self.nodes if n.depth == 1]
        self.goal = roots[0] if roots else None
        self.visions = self.goal.children if self.goal else []
        self.strategies = [n for n in self.nodes if n.kind == PlanNode.Kind.STRATEGY]
        for index, strategy in enumerate(self.strategies):
            strategy.previous = self.strategies[index - 1] if index else None
            strategy.next = self.strategies[index + 1] if index + 1 < len(self.strategies) else None

    @classmethod
    def load(cls, plan, *, include_unpublished=False):
        """The plan's tree in document order (one query); deleted nodes never."""
        rows = PlanNode.objects.for_plan(plan).live()
        if not include_unpublished:
            rows = rows.published()
        language = active_language()
        return cls(plan, [TreeNode(row, language) for row in rows.values(*FIELDS)])

    @classmethod
    def load_many(cls, plans, fields=FIELDS, node_class=None):
        """Trees for several plans from one query, in the order of `plans`."""
        node_class = node_class or TreeNode
        nodes = {plan.pk: [] for plan in plans}
        language = active_language()
        published = PlanNode.objects.filter(plan__in=plans).published().order_by("plan_id", "path")
        for row in published.values(*fields):
            nodes[row["plan_id"]].append(node_class(row, language))
        return [cls(plan, nodes[plan.pk]) for plan in plans]

    def localize(self, language):
        """Every node's texts, printed number and untranslated texts in one language."""
        for node in self.nodes:
            node.localize(language)
            node.number = node.numbers[language] if node.numbers else ""
            if language == "en" and node.kind == PlanNode.Kind.VISION:
                node.number += " "  # "2. Livable Kaohsiung"; the Chinese 二、 needs no space
            # Texts that exist in Chinese but not yet in English: English pages mark them.
            node.untranslated = untranslated(node) if language == "en" else set()
        return self

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self):
        return len(self.nodes)

    def get(self, ref):
        return self.by_ref.get(ref)


def number(node, language=None):
    """The node's printed number in a language (the active one by default)."""
    numbers = getattr(node, "numbers", None)
    return numbers[language or active_language()] if numbers else ""


def ancestors(node):
    """The node's parents from the goal down, without the node itself."""
    chain = []
    parent = node.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return chain[::-1]


def full_number(node, language):
    """The number a page prints before the item, with its parents': 二、(三) 1.; English
    2. (3) 1. None for the goal (the document does not number it)."""
    numbers = node.numbers if node is not None else None
    if not numbers:
        return None
    own = numbers[language]
    if node.kind == PlanNode.Kind.VISION:
        return own
    parent = full_number(node.parent, language) or ""
    # The Chinese vision number ends in its own comma (二、(三)); English needs a space.
    joint = " " if language == "en" or node.kind == PlanNode.Kind.ACTION else ""
    return f"{parent}{joint}{own}".strip()
