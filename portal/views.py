from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from plan.models import Plan
from plan.tree import PlanTree


def current_plan():
    plan = Plan.objects.published().first()
    if plan is None:
        raise Http404("No plan is published yet.")
    return plan


@require_GET
def home(request):
    plan = current_plan()
    return render(request, "portal/plan.html", {"plan": plan, "tree": PlanTree.load(plan)})


@require_GET
def plan_home(request, plan_slug):
    plan = get_object_or_404(Plan.objects.published(), slug=plan_slug)
    return render(request, "portal/plan.html", {"plan": plan, "tree": PlanTree.load(plan)})


@require_GET
def node(request, plan_slug, ref):
    plan = get_object_or_404(Plan.objects.published(), slug=plan_slug)
    tree = PlanTree.load(plan)
    found = tree.get(ref)
    if found is None:
        raise Http404("No such part of the plan.")
    return render(request, "portal/node.html", {"plan": plan, "tree": tree, "node": found})
