"""What every public page reads of the plans: the published plans and their linked trees.

One accessor for the published plans (`published_plans`, `published_plan`), one for a
plan's tree as pages show it (`linked_tree`): read once per content version in each process
(portal.caching), so a page costs no query for them until something changes, and an edit
is seen at the next request on every app server.
"""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from knowledge.bundle import bundle_parts as knowledge_parts
from knowledge.bundle import knowledge_from_rows
from plan import bundle as plan_bundle
from plan.models import Plan, PlanNode
from plan.tree import PlanTree, active_language
from progress.rollup import bundle_parts as progress_parts
from progress.rollup import facts_from_rows, roll_up

from .caching import per_version
from .chart import HUES

# The page's language: the active one, as the plan's texts name it ("zh-hant" on a
# Simplified page too: its text is the Traditional, converted as it leaves).
page_language = active_language


def page_reading():
    """The reading the page's links stay in: "zh-hant", "en" or "zh-hans"."""
    return "zh-hans" if translation.get_language() == "zh-hans" else active_language()


def text_language(reading):
    """The language of the texts a reading shows."""
    return "zh-hant" if reading == "zh-hans" else reading


def published_plans():
    """The published plans, newest term first, each with `changed_at` (its last staff edit,
    or None) and `published_on` (its publication date, or None)."""
    return per_version("published plans", build=lambda: list(Plan.objects.for_pages()))


def published_plan(slug):
    for plan in published_plans():
        if plan.slug == slug:
            return plan
    raise Http404("No such plan.")


def plan_url(plan, language):
    with translation.override(language):
        return reverse("portal:plan", args=[plan.slug])


def link(tree, language, base=""):
    """Give every node its page address (`base` + path: absolute for downloads), printed
    number, texts in `language` and its vision's colour, without a reverse() per node."""
    tree.localize(text_language(language))
    home = base + plan_url(tree.plan, language)
    for node in tree.nodes:
        if node.kind == PlanNode.Kind.GOAL:
            node.url = home
        elif node.kind == PlanNode.Kind.ACTION:
            node.url = f"{node.parent.url}#{node.ref}"
        else:
            node.url = f"{home}{node.ref}/"
        # One colour per vision (site.css .hue-1…6, chart.HUES); a seventh reuses the first.
        node.hue = (node.vision_position - 1) % len(HUES) + 1
    return tree


def linked_tree(plan, language=None):
    """The plan's published tree, linked for pages in `language` (the page's by default)."""
    language = language or page_reading()
    return per_version("tree", plan.pk, language, build=lambda: link(PlanTree.load(plan), language))


def linked_trees(plans, language=None):
    """Linked trees of several plans (read together in one query when not kept yet)."""
    language = language or page_reading()

    def build():
        return [link(tree, language) for tree in PlanTree.load_many(plans)]

    key = tuple(plan.pk for plan in plans)
    return per_version("trees", key, language, build=build)


def plan_progress(plan):
    """The plan's published progress as pages show it: (bundle, {node id: Progress}).

    The bundle (one query) is kept per content version; the roll-up also depends on the
    date (expected progress moves with the calendar), so it is kept per content version and
    Taipei date, and the page cache keys pages by that date too (portal.page_cache)."""
    bundle = per_version("progress bundle", plan.pk, build=lambda: facts_from_rows(plan_rows(plan)))
    today = taipei_today()
    tree = linked_tree(plan)  # the page's own (kept) tree: the roll-up needs only its shape
    progress = per_version("progress", plan.pk, today, build=lambda: roll_up(tree, bundle, today))
    return bundle, progress


def plan_rows(plan):
    """Everything about a plan beside its tree, in one query per content version: its
    progress facts and its glossary, topics and goals (plan.bundle)."""
    return per_version(
        "plan rows",
        plan.pk,
        build=lambda: plan_bundle.read([*progress_parts(plan), *knowledge_parts(plan)]),
    )


def plan_knowledge(plan, language=None):
    """The glossary, topics and goals with the plan's items in them, in the page's language."""
    language = language or page_language()
    return per_version(
        "knowledge", plan.pk, language, build=lambda: knowledge_from_rows(plan_rows(plan), language)
    )


def site_knowledge(language=None):
    """The glossary and topics with every plan's items (the glossary page), one query."""
    language = language or page_language()

    def build():
        return knowledge_from_rows(plan_bundle.read(knowledge_parts()), language)

    return per_version("site knowledge", language, build=build)


def taipei_today():
    """Today in the city's time zone (settings.TIME_ZONE, Asia/Taipei), whatever the server's."""
    return timezone.localdate()


def preview_tree(plan, language=None):
    """Staff preview: unpublished nodes too, never kept."""
    return link(PlanTree.load(plan, include_unpublished=True), language or page_reading())
