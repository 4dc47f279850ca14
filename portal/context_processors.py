from functools import cache

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import reverse
from django.utils import translation

from plan.tree import active_language

LANGUAGE_NAMES = {"zh-hant": "中文", "en": "English"}
HTML_LANG = {"zh-hant": "zh-Hant", "en": "en"}


@cache
def site_urls(language):
    """The site-wide links of every page's header and footer, reversed once per language."""
    with translation.override(language):
        return {name.replace("-", "_"): reverse(f"portal:{name}") for name in SITE_PAGES}


SITE_PAGES = ("home", "site-map", "search", "open-data", "changes", "changes-feed")


def twin_paths(path, language):
    """The same page's path in each language. Every public page lives under i18n_patterns
    with Chinese unprefixed and English under /en/, so this is string work, not the resolve
    and reverse that translate_url would do on every request."""
    chinese = path[3:] if language == "en" and path.startswith("/en/") else path
    return {"zh-hant": chinese, "en": "/en" + chinese}


def current_plan():
    """The plan the header's menu links to on pages about no plan (recent changes, the site
    map, 404): the current one, the first of the published plans. Those are kept per content
    version (portal.trees), so this costs no query on a page that already read them."""
    from .trees import published_plans

    plans = published_plans()
    return plans[0] if plans else None


def site(request):
    """The page's language, its twin in the other language, and its canonical URL.

    The language switch is a plain link to the same page in the other language: no form, no
    cookie, so the page stays the same for everybody.
    """
    language = active_language()
    other = "zh-hant" if language == "en" else "en"
    urls = twin_paths(request.path, language)
    try:
        origin = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        origin = ""  # the 400 page for a request with a host name not ours
    return {
        "site_name": settings.SITE_NAME[language],
        "site_authority": settings.SITE_AUTHORITY[language],
        "site_urls": site_urls(language),
        "page_language": language,
        "html_lang": HTML_LANG[language],
        "other_language": {
            "code": other,
            "html_lang": HTML_LANG[other],
            "name": LANGUAGE_NAMES[other],
            "url": urls[other],
        },
        "alternates": [(HTML_LANG[code], origin + url) for code, url in urls.items()],
        "x_default": origin + urls["zh-hant"],
        "canonical": origin + urls[language],
        # A callable: the template asks for it only where the page has no plan of its own.
        "header_plan": current_plan,
    }
