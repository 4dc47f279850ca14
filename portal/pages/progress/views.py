"""The progress pages: the overview (/<plan>/progress/, filtered and sorted by its query:
portal.pages.progress.overview), each reporting period's report (/<plan>/progress/115q3/:
portal.pages.progress.report), the agencies, and each agency's page. They print the
presenter (portal.pages.progress.presenters); the strategy, vision and home pages read the
same presenter through the `progress` template tags.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from ...published import plan_knowledge, published_plan
from ...serving.page_cache import page_query
from ..common import plan_context
from .overview import Overview, overview_query, query_string
from .presenters import PlanProgress
from .report import published_report


@page_query(normalise=overview_query)
@require_safe
def overview(request, plan_slug):
    plan = published_plan(plan_slug)
    progress = PlanProgress(plan)
    query = overview_query(request.GET)
    found = Overview(progress, plan_knowledge(plan), query)
    unknown = found.unknown()
    if unknown:
        # A vision or agency the plan does not have: the address is not a page of its own.
        # Redirected (never stored) rather than rendered, so made-up values cannot fill the
        # page cache with copies of the unfiltered overview.
        known = {name: value for name, value in query.items() if name not in unknown}
        return redirect(found.base + query_string(known))
    context = plan_context(plan, **found.context())
    return render(request, "portal/progress/overview.html", context)


@require_safe
def agencies(request, plan_slug):
    plan = published_plan(plan_slug)
    progress = PlanProgress(plan)
    return render(
        request,
        "portal/progress/agencies.html",
        plan_context(plan, progress=progress, agencies=list(progress.agencies.values())),
    )


@require_safe
def agency(request, plan_slug, code):
    plan = published_plan(plan_slug)
    progress = PlanProgress(plan)
    found = progress.agencies.get(code)
    if found is None:
        raise Http404("No such agency in this plan.")
    context = plan_context(
        plan,
        progress=progress,
        agency=found,
        leads=(leads := [progress.of(node) for node in found.leads]),
        # Coverage before any figure: how many of the items it leads have reported.
        leads_reported=sum(1 for item in leads if item.reported),
        supports=[progress.of(node) for node in found.supports],
    )
    return render(request, "portal/progress/agency.html", context)


@require_safe
def period_report(request, plan_slug, period):
    report = published_report(plan_slug, period)
    progress = report.progress
    context = plan_context(progress.plan, progress=progress, period=report.period, report=report)
    return render(request, "portal/progress/period_report.html", context)
