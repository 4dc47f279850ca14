"""The public change log: each page's history, recent changes, and an Atom feed of them."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from plan.history import page_history, recent_versions
from plan.models import Plan, PlanNode
from plan.tree import PlanTree, ancestors

from .views import page_language, plan_context, published_plan

RECENT = 50


@require_safe
def node_history(request, plan_slug, ref):
    plan = published_plan(plan_slug)
    context = plan_context(plan)
    node = context["tree"].get(ref)
    if node is None or node.kind not in (PlanNode.Kind.VISION, PlanNode.Kind.STRATEGY):
        raise Http404("No such page.")
    context.update(
        node=node, ancestors=[*ancestors(node), node], history=page_history(node, page_language())
    )
    return render(request, "portal/history.html", context)


def recent_changes():
    """Recent changes to visible content of published plans: (plan, node, entry) triples."""
    plans = list(Plan.objects.published())
    language = page_language()
    visible = {}
    for plan, tree in zip(plans, PlanTree.load_many(plans), strict=True):
        tree.link(reverse("portal:plan", args=[plan.slug]), language)
        for node in tree:
            visible[str(node.pk)] = (plan, node)
    changes = []
    for version in recent_versions(RECENT * 2):
        if version.object_id in visible:
            plan, node = visible[version.object_id]
            changes.append((plan, node, version))
    return changes[:RECENT]


def page_of(node):
    """The node whose page shows this node (an action item lives on its strategy's page)."""
    return node.parent if node.kind == PlanNode.Kind.ACTION else node


@require_safe
def changes(request):
    return render(request, "portal/changes.html", {"changes": recent_changes()})


class ChangesFeed(Feed):
    """Atom feed of recent changes, in the language of its URL."""

    feed_type = Atom1Feed

    def title(self):
        return _("Recent changes to the plan")

    def subtitle(self):
        return _("Every change city staff make to the published plan, newest first.")

    def link(self):
        return reverse("portal:changes")

    def items(self):
        return recent_changes()

    def item_title(self, item):
        plan, node, version = item
        return f"{node.number}{node.title or node.body[:30]}"

    def item_description(self, item):
        plan, node, version = item
        return _("Changed on %(date)s. See the page's history for the differences.") % {
            "date": version.revision.date_created.date().isoformat()
        }

    def item_link(self, item):
        plan, node, version = item
        return f"{page_of(node).url}history/#v{version.pk}"

    def item_pubdate(self, item):
        return item[2].revision.date_created

    def item_updateddate(self, item):
        return item[2].revision.date_created
