"""The architecture chart (架構圖): a page and a standalone SVG download."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .views import plan_context, published_plan


@require_GET
def chart(request, plan_slug):
    plan = published_plan(plan_slug)
    return render(request, "portal/chart.html", plan_context(plan))


@require_GET
def chart_svg(request, plan_slug):
    published_plan(plan_slug)
    return HttpResponse(status=501)
