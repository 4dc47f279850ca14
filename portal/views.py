"""Citizen-facing pages. Each fetches the plan and its whole tree (two queries) and renders.

No view touches the session, sets a cookie or renders a CSRF token: every public page is the
same for every visitor, so it can be cached whole and served by any app server.
"""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from plan.models import Plan, PlanNode
from plan.numbering import section_number
from plan.tree import ancestors

from .context_processors import site_urls
from .trees import (
    linked_tree,
    linked_trees,
    page_language,
    preview_tree,
    published_plan,
    published_plans,
)

# The document's three top-level sections, numbered 壹／貳／參.
SECTIONS = ("preamble", "visions", "closing")


def public(view):
    """A citizen page or download: GET and HEAD only, never state-changing, so CSRF checks do
    not apply (and a POST gets 405 Method Not Allowed, not a CSRF error page)."""
    return csrf_exempt(require_safe(view))


def plan_context(plan, **extra):
    language = page_language()
    numbers = {name: section_number(n)[language] for n, name in enumerate(SECTIONS, 1)}
    return {"plan": plan, "tree": linked_tree(plan), "numbers": numbers, **extra}


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
    plan = published_plan(plan_slug)
    return render(request, "portal/plan_home.html", plan_context(plan))


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
    plan = published_plan(plan_slug)
    return render(request, "portal/full_text.html", plan_context(plan))


@require_safe
def section(request, plan_slug, section):
    """The document's opening (壹) or closing (參) section."""
    plan = published_plan(plan_slug)
    return render(request, "portal/section.html", plan_context(plan, section=section))


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
    tree = preview_tree(plan)
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


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def bad_request(request, exception):
    return render(request, "400.html", status=400)
