"""The context every page's template gets (`site`): the page's language and reading, its
twins in the other readings, its canonical and alternate addresses, the site-wide links;
and the helpers for them that pages share (the language switch, twin paths)."""

from functools import cache

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

from .published import page_language, page_reading, published_plans

# Each reading's name in itself (the switch names the other readings so). A Simplified page
# keeps "繁體中文" as it is (portal.serving.simplified.VERBATIM).
LANGUAGE_NAMES = {"zh-hant": "繁體中文", "zh-hans": "简体中文", "en": "English"}
HTML_LANG = {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans", "en": "en"}
OG_LOCALE = {"zh-hant": "zh_TW", "zh-hans": "zh_CN", "en": "en_US"}
# Where each reading lives: Chinese unprefixed, the others under their prefix.
# The picture link previews show (1200 × 630, the size Facebook and LINE crop to).
SHARE_IMAGE = {"path": "portal/share.png", "width": 1200, "height": 630}
PREFIXES = {"zh-hant": "", "en": "/en", "zh-hans": "/zh-hans"}


@cache
def site_urls(language):
    """The site-wide links of every page's header and footer, reversed once per language."""
    with translation.override(language):
        return {name.replace("-", "_"): reverse(f"portal:{name}") for name in SITE_PAGES}


SITE_PAGES = ("home", "site-map", "search", "open-data", "changes", "changes-feed", "glossary")


def switch_links(urls, shown):
    """The language switch: a link to each other reading of the page ({code: url} given)."""
    return [
        {
            "code": code,
            "html_lang": HTML_LANG[code],
            "name": LANGUAGE_NAMES[code],
            "url": urls[code],
        }
        for code in PREFIXES
        if code != shown
    ]


def twin_paths(path, language):
    """The same page's path in each reading. Every public page lives under i18n_patterns
    with Chinese unprefixed and the others under their prefix, so this is string work, not
    the resolve and reverse that translate_url would do on every request."""
    prefix = PREFIXES[language]
    chinese = path[len(prefix) :] if prefix and path.startswith(prefix + "/") else path
    return {code: prefix + chinese for code, prefix in PREFIXES.items()}


def current_plan():
    """The plan the header's menu links to on pages about no plan (recent changes, the site
    map, 404): the current one, the first of the published plans. Those are kept per content
    version (portal.published), so this costs no query on a page that already read them."""
    plans = published_plans()
    return plans[0] if plans else None


def site(request):
    """The page's language, its twin in the other language, and its canonical URL.

    The language switch is a plain link to the same page in the other language: no form, no
    cookie, so the page stays the same for everybody.
    """
    language = page_language()
    shown = page_reading()
    urls = twin_paths(request.path, shown)
    try:
        origin = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        origin = ""  # the 400 page for a request with a host name not ours
    return {
        "site_name": settings.SITE_NAME[language],
        "site_authority": settings.SITE_AUTHORITY[language],
        "site_urls": site_urls(shown),
        "page_language": language,
        "reading": shown,
        "html_lang": HTML_LANG[shown],
        "og_locale": OG_LOCALE[shown],
        "og_locale_alternates": [OG_LOCALE[code] for code in PREFIXES if code != shown],
        "other_languages": switch_links(urls, shown),
        "alternates": [(HTML_LANG[code], origin + url) for code, url in urls.items()],
        "x_default": origin + urls["zh-hant"],
        "canonical": origin + urls[shown],
        # Link previews (LINE, Facebook, X): one static picture, by absolute address.
        "share_image": {
            "url": origin + static(SHARE_IMAGE["path"]),
            "width": SHARE_IMAGE["width"],
            "height": SHARE_IMAGE["height"],
        },
        # A callable: the template asks for it only where the page has no plan of its own.
        "header_plan": current_plan,
    }
