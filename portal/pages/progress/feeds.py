"""Atom feeds of published progress updates: the whole plan, one strategy, one agency.

Modelled on portal.pages.history.ChangesFeed: in the language of the URL, the city as the
feed's author, `updated` the newest entry's. Only published updates appear (the bundle holds
nothing else but the superseded revisions and the withdrawn facts, kept for the pages'
history); each entry links to the update on its strategy's page. A withdrawn update leaves
the feed, and its withdrawal is an entry of its own, dated when it was taken back, with why.

Entries are plain text (`type="text"`): nothing staff type is read as markup by a feed
reader. Entry ids (RFC 4287: absolute, permanent) are tag URIs (RFC 4151) made of the site's
host, the plan's first year, the plan's slug and the fact's id: never the entry's place in
the feed nor the date it was read. One fact has one id per language of its text: the
Traditional and Simplified feeds (the same Chinese text, converted) share it, the English
feed's entry (a translation, published on its own) has its own, `…/en/update/<id>`.
"""

from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from plan.models import PlanNode
from progress.rollup import EMPTY

from ...published import page_language, published_plan
from ...serving.atom import TextAtom1Feed
from .presenters import PlanProgress, Update, full_number

LATEST = 100


def _taipei(moment):
    """A moment of the bundle (aware, UTC: progress.rollup reads them) in Asia/Taipei."""
    if moment is None:
        return None
    return timezone.localtime(moment, timezone.get_default_timezone())


def entry_time(update):
    """When the update became public (its publication), else the day it reports on."""
    moment = _taipei(update.published_at)
    if moment is None:
        day = datetime.combine(update.date, time())
        moment = timezone.make_aware(day, timezone.get_default_timezone())
    return moment


def _full_label(node):
    """二、(二) 增建社宅擴大租金補貼; an action item: 二、(二) 增建社宅擴大租金補貼 › 1."""
    if node.kind == PlanNode.Kind.ACTION:
        strategy = node.parent
        return f"{full_number(strategy)} {strategy.title} › {node.number}"
    return f"{full_number(node)} {node.title}"


@dataclass
class Entry:
    id: str
    title: str
    text: str
    link: str
    moment: datetime
    order: tuple  # newest first: (moment, fact id, a withdrawal after its update)


def _entry_id(progress, update, suffix=""):
    language = "en/" if progress.language == "en" else ""
    plan = progress.plan
    return f"tag:{progress.feed_host},{plan.term_start}:{plan.slug}/{language}update/{update.id}{suffix}"


def _update_entry(progress, update):
    parts = [update.summary.value]
    if update.percent_text:
        parts.append(_("%(percent)s%% complete") % {"percent": update.percent_text})
    if update.source:
        parts.append(_("Source: %(source)s") % {"source": update.source.text.value})
    moment = entry_time(update)
    return Entry(
        id=_entry_id(progress, update),
        title=f"{_full_label(update.node)} · {update.date.isoformat()} · {update.status_label}",
        text=" · ".join(parts),
        link=update.url,
        moment=moment,
        order=(moment, update.id, 0),
    )


def _withdrawal_entry(progress, update, data):
    moment = _taipei(data.get("withdrawn_at")) or entry_time(update)
    title = f"{_full_label(update.node)} · {update.date.isoformat()}"
    return Entry(
        id=_entry_id(progress, update, "/withdrawn"),
        title=f"{title} · {_('Withdrawn')}",
        text=data.get("withdrawal_reason") or "",
        link=update.url,
        moment=moment,
        order=(moment, update.id, 1),
    )


def withdrawn_updates(progress, nodes=None):
    """[(Update, bundle row)] of the updates withdrawn from `nodes` (default: every node)."""
    nodes = progress.tree if nodes is None else nodes
    return [
        (Update(data, node, progress), data)
        for node in nodes
        for data in progress.bundle.get(node.pk, EMPTY).withdrawn
        if data["kind"] == "update"
    ]


def entries(progress, updates, withdrawn):
    """The feed's entries, newest first: published updates and withdrawals."""
    found = [_update_entry(progress, update) for update in updates]
    found += [_withdrawal_entry(progress, update, data) for update, data in withdrawn]
    found.sort(key=lambda entry: entry.order, reverse=True)
    return found[:LATEST]


class UpdatesFeed(Feed):
    feed_type = TextAtom1Feed

    def get_object(self, request, plan_slug, **kwargs):
        return self.prepared(request, PlanProgress(published_plan(plan_slug)))

    @staticmethod
    def prepared(request, progress):
        # The tag's authority: the site's host without a port (the canonical host when
        # PORTAL_BASE_URL is set: CanonicalOriginMiddleware).
        progress.feed_host = split_domain_port(request.get_host())[0] or "localhost"
        return progress

    def title(self, progress):
        return _("Progress updates: %(plan)s") % {"plan": progress.plan.title}

    def subtitle(self, progress):
        return _("Progress updates published by the city, newest first.")

    def link(self, progress):
        return reverse("portal:progress", args=[progress.plan.slug])

    def author_name(self, progress):
        return settings.SITE_AUTHORITY[page_language()]

    def items(self, progress):
        return entries(progress, progress.updates(), withdrawn_updates(progress))

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        return entry.text

    def item_link(self, entry):
        return entry.link

    def item_guid(self, entry):
        return entry.id

    def item_pubdate(self, entry):
        return entry.moment

    def item_updateddate(self, entry):
        return entry.moment


class StrategyUpdatesFeed(UpdatesFeed):
    """A strategy's updates and its action items'."""

    def get_object(self, request, plan_slug, ref):
        progress = PlanProgress(published_plan(plan_slug))
        node = progress.tree.get(ref)
        if node is None or node.kind != PlanNode.Kind.STRATEGY:
            raise Http404("No such strategy.")
        progress.strategy = node
        return self.prepared(request, progress)

    def title(self, progress):
        return _("Progress updates: %(item)s") % {"item": _full_label(progress.strategy)}

    def link(self, progress):
        return progress.strategy.url

    def items(self, progress):
        nodes = [progress.strategy, *progress.strategy.children]
        return entries(progress, progress.updates(nodes), withdrawn_updates(progress, nodes))


class AgencyUpdatesFeed(UpdatesFeed):
    """Updates on everything an agency leads or supports, and those it reported."""

    def get_object(self, request, plan_slug, code):
        progress = PlanProgress(published_plan(plan_slug))
        agency = progress.agencies.get(code)
        if agency is None:
            raise Http404("No such agency in this plan.")
        progress.feed_agency = agency
        return self.prepared(request, progress)

    def title(self, progress):
        return _("Progress updates: %(agency)s") % {"agency": progress.feed_agency.name.value}

    def link(self, progress):
        return progress.feed_agency.url

    def items(self, progress):
        agency = progress.feed_agency
        nodes = {node.pk: node for node in (*agency.leads, *agency.supports)}.values()

        def ours(found, everything):
            """Those of `nodes`, and those the agency reported, once each."""
            kept = {update.id: (update, data) for update, data in found}
            for update, data in everything:
                if update.agency is not None and update.agency.code == agency.code:
                    kept[update.id] = (update, data)
            return list(kept.values())

        updates = ours(
            [(u, None) for u in progress.updates(nodes)], [(u, None) for u in progress.updates()]
        )
        withdrawn = ours(withdrawn_updates(progress, nodes), withdrawn_updates(progress))
        return entries(progress, [update for update, _row in updates], withdrawn)
