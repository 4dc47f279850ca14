"""The public change log: each page's history, recent changes, and an Atom feed of them
(what changed is plan.history's business; this module names where and links to it)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from plan.history import page_history, recent_entries
from plan.models import PlanNode
from plan.tree import ancestors

from ..dated import a_month_before
from ..published import linked_trees, page_language, published_plan, published_plans, taipei_today
from ..serving.atom import TextAtom1Feed
from .common import plan_context

RECENT = 50


@require_safe
def node_history(request, plan_slug, ref):
    plan = published_plan(plan_slug)
    context = plan_context(plan)
    node = context["tree"].get(ref)
    if node is None or node.kind not in (PlanNode.Kind.VISION, PlanNode.Kind.STRATEGY):
        raise Http404("No such page.")
    context.update(
        node=node,
        ancestors=[*ancestors(node), node],
        history=page_history(node, page_language()),
        # An entry links the whole plan on its day; today's day is the page itself.
        today=taipei_today().isoformat(),
    )
    return render(request, "portal/history.html", context)


@dataclass
class RecentChange:
    plan: object
    node: object  # as it is now, in the published tree
    entry: object  # plan.history.Entry, in the page's language

    @property
    def page(self):
        """The node whose page shows this node (an action item lives on its strategy's)."""
        return self.node.parent if self.node.kind == PlanNode.Kind.ACTION else self.node

    @property
    def url(self):
        return f"{self.page.url}history/#v{self.entry.version_id}"

    @property
    def label(self):
        """Where the change is, under the title the node had then."""
        if self.node.kind == PlanNode.Kind.ACTION:
            page = self.page
            return f"{page.number.rstrip()} {page.title} › {self.node.number} {self.entry.title}"
        return f"{self.node.number.rstrip()} {self.entry.title}"


def recent_changes():
    """Recent changes, in the page's language, to nodes visible in the published plans."""
    plans = published_plans()
    visible = {}
    for plan, tree in zip(plans, linked_trees(plans), strict=True):
        for node in tree:
            visible[str(node.pk)] = (plan, node)
    entries = recent_entries(visible, page_language(), RECENT)
    return [RecentChange(*visible[entry.object_id], entry) for entry in entries]


@require_safe
def changes(request):
    # Each plan's comparison over the last month (/<plan>/compare/?from=…): the page is kept
    # per Taipei date (portal.serving.page_cache), so the day is today's.
    since = a_month_before(taipei_today()).isoformat()
    context = {"changes": recent_changes(), "plans": published_plans(), "month_ago": since}
    return render(request, "portal/changes.html", context)


class ChangesFeed(Feed):
    """Atom feed of recent changes, in the language of its URL."""

    feed_type = TextAtom1Feed

    def title(self):
        return _("Recent changes to the plan")

    def subtitle(self):
        return _("Every change city staff make to the published plan, newest first.")

    def link(self):
        return reverse("portal:changes")

    def author_name(self):
        # A feed-level author (RFC 4287: required when entries have none, and for an empty
        # feed): the city, as the publisher of the plan.
        return settings.SITE_AUTHORITY[page_language()]

    def items(self):
        return recent_changes()

    def item_title(self, item):
        return item.label

    def item_description(self, item):
        return _("Changed on %(date)s. See the page's history for the differences.") % {
            "date": item.entry.date.date().isoformat()
        }

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.entry.date

    def item_updateddate(self, item):
        return item.entry.date
