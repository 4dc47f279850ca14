"""The sitemap's sections (/sitemap.xml): every public page in both languages, each entry
naming its other-language alternates."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from ..published import linked_tree, plan_knowledge, published_plans
from .progress.presenters import PlanProgress


class BilingualSitemap(Sitemap):
    # Every page in both languages, each entry naming its other-language alternate.
    i18n = True
    alternates = True
    x_default = True


class SitePagesSitemap(BilingualSitemap):
    def items(self):
        return ["portal:home", "portal:site-map", "portal:glossary"]

    def location(self, item):
        return reverse(item)


class PlanPagesSitemap(BilingualSitemap):
    PAGES = [
        "portal:plan",
        "portal:full-text",
        "portal:preamble",
        "portal:closing",
        "portal:topics",
    ]

    def items(self):
        return [(plan, page) for plan in published_plans() for page in self.PAGES]

    def location(self, item):
        plan, page = item
        return reverse(page, args=[plan.slug])

    def lastmod(self, item):
        return item[0].changed_at  # None (no <lastmod>) until staff change the plan


class NodePagesSitemap(BilingualSitemap):
    """Visions and strategies: the nodes with pages of their own."""

    def items(self):
        # Each plan's own kept tree (not linked_trees' joint read): the agencies' sitemap
        # needs it for the progress roll-up too, so the sitemap reads it once.
        pages = []
        for plan in published_plans():
            tree = linked_tree(plan)
            pages += [(plan, node) for node in tree if node.kind in ("vision", "strategy")]
        return pages

    def location(self, item):
        plan, node = item
        return reverse("portal:node", args=[plan.slug, node.ref])

    def lastmod(self, item):
        return item[1].last_changed


class ProgressPagesSitemap(BilingualSitemap):
    """The progress overview (unfiltered), the agencies and the chart coloured by progress."""

    PAGES = ["portal:progress", "portal:agencies", "portal:chart-progress"]

    def items(self):
        return [(plan, page) for plan in published_plans() for page in self.PAGES]

    def location(self, item):
        plan, page = item
        return reverse(page, args=[plan.slug])


class AgencyPagesSitemap(BilingualSitemap):
    """Each agency that leads or supports something in a published plan."""

    def items(self):
        return [
            (plan, code)
            for plan in published_plans()
            for code in PlanProgress(plan, "zh-hant").agencies
        ]

    def location(self, item):
        plan, code = item
        return reverse("portal:agency", args=[plan.slug, code])


class PeriodReportsSitemap(BilingualSitemap):
    """Each reporting period's report that has begun, from a plan's first reporting period
    on (none before: the generated calendar is no commitment, its pages say so and are not
    indexed). Read from the plan's bundle, which the agencies' sitemap reads too."""

    def items(self):
        return [
            (plan, period.slug)
            for plan in published_plans()
            for period in PlanProgress(plan, "zh-hant").reporting.begun
        ]

    def location(self, item):
        plan, slug = item
        return reverse("portal:period-report", args=[plan.slug, slug])


class TopicPagesSitemap(BilingualSitemap):
    """Each topic's and each goal's page of a published plan (read from the plan's bundle,
    which the agencies' sitemap reads too)."""

    def items(self):
        pages = []
        for plan in published_plans():
            knowledge = plan_knowledge(plan, "zh-hant")
            pages += [(plan, "portal:topic", topic.key) for topic in knowledge.topics]
            pages += [(plan, "portal:sdg", goal.key) for goal in knowledge.goals]
        return pages

    def location(self, item):
        plan, page, key = item
        return reverse(page, args=[plan.slug, key])


SITEMAPS = {
    "site": SitePagesSitemap,
    "plans": PlanPagesSitemap,
    "nodes": NodePagesSitemap,
    "progress": ProgressPagesSitemap,
    "agencies": AgencyPagesSitemap,
    "periods": PeriodReportsSitemap,
    "topics": TopicPagesSitemap,
}
