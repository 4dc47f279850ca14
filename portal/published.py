"""What every public page reads of the plans: the one accessor for published plans.

- the published plans (`published_plans`, `published_plan`);
- a plan's tree as pages show it, linked to its pages (`linked_tree`, `linked_trees` for
  several plans; a staff preview with unpublished items: `linked_tree(plan, preview=True)`)
  and, across plans, light trees that only name places (`place_trees`: search, glossary);
- a plan's progress (`plan_progress`, `progress_bundle`) and knowledge (`plan_knowledge`,
  `site_knowledge`), each from one bundle query (`plan_rows`, `site_rows`); the reporting
  periods of several plans (`begun_reporting_periods`: the open data's period reports);
- the page's language and reading, and a translated field's text (`translated`).

Everything is read once per content version in each process (portal.serving.caching), so a
page costs no query for it until something changes, and an edit is seen at the next request
on every app server.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from knowledge.bundle import bundle_parts as knowledge_parts
from knowledge.bundle import knowledge_from_rows
from plan import bundle as plan_bundle
from plan.models import Plan, PlanNode
from plan.tree import PlanTree, TreeNode, active_language
from progress import periods as routine
from progress.models import ReportingPeriod, Responsibility
from progress.rollup import bundle_parts as progress_parts
from progress.rollup import facts_from_rows, roll_up

from .pages.chart.layout import HUES
from .serving.caching import per_version

# The page's language: the active one, as the plan's texts name it ("zh-hant" on a
# Simplified page too: its text is the Traditional, converted as it leaves).
page_language = active_language


def page_reading():
    """The reading the page's links stay in: "zh-hant", "en" or "zh-hans"."""
    return "zh-hans" if translation.get_language() == "zh-hans" else active_language()


def text_language(reading):
    """The language of the texts a reading shows."""
    return "zh-hant" if reading == "zh-hans" else reading


def taipei_today():
    """Today in the city's time zone (settings.TIME_ZONE, Asia/Taipei), whatever the server's."""
    return timezone.localdate()


# The plan as published on a past day (portal.dated.DatedPlan), while a dated page or export
# is built: every accessor below then answers for that day instead of today, so the pages'
# templates, template tags and the export format serve both unchanged.
_dated = ContextVar("dated plan", default=None)


@contextmanager
def as_of(dated):
    """Read `dated.plan` as it was published at the end of `dated.day` meanwhile."""
    token = _dated.set(dated)
    try:
        yield dated
    finally:
        _dated.reset(token)


def dated_for(plan):
    """The dated plan being read, when it is `plan`'s; else None."""
    dated = _dated.get()
    return dated if dated is not None and dated.plan.pk == plan.pk else None


def reference_day(plan):
    """The day `plan`'s figures are computed for: the dated plan's, else today in Taipei."""
    dated = dated_for(plan)
    return dated.day if dated is not None else taipei_today()


# The plans ------------------------------------------------------------------------------


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


# Trees ----------------------------------------------------------------------------------


def link(tree, language, base="", home=None):
    """Give every node its page address (`base` + path: absolute for downloads; under `home`,
    the plan's own page by default), printed number, texts in `language` and its vision's
    colour, without a reverse() per node."""
    tree.localize(text_language(language))
    home = base + (home or plan_url(tree.plan, language))
    for node in tree.nodes:
        if node.kind == PlanNode.Kind.GOAL:
            node.url = home
        elif node.kind == PlanNode.Kind.ACTION:
            node.url = f"{node.parent.url}#{node.ref}"
        else:
            node.url = f"{home}{node.ref}/"
        # One colour per vision (site.css .hue-1…6, HUES); a seventh reuses the first.
        node.hue = (node.vision_position - 1) % len(HUES) + 1
    return tree


def linked_tree(plan, language=None, *, base="", preview=False):
    """The plan's published tree, linked for pages in `language` (the page's reading by
    default), with `base` in front of every address (a download's absolute links). Kept
    per content version; a staff preview (`preview`: unpublished items too) never is."""
    language = language or page_reading()
    if preview:
        return link(PlanTree.load(plan, include_unpublished=True), language, base)
    if dated := dated_for(plan):
        return dated.linked_tree(language, base)

    def build():
        return link(PlanTree.load(plan), language, base)

    return per_version("tree", plan.pk, language, base, build=build)


def linked_trees(plans, language=None):
    """Linked trees of several plans (read together in one query when not kept yet)."""
    language = language or page_reading()

    def build():
        return [link(tree, language) for tree in PlanTree.load_many(plans)]

    key = tuple(plan.pk for plan in plans)
    return per_version("trees", key, language, build=build)


# What names a node's place in its plan: its vision and strategy, their numbers, its page.
PLACE_FIELDS = ("path", "depth", "kind", "ref", "title_zh_hant", "title_en")


class PlaceNode(TreeNode):
    """A node of a light tree (`place_trees`): the fields that name a place, none of the
    texts. Over dozens of plans, reading every node's text would cost more than a search."""

    body_zh_hant = body_en = chart_label_zh_hant = chart_label_en = ""
    edited_at = None

    def get_kind_display(self):
        return PlanNode.Kind(self.kind).label


