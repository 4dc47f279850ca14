"""The plan as published on a past day (/<plan>/as-of/<YYYY-MM-DD>/…: its home, visions and
strategies, full text) and what changed between two days (/<plan>/compare/?from=…&to=…).

The dated pages are today's templates over the plan as it was (portal.dated, read through
portal.published.as_of), with a banner saying so and linking today's page, `noindex`, links
within the same day. Days before the plan's first record or after today answer a 404 that
says which days there are; today's day is the live page itself (a redirect).
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from plan.models import Plan, PlanNode
from plan.tree import ancestors

from ..context_processors import HTML_LANG, PREFIXES, switch_links
from ..dated import (
    NoSuchDay,
    asked_days,
    comparison,
    dated_plan,
    default_range,
    first_day,
    parse_day,
    summary_lines,
)
from ..published import as_of, page_language, page_reading, published_plan, taipei_today
from ..serving.page_cache import page_query
from .common import plan_context
from .progress.presenters import LIGHT_LABELS, STATUS_LABELS, node_name

NOINDEX = "noindex"


def _day_or_404(text):
    day = parse_day(text)
    if day is None:
        raise Http404("Not a date (YYYY-MM-DD).")
    return day


def _no_such_day(request, plan, day, problem):
    context = {
        "plan": plan,
        "day": day,
        "problem": problem,
        "first": first_day(plan),
        "today": taipei_today(),
    }
    return render(request, "portal/dated/no_such_day.html", context, status=404)


def _dated_page(request, plan_slug, day_text, live_name, live_args, page):
    """Render `page(dated, context)` for the plan on the day, or redirect/404."""
    plan = published_plan(plan_slug)
    day = _day_or_404(day_text)
    if day == taipei_today():
        # Today's plan is the live page (temporarily: tomorrow this address is a dated page).
        return redirect(reverse(live_name, args=[plan_slug, *live_args]))
    try:
        dated = dated_plan(plan, day)
    except NoSuchDay as problem:
        return _no_such_day(request, plan, day, str(problem))
    with as_of(dated):
        context = plan_context(dated.plan, as_of=dated, first_day=first_day(plan))
        context["live_url"] = reverse(live_name, args=[plan_slug, *live_args])
        response = page(dated, context)
    # The Simplified conversion keeps the glossary's names as written: that day's.
    response.protected_names = dated.knowledge("zh-hant").glossary.protected_names()
    response["X-Robots-Tag"] = NOINDEX
    return response


def as_of_home(request, plan_slug, day):
    def page(dated, context):
        return render(request, "portal/plan_home.html", context)

    return _dated_page(request, plan_slug, day, "portal:plan", [], page)


def as_of_full_text(request, plan_slug, day):
    def page(dated, context):
        return render(request, "portal/full_text.html", context)

    return _dated_page(request, plan_slug, day, "portal:full-text", [], page)


def as_of_node(request, plan_slug, day, ref):
    def page(dated, context):
        found = context["tree"].get(ref)
        if found is None:
            raise Http404("This part of the plan was not published on that day.")
        if found.kind in (PlanNode.Kind.GOAL, PlanNode.Kind.ACTION):
            return redirect(found.url)
        context.update(node=found, ancestors=ancestors(found))
        template = (
            "portal/vision.html" if found.kind == PlanNode.Kind.VISION else "portal/strategy.html"
        )
        return render(request, template, context)

    return _dated_page(request, plan_slug, day, "portal:node", [ref], page)


def as_of_history(request, plan_slug, day, ref):
    """A dated page's history link: the item's one history (it covers every day)."""
    return redirect(reverse("portal:history", args=[plan_slug, ref]))


# What changed between two days --------------------------------------------------------------


def _canonical(params):
    return {name: params[name] for name in ("from", "to") if params.get(name)}


@page_query("from", "to", normalise=_canonical)
def compare(request, plan_slug):
    plan = published_plan(plan_slug)
    first, today = default_range(plan)
    if first is None:
        # Nothing recorded yet (a plan put in without load_plan): nothing to compare.
        context = plan_context(plan, comparison=None, noindex=True)
        return render(request, "portal/dated/compare.html", context)
    days = asked_days(request.GET, first, today)
    if None in days.values():
        raise Http404("Not a date (YYYY-MM-DD).")
    for day in days.values():
        if day < first or day > today:
            return _no_such_day(request, plan, day, "before" if day <= today else "future")
    since, until = sorted(days.values())
    try:
        found = comparison(plan, since, until, page_language())
    except NoSuchDay as problem:  # a day the plan itself was not published
        return _no_such_day(request, plan, since, str(problem))
    reading = page_reading()
    before = dated_plan(plan, since, pages=False).linked_tree(reading)
    after = dated_plan(plan, until, pages=False).linked_tree(reading)
    context = plan_context(
        plan,
        **_same_days_in_each_reading(request, plan, since, until),
        comparison=found,
        summary=summary_lines(found),
        groups=group_changes(found, before, after),
        since=since,
        until=until,
        today=today,
        first_day=first,
        noindex=True,
    )
    response = render(request, "portal/dated/compare.html", context)
    response["X-Robots-Tag"] = NOINDEX
    return response


def _same_days_in_each_reading(request, plan, since, until):
    """The language switch and canonical links keep the two days, not just the path."""
    query = f"?from={since.isoformat()}&to={until.isoformat()}"
    urls = {}
    for code in PREFIXES:
        with translation.override(code):
            urls[code] = reverse("portal:compare", args=[plan.slug]) + query
    return {
        "other_languages": switch_links(urls, page_reading()),
        "canonical": request.build_absolute_uri(urls[page_reading()]),
        "alternates": [
            (HTML_LANG[code], request.build_absolute_uri(urls[code])) for code in PREFIXES
        ],
        "x_default": request.build_absolute_uri(urls["zh-hant"]),
    }


KIND_LABELS = {
    "text": _("Text changed"),
    "added": _("Added"),
    "withdrawn": _("Withdrawn"),
    "moved": _("Moved"),
    "target": _("Target changed"),
    "status": _("Status changed"),
    "light": _("Light changed"),
    "updates": _("Updates published"),
}
NODE_FIELDS = {"title": _("Title"), "body": _("Text"), "chart_label": _("Chart label")}


def field_label(name):
    if name in NODE_FIELDS:
        return NODE_FIELDS[name]
    return Plan._meta.get_field(name).verbose_name


class Shown:
    """One change as the page shows it: its item (name, number, page) in the page's
    reading, the label of its kind and, for texts, of the field."""

    def __init__(self, change, before, after):
        self.change = change
        self.kind = change["kind"]
        self.values = change["values"]
        self.label = KIND_LABELS[self.kind]
        node = after.get(change["ref"]) if change["ref"] else None
        self.live = node is not None
        node = node or (before.get(change["ref"]) if change["ref"] else None)
        self.node = node
        self.name = node_name(node, page_language()) if node else ""
        self.before, self.after = change["before"], change["after"]
        self.url = node.url if node is not None and self.live else ""
        if self.kind == "text":
            self.field = field_label(self.values["field"])
        if self.kind == "target":
            language = page_language()
            self.indicator = self.values["name"].get(language) or self.values["name"]["zh-hant"]
            reason = self.values["reason"]
            self.reason = reason.get(language) or reason.get("zh-hant") or ""
        if self.kind in ("status", "light"):
            labels = STATUS_LABELS if self.kind == "status" else LIGHT_LABELS
            self.was = labels.get(self.values["before"], "") or _("none")
            self.now = labels.get(self.values["after"], "") or _("none")


def group_changes(found, before, after):
    """[{"vision": node or None, "parts": [{"strategy": node or None, "changes": [Shown]}]}]:
    the changes grouped by vision, then strategy, in document order; the plan's own texts
    first (vision None)."""
    groups = []
    for change in found["changes"]:
        shown = Shown(change, before, after)
        vision = _node(change["vision"], before, after)
        strategy = _node(change["strategy"], before, after)
        # The whole plan's own figures (its goal) are not among "the plan's own texts".
        key = change["vision"] or ("goal" if change["node_kind"] == "goal" else None)
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "vision": vision, "parts": []})
        parts = groups[-1]["parts"]
        if not parts or parts[-1]["key"] != change["strategy"]:
            parts.append({"key": change["strategy"], "strategy": strategy, "changes": []})
        parts[-1]["changes"].append(shown)
    return groups


def _node(ref, before, after):
    return (after.get(ref) or before.get(ref)) if ref else None
