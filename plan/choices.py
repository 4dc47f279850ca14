"""Plan items as staff pick them in the admin's forms (progress facts, responsibilities and
schedules; the glossary's, topics' and goals' item lists): numbered as the plan numbers
them, with the vision they belong to, e.g. "二、(二) 增建社宅擴大租金補貼", and an action item
with its strategy's numbering and the start of its text ("二、(二) 1. 攜手中央合力規劃興辦社會
住宅…"). A bare title does not say where an item is, and an action item has no title at all
(its text is its body: cut at 40 characters, it stopped mid-sentence without saying so).

The numbering is the plan's own (plan.tree, from the items' positions), of the plan as staff
edit it: unpublished items counted, deleted ones not. One query for the choices' plans and
one per plan, whatever the number of items.
"""

import re

from django import forms

from .models import Plan
from .tree import PlanTree

# An action item's text in a dropdown: at most this many characters, then "…".
SHORT = 24
# Where a Chinese sentence may be cut: after a clause (the mark itself is dropped).
CLAUSE_END = re.compile(r"[，、；：。,;:.\s]")


def shortened(text, limit=SHORT):
    """`text` whole when short, else its start up to a clause or word boundary (or, without
    one in the second half, `limit` characters), always followed by "…": a cut never passes
    for the whole text."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cuts = [match.start() for match in CLAUSE_END.finditer(head) if match.start() >= limit // 2]
    end = cuts[-1] if cuts else limit
    return text[:end].rstrip("，、；：。,;:. ") + "…"


def item_label(node):
    """A node of a PlanTree (Chinese numbering) as a dropdown names it."""
    numbers = []
    chain = node
    while chain is not None and chain.numbers:
        numbers.append(chain.numbers["zh-hant"])
        chain = chain.parent
    number = "".join(reversed(numbers))
    if node.kind == "action":
        # "二、(二) 1. …": the action's own number apart from its strategy's.
        number = "".join(reversed(numbers[1:])) + " " + numbers[0]
        text = node.title_zh_hant or shortened(node.body_zh_hant)
    else:
        text = node.title_zh_hant or shortened(node.body_zh_hant) or node.ref
    if not number:
        return text  # the goal
    # 一、 ends with its own mark; (一) and 1. are followed by a space, as in the plan.
    return f"{number}{'' if number.endswith('、') else ' '}{text}"


def item_labels(plan_ids):
    """{node id: label} for every live item of these plans; with more than one plan, each
    label starts with its plan's short name."""
    plans = list(Plan.objects.filter(pk__in=plan_ids).order_by("slug"))
    labels = {}
    for plan in plans:
        prefix = f"{plan.slug} · " if len(plans) > 1 else ""
        for node in PlanTree.load(plan, include_unpublished=True):
            labels[node.pk] = prefix + item_label(node)
    return labels


class ItemLabels:
    """Labels a choice field's plan items by `item_labels`, computed once per form when the
    choices are first listed."""

    _labels = None

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy._labels = None  # each form lists the choices as they are when it is shown
        return copy

    def label_from_instance(self, node):
        if self._labels is None:
            plans = set(self.queryset.order_by().values_list("plan_id", flat=True).distinct())
            self._labels = item_labels(plans)
        return self._labels.get(node.pk) or str(node)


class PlanItemChoiceField(ItemLabels, forms.ModelChoiceField):
    """A plan item picked from a dropdown (progress facts, responsibilities, schedules)."""


class PlanItemsChoiceField(ItemLabels, forms.ModelMultipleChoiceField):
    """Several plan items (the glossary's, topics' and goals' lists)."""