def place_trees(plans, language=None):
    """{plan id: its published tree of PlaceNodes, linked for pages in `language`} (the
    page's reading by default): read with site_rows, linked as linked_tree links."""
    language = language or page_reading()
    rows = site_rows(plans)

    def build():
        nodes = {plan.pk: [] for plan in plans}
        for kind, pk, plan_id, data in rows:
            if kind == "node":
                row = {"id": pk, "plan_id": plan_id, **data}
                nodes[plan_id].append(PlaceNode(row, text_language(language)))
        return {
            plan.pk: link(PlanTree(plan, sorted(nodes[plan.pk], key=lambda n: n.path)), language)
            for plan in plans
        }

    return per_version("place trees", tuple(p.pk for p in plans), language, build=build)


# Bundles: progress and knowledge ----------------------------------------------------------


def plan_rows(plan):
    """Everything about a plan beside its tree, in one query per content version: its
    progress facts and its glossary, topics and goals (plan.bundle)."""
    if dated := dated_for(plan):
        return dated.rows
    return per_version(
        "plan rows",
        plan.pk,
        build=lambda: plan_bundle.read([*progress_parts(plan), *knowledge_parts(plan)]),
    )


def site_rows(plans):
    """Everything about several plans together, in one query per content version: their
    trees as light rows (`place_trees`), the agencies with a role in each, and the site's
    glossary, topics and goals with every plan's items."""
    ids = [plan.pk for plan in plans]

    def read():
        nodes = PlanNode.objects.filter(plan_id__in=ids).published()
        agencies = QuerySet(Responsibility).filter(node__plan_id__in=ids)
        return plan_bundle.read(
            [
                plan_bundle.rows(nodes, "node", node="plan_id", **{f: f for f in PLACE_FIELDS}),
                plan_bundle.rows(
                    agencies,
                    "agency",
                    node="node__plan_id",
                    code="agency__code",
                    name_zh_hant="agency__name_zh_hant",
                    name_en="agency__name_en",
                ),
                *knowledge_parts(),
            ]
        )

    return per_version("site rows", tuple(ids), build=read)


def progress_bundle(plan):
    """The plan's published progress facts and reporting periods (progress.rollup.Bundle),
    read with plan_rows: kept per content version."""
    if dated := dated_for(plan):
        return dated.bundle
    return per_version("progress bundle", plan.pk, build=lambda: facts_from_rows(plan_rows(plan)))


def plan_progress(plan):
    """The plan's published progress as pages show it: (bundle, {node id: Progress}).

    The bundle (one query) is kept per content version; the roll-up also depends on the
    date (expected progress moves with the calendar), so it is kept per content version and
    Taipei date, and the page cache keys pages by that date too (portal.serving.page_cache)."""
    if dated := dated_for(plan):
        return dated.bundle, dated.progress
    bundle = progress_bundle(plan)
    today = taipei_today()
    tree = linked_tree(plan)  # the page's own (kept) tree: the roll-up needs only its shape
    progress = per_version("progress", plan.pk, today, build=lambda: roll_up(tree, bundle, today))
    return bundle, progress


def begun_reporting_periods(plans):
    """{plan id: its reporting periods that have begun, from its first reporting period on
    (dicts: slug, start, end, deadline, label_zh_hant, label_en)} for the plans whose
    reporting has started, for the open data page and the catalog: one query per content
    version over all of them, none while no plan's reporting has started (the calendar
    alone is no data)."""
    started = [plan for plan in plans if plan.first_reporting_period]
    if not started:
        return {}

    def read():
        rows = {plan.pk: [] for plan in started}
        fields = ("plan_id", "slug", "start", "end", "deadline", "label_zh_hant", "label_en")
        for row in QuerySet(ReportingPeriod).filter(plan__in=started).values(*fields):
            rows[row["plan_id"]].append(row)
        return {
            plan.pk: routine.reporting(rows[plan.pk], plan.first_reporting_period)
            for plan in started
        }

    found = per_version("reporting periods", tuple(plan.pk for plan in started), build=read)
    today = taipei_today()
    return {pk: [p for p in periods if p["start"] <= today] for pk, periods in found.items()}


def plan_knowledge(plan, language=None):
    """The glossary, topics and goals with the plan's items in them, in the page's language."""
    language = language or page_language()
    if dated := dated_for(plan):
        return dated.knowledge(language)
    return per_version(
        "knowledge", plan.pk, language, build=lambda: knowledge_from_rows(plan_rows(plan), language)
    )


def site_knowledge(language=None, plans=None):
    """The glossary and topics with every plan's items (the glossary page, search), in the
    page's language; read with site_rows of `plans` (the published plans by default)."""
    language = language or page_language()
    plans = published_plans() if plans is None else plans

    def build():
        return knowledge_from_rows(site_rows(plans), language)

    return per_version("site knowledge", tuple(p.pk for p in plans), language, build=build)
