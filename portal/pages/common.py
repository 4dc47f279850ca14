"""What every page module shares: the `public` decorator, a plan page's context, a download
response, the error pages.

No view touches the session, sets a cookie or renders a CSRF token: every public page is the
same for every visitor, so it can be cached whole and served by any app server.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from plan.numbering import section_number

from ..published import linked_tree, page_language

# The document's three top-level sections, numbered 壹／貳／參.
SECTIONS = ("preamble", "visions", "closing")


def public(view):
    """A citizen page or download: GET and HEAD only, never state-changing, so CSRF checks do
    not apply (and a POST gets 405 Method Not Allowed, not a CSRF error page)."""
    return csrf_exempt(require_safe(view))


def plan_context(plan, **extra):
    """What every page about a plan shows: the plan, its linked tree, the sections' numbers."""
    language = page_language()
    numbers = {name: section_number(n)[language] for n, name in enumerate(SECTIONS, 1)}
    return {"plan": plan, "tree": linked_tree(plan), "numbers": numbers, **extra}


def download(request, body, content_type, filename, as_attachment):
    """A data response with a strong ETag over its bytes, answering If-None-Match with 304.
    (If-Modified-Since is answered by @condition before any work is done.) Cache-Control is
    the site's: portal.serving.page_cache stores these like any public page and replays them."""
    response = HttpResponse(body, content_type=content_type)
    set_response_etag(response)
    response.headers["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return get_conditional_response(request, etag=response["ETag"], response=response)


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def bad_request(request, exception):
    return render(request, "400.html", status=400)
