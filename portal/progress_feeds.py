"""Atom feeds of published progress updates: the whole plan, one strategy, one agency.

Modelled on portal.history_views.ChangesFeed: in the language of the URL, the city as the
feed's author, `updated` the newest entry's. Only published updates appear (the bundle holds
nothing else but the superseded revisions, which are kept for the pages' history and never
listed here); each entry links to the update on its strategy's page.
"""

from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from plan.models import PlanNode

from .progress_views import PlanProgress
from .trees import page_language, published_plan

LATEST = 100


def entry_time(update):
    """When the update became public (its publication), else the day it reports on."""
    published = update.published_at
    moment = parse_datetime(published) if isinstance(published, str) else published
    if moment is None:
        moment = datetime.combine(update.date, time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class UpdatesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, plan_slug, **kwargs):
        return PlanProgress(published_plan(plan_slug))

    def title(self, progress):
        return _("Progress updates: %(plan)s") % {"plan": progress.plan.title}

    def subtitle(self, progress):
        return _("Progress updates published by the city, newest first.")

    def link(self, progress):
        return reverse("portal:progress", args=[progress.plan.slug])

    def author_name(self, progress):
        return settings.SITE_AUTHORITY[page_language()]

    def items(self, progress):
        return progress.updates()[:LATEST]

    def item_title(self, update):
        node = update.node
        return f"{_full_label(node)} · {update.status_label} · {update.date.isoformat()}"

    def item_description(self, update):
        parts = [update.summary.value]
        if update.percent_text:
            parts.append(_("%(percent)s%% complete") % {"percent": update.percent_text})
        if update.source:
            parts.append(_("Source: %(source)s") % {"source": update.source.text.value})
        return " · ".join(parts)

    def item_link(self, update):
        return update.url

    def item_guid(self, update):
        return update.url

    def item_pubdate(self, update):
        return entry_time(update)

    def item_updateddate(self, update):
        return entry_time(update)


def _full_label(node):
    if node.kind == PlanNode.Kind.ACTION:
        strategy = node.parent
        return f"{strategy.number.strip()} {strategy.title} › {node.number}"
    return f"{node.number.strip()} {node.title}"


class StrategyUpdatesFeed(UpdatesFeed):
    """A strategy's updates and its action items'."""

    def get_object(self, request, plan_slug, ref):
        progress = PlanProgress(published_plan(plan_slug))
        node = progress.tree.get(ref)
        if node is None or node.kind != PlanNode.Kind.STRATEGY:
            raise Http404("No such strategy.")
        progress.strategy = node
        return progress

    def title(self, progress):
        return _("Progress updates: %(item)s") % {"item": _full_label(progress.strategy)}

    def link(self, progress):
        return progress.strategy.url

    def items(self, progress):
        strategy = progress.strategy
        return progress.updates([strategy, *strategy.children])[:LATEST]


class AgencyUpdatesFeed(UpdatesFeed):
    """Updates on everything an agency leads or supports, and those it reported."""

    def get_object(self, request, plan_slug, code):
        progress = PlanProgress(published_plan(plan_slug))
        agency = progress.agencies.get(code)
        if agency is None:
            raise Http404("No such agency in this plan.")
        progress.feed_agency = agency
        return progress

    def title(self, progress):
        return _("Progress updates: %(agency)s") % {"agency": progress.feed_agency.name.value}

    def link(self, progress):
        return progress.feed_agency.url

    def items(self, progress):
        agency = progress.feed_agency
        nodes = {node.pk: node for node in (*agency.leads, *agency.supports)}
        found = {u.id: u for u in progress.updates(nodes.values())}
        for update in progress.updates():
            if update.agency is not None and update.agency.code == agency.code:
                found[update.id] = update
        ordered = sorted(found.values(), key=lambda u: (u.date, u.id), reverse=True)
        return ordered[:LATEST]
