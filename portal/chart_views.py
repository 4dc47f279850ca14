"""The architecture chart (架構圖): a page and a standalone SVG download."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from plan.tree import PlanTree

from .chart import BRAND, FONT_FAMILY, chart_description, layout_chart
from .context_processors import HTML_LANG
from .trees import link, page_language, page_reading, published_plan
from .views import plan_context


@require_safe
def chart(request, plan_slug):
    plan = published_plan(plan_slug)
    context = plan_context(plan, description=chart_description(plan))
    return render(request, "portal/chart.html", context)


@require_safe
def chart_svg(request, plan_slug):
    plan = published_plan(plan_slug)
    language = page_language()
    reading = page_reading()  # a Simplified chart links to Simplified pages
    # A downloaded file is opened away from the site, so its links must be absolute.
    tree = link(PlanTree.load(plan), reading, base=f"{request.scheme}://{request.get_host()}")
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
