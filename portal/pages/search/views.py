"""The search page: /search/?q=… (Chinese text) and /en/search/?q=… (English text).

The address says everything (language and words), so a search can be shared and the page is
the same for everybody: a GET form, no session, no cookie. Three queries at most whatever the
plans' size (portal.pages.search.ranking.search), four with the page cache's check
(portal.serving.page_cache).
"""

from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from plan.search import MAX_QUERY_LENGTH, parse_query

from ...context_processors import HTML_LANG, PREFIXES, switch_links
from ...published import page_language, page_reading, published_plans
from ...serving.page_cache import page_query
from .ranking import search as search_plans


def search_url(language, text):
    """The same search on the page of another language (or this one)."""
    with translation.override(language):
        url = reverse("portal:search")
    return f"{url}?{urlencode({'q': text})}" if text else url


def search_key(params):
    """The words of a search as the page uses them: the cache keeps one entry per search,
    however the address spelled it (spaces, other parameters)."""
    text = parse_query(params.get("q", "")).text
    return {"q": text} if text else {}


@page_query(normalise=search_key)
@require_safe
def search(request):
    language = page_language()
    other = "en" if language == "zh-hant" else "zh-hant"
    try:
        # The last q wins when the parameter is repeated; anything else in it is just text.
        raw = request.GET.get("q", "")
    except UnicodeError as error:
        # Only a broken client (never a real WSGI server) sends a query string that is not bytes.
        raise BadRequest("unreadable query string") from error
    query = parse_query(raw)
    plans = published_plans()
    results = search_plans(query, language, plans) if query else None
    reading = page_reading()
    urls = {code: search_url(code, query.text) for code in PREFIXES}
    context = {
        "query": query.text,
        "search": query,
        "results": results,
        "plan": plans[0] if plans else None,
        "several_plans": len(plans) > 1,
        "max_query_length": MAX_QUERY_LENGTH,
        "other_search_url": urls[other],
        # The language switch and canonical link keep the words, not just the path.
        "other_languages": switch_links(urls, reading),
        "canonical": request.build_absolute_uri(urls[reading]),
        "alternates": [
            (HTML_LANG[code], request.build_absolute_uri(urls[code])) for code in PREFIXES
        ],
        "x_default": request.build_absolute_uri(urls["zh-hant"]),
    }
    return render(request, "portal/search.html", context)
