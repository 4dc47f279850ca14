from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

LANGUAGE_NAMES = {"zh-hant": "中文", "en": "English"}
HTML_LANG = {"zh-hant": "zh-Hant", "en": "en"}


def site(request):
    """The page's language, its twin in the other language, and its canonical URL.

    The language switch is a plain link to the same page in the other language: no form, no
    cookie, so the page stays the same for everybody.
    """
    language = "en" if (get_language() or "").startswith("en") else "zh-hant"
    other = "zh-hant" if language == "en" else "en"
    urls = {code: translate_url(request.path, code) for code in ("zh-hant", "en")}
    return {
        "site_name": settings.SITE_NAME[language],
        "site_authority": settings.SITE_AUTHORITY[language],
        "page_language": language,
        "html_lang": HTML_LANG[language],
        "other_language": {
            "code": other,
            "html_lang": HTML_LANG[other],
            "name": LANGUAGE_NAMES[other],
            "url": urls[other],
        },
        "alternates": [
            (HTML_LANG[code], request.build_absolute_uri(url)) for code, url in urls.items()
        ],
        "x_default": request.build_absolute_uri(urls["zh-hant"]),
        "canonical": request.build_absolute_uri(urls[language]),
    }
