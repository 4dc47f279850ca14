"""The site's routes, with /sitemap.xml answering a sample of them for the MODA scan: every
public page type in Traditional Chinese and English, five in Simplified (SIMPLIFIED), and in
the default reading every vision and the first strategy of each
(tests/markup_and_accessibility/test_moda_scan.py; the whole sitemap takes 3–4 minutes, the
sample under one, and `docs/accessibility.md` says how to scan it all by hand). The strategies are one template filled with the official text; every strategy
passed in every earlier run, and the scan of all 28 cost CI about 25 s of CPU."""

from django.http import HttpResponse
from django.urls import path
from django.utils.html import escape

from portal.urls import urlpatterns as site_urlpatterns

from .factories import LOCALISED, P

READINGS = ("", "/en", "/zh-hans")
# Pages that are not HTML (the chart's SVG, the feed) are not for an HTML scanner.
TYPES = [url for name, url in LOCALISED.items() if name not in ("chart-svg", "feed")] + [
    f"{P}/progress/",
    f"{P}/agencies/",
    f"{P}/progress/115q3/",  # a reporting period's report (reporting not started)
]


# The Simplified reading is the Traditional page converted character by character as it
# leaves (portal/serving/simplified.py): the same markup, its own lang attribute. The scan
# reads it on these types (the home page, a strategy, the glossary, a search, the progress
# overview); axe reads every knowledge page type in it (tests/test_knowledge_browser.py).
SIMPLIFIED = ["/", f"{P}/mrt-network/", "/glossary/", "/search/?q=捷運", f"{P}/progress/"]


def sample_paths():
    from plan.models import PlanNode

    paths = [reading + url for reading in ("", "/en") for url in dict.fromkeys(TYPES)]
    paths += ["/zh-hans" + url for url in SIMPLIFIED]
    for vision in PlanNode.objects.filter(kind="vision").order_by("path"):
        paths.append(f"{P}/{vision.ref}/")
        paths.append(f"{P}/{PlanNode.objects.get_children(vision).first().ref}/")
    return list(dict.fromkeys(paths))


# Page types the sitemap does not list (they depend on a query), in each reading: scanned in
# one run of their own through tests/moda_unlisted_urls.py.
UNLISTED = [
    "/search/?q=%E6%8D%B7%E9%81%8B+%E5%A4%AA%E7%A9%BA%E9%9B%BB%E6%A2%AF",  # 捷運 太空電梯: partial
    "/search/?q=%E4%BA%A4%E9%80%9A",  # 交通: a topic's page named above the results
    "/search/?q=fishing+port",  # synonyms
    f"{P}/progress/?topic=transport",
    f"{P}/progress/?sdg=11",
]


def unlisted_paths():
    return [reading + url for reading in READINGS for url in UNLISTED]


def sitemap_of(paths):
    """A /sitemap.xml view listing `paths()`: the scanner reads its pages from there."""

    def sitemap(request):
        urls = "".join(
            f"<url><loc>{escape(request.build_absolute_uri(p))}</loc></url>" for p in paths()
        )
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        )
        return HttpResponse(xml, content_type="application/xml")

    return sitemap


urlpatterns = [path("sitemap.xml", sitemap_of(sample_paths)), *site_urlpatterns]
