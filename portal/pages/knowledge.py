"""The knowledge layer's pages: the glossary (名詞解釋), and a plan's topics and Sustainable
Development Goals, each listing its strategies and action items across the visions.

Everything they show beyond the plan's own titles is editorial (explanations, the topics,
the classification) and the pages say so. They read the plan's tree and its bundle (progress
and knowledge in one query, portal.published), so a page costs at most 4 queries cold.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..published import (
    page_language,
    page_reading,
    place_trees,
    plan_knowledge,
    published_plan,
    published_plans,
    site_knowledge,
)
from .common import plan_context


@require_safe
def glossary(request):
    """Every term, in 注音 order (Simplified reading: pinyin; English: alphabetical), with the
    items it appears in."""
    plans = published_plans()
    knowledge = site_knowledge()
    # The items' places (number, title, address) from the light trees search reads too.
    nodes = {node.pk: node for tree in place_trees(plans).values() for node in tree.nodes}
    groups = [
        (heading, [(term, _items(term.items, nodes)) for term in terms])
        for heading, terms in knowledge.glossary.groups(page_reading())
    ]
    return render(
        request,
        "portal/glossary.html",
        {"groups": groups, "several_plans": len(plans) > 1, "language": page_language()},
    )


def _items(ids, nodes):
    """The published items among `ids`, in the order of their plans' trees."""
    found = [nodes[pk] for pk in ids if pk in nodes]
    return sorted(found, key=lambda node: (node.plan_id, node.path))


@require_safe
def topics(request, plan_slug):
    plan = published_plan(plan_slug)
    context = plan_context(plan)
    knowledge = plan_knowledge(plan)
    tree = context["tree"]
    context["topics"] = [(topic, _counted(topic, tree)) for topic in knowledge.topics]
    context["goals"] = [(goal, _counted(goal, tree)) for goal in knowledge.goals]
    return render(request, "portal/topics.html", context)


def _counted(entry, tree):
    """How many of the plan's published strategies the entry covers, directly or through
    an action item."""
    return len(
        {strategy.pk for _, strategies in _by_vision(entry, tree) for strategy, _ in strategies}
    )


def _by_vision(entry, tree):
    """[(vision, [(strategy, [its assigned action items])])]: the entry's items, in the
    plan's order. A strategy is listed when it or one of its action items is assigned."""
    ids = set(entry.items)
    result = []
    for vision in tree.visions:
        strategies = []
        for strategy in vision.children:
            actions = [action for action in strategy.children if action.pk in ids]
            if strategy.pk in ids or actions:
                strategies.append((strategy, actions if strategy.pk not in ids else []))
        if strategies:
            result.append((vision, strategies))
    return result


@require_safe
def topic(request, plan_slug, slug):
    return _entry_page(request, plan_slug, "topic", slug)


@require_safe
def goal(request, plan_slug, number):
    return _entry_page(request, plan_slug, "goal", number)


def _entry_page(request, plan_slug, kind, key):
    """A topic's or goal's page: its items under their visions."""
    plan = published_plan(plan_slug)
    entry = getattr(plan_knowledge(plan), kind)(key)
    if entry is None:
        raise Http404(f"No such {kind}.")
    context = plan_context(plan, entry=entry)
    context["visions"] = _by_vision(entry, context["tree"])
    context["vision_count"] = len(context["tree"].visions)
    return render(request, "portal/topic.html", context)
