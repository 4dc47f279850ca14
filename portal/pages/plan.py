"""The plan's own pages: the home page, a plan's home, its visions and strategies, the full
text, the opening and closing sections, the site map, robots.txt and the favicon, and the
staff preview. Each reads the plan's linked tree (portal.published) and renders.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from plan.models import Plan, PlanNode
from plan.tree import ancestors

from ..context_processors import site_urls
from ..published import linked_tree, linked_trees, published_plan, published_plans
from .common import plan_context


@require_safe
def home(request):
    plans = published_plans()
    if not plans:
        return render(request, "portal/no_plan.html", status=503)
    plan = plans[0]
    return render(
        request, "portal/plan_home.html", plan_context(plan, other_plans=plans[1:], is_home=True)
    )


@require_safe
def plan_home(request, plan_slug):
    return _plan_page(request, plan_slug, "portal/plan_home.html")


@require_safe
def node(request, plan_slug, ref):
    plan = published_plan(plan_slug)
    context = plan_context(plan)
    found = context["tree"].get(ref)
    if found is None:
        raise Http404("No such part of the plan.")
    if found.kind in (PlanNode.Kind.GOAL, PlanNode.Kind.ACTION):
        # The goal is the plan's home page; an action item lives on its strategy's page.
        return redirect(found.url, permanent=True)
    context.update(node=found, ancestors=ancestors(found))
    template = (
        "portal/vision.html" if found.kind == PlanNode.Kind.VISION else "portal/strategy.html"
    )
    return render(request, template, context)


@require_safe
def full_text(request, plan_slug):
    return _plan_page(request, plan_slug, "portal/full_text.html")


@require_safe
def section(request, plan_slug, section):
    """The document's opening (壹) or closing (參) section."""
    return _plan_page(request, plan_slug, "portal/section.html", section=section)


def _plan_page(request, plan_slug, template, **extra):
    return render(request, template, plan_context(published_plan(plan_slug), **extra))


@require_safe
def site_map(request):
    plans = published_plans()
    trees = linked_trees(plans)
    return render(request, "portal/site_map.html", {"plans": list(zip(plans, trees, strict=True))})


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    # Search results are endless variations of the pages themselves. The admin is not
    # named: a city that moves it off /admin/ should not have robots.txt give it away.
    searches = [
        f"Disallow: {path}"
        for path in sorted(site_urls(code)["search"] for code, _ in settings.LANGUAGES)
    ]
    lines = [
        "User-agent: *",
        *searches,
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


FAVICON = (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_safe
@cache_control(max_age=604800, public=True)
def favicon(request):
    return HttpResponse(FAVICON, content_type="image/x-icon")


@staff_member_required
@never_cache
def staff_preview(request, plan_slug, ref):
    """A node's page as citizens would see it, for staff, with unpublished content shown."""
    plan = get_object_or_404(Plan, slug=plan_slug)
    tree = linked_tree(plan, preview=True)
    found = tree.get(ref)
    if found is None:
        raise Http404("No such part of the plan.")
    if found.kind == PlanNode.Kind.ACTION:
        found = found.parent
    if found.kind == PlanNode.Kind.GOAL:
        found = tree.visions[0] if tree.visions else found
    context = plan_context(plan, node=found, ancestors=ancestors(found), preview=True)
    context["tree"] = tree
    return render(request, f"portal/{found.kind}.html", context)
