"""The architecture chart (架構圖): the page, the page coloured by progress, and a standalone
SVG download laid out by portal.pages.chart.layout."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from ...context_processors import HTML_LANG
from ...published import linked_tree, page_language, page_reading, published_plan
from ..common import plan_context
from ..progress.presenters import PlanProgress
from .layout import BRAND, FONT_FAMILY, chart_description, layout_chart


@require_safe
def chart(request, plan_slug):
    plan = published_plan(plan_slug)
    context = plan_context(plan, description=chart_description(plan))
    return render(request, "portal/chart.html", context)


@require_safe
def chart_progress(request, plan_slug):
    """The architecture chart with each strategy's light and percent."""
    plan = published_plan(plan_slug)
    context = plan_context(
        plan,
        description=chart_description(plan),
        progress=PlanProgress(plan),
        chart_progress=True,
    )
    return render(request, "portal/chart.html", context)


@require_safe
def chart_svg(request, plan_slug):
    plan = published_plan(plan_slug)
    language = page_language()
    reading = page_reading()  # a Simplified chart links to Simplified pages
    # A downloaded file is opened away from the site, so its links must be absolute.
    tree = linked_tree(plan, reading, base=f"{request.scheme}://{request.get_host()}")
    chart_url = request.build_absolute_uri(reverse("portal:chart", args=[plan.slug]))
    svg = render_to_string(
        "portal/chart/chart.svg",
        {
            "layout": layout_chart(plan, tree, language, footnote_url=chart_url),
            "html_lang": HTML_LANG[reading],
            "font_family": FONT_FAMILY,
            "line_colour": BRAND,
        },
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{plan.slug}-chart-{reading}.svg"
    )
    return response
