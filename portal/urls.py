"""The site's addresses outside the language prefixes (the admin, robots.txt, the sitemap,
the open data downloads), then every public page under them (portal.public_urls)."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from .pages import plan as plan_pages
from .pages.common import public
from .pages.opendata import downloads
from .pages.opendata import views as opendata
from .pages.sitemaps import SITEMAPS
from .serving.page_cache import page_query

urlpatterns = [
    path(
        f"{settings.ADMIN_URL}preview/<slug:plan_slug>/<slug:ref>/",
        plan_pages.staff_preview,
        name="staff-preview",
    ),
    # Staff sign-in: the second factor, the idle warning's session status, password reset
    # by e-mail (staff app), before the admin's own URLs.
    path(settings.ADMIN_URL, include("staff.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("robots.txt", public(plan_pages.robots_txt), name="robots"),
    path("favicon.ico", public(plan_pages.favicon), name="favicon"),
    # The sitemap reads one parameter, its page number (p).
    path("sitemap.xml", page_query("p")(public(sitemap)), {"sitemaps": SITEMAPS}, name="sitemap"),
    # Open data: the same in every language, so outside the language prefixes.
    path("data/plans.json", public(opendata.plans_json), name="data-plans"),
    path("data/catalog.json", public(opendata.catalog_json), name="data-catalog"),
    path("data/<slug:plan_slug>.json", public(opendata.plan_json), name="data-plan-json"),
    path("data/<slug:plan_slug>.csv", public(opendata.plan_csv), name="data-plan-csv"),
    path("data/<slug:plan_slug>.ods", public(opendata.plan_ods), name="data-plan-ods"),
    # What changed between two days (?from=…&to=…; docs/compare.md).
    path(
        "data/<slug:plan_slug>/compare.json",
        public(opendata.compare_json),
        name="data-compare-json",
    ),
    # The plan's published progress, as spreadsheets (docs/progress-csv.md).
    *(
        path(
            f"data/<slug:plan_slug>/{kind}.csv",
            public(getattr(downloads, f"{kind}_csv")),
            name=f"data-progress-{kind}",
        )
        for kind in ("agencies", "responsibilities", "indicators", "updates")
    ),
    # Each one's ODS twin (ODF, as government downloads are asked to be).
    *(
        path(
            f"data/<slug:plan_slug>/{kind}.ods",
            public(getattr(downloads, f"{kind}_ods")),
            name=f"data-progress-{kind}-ods",
        )
        for kind in ("agencies", "responsibilities", "indicators", "updates")
    ),
    # A reporting period's report as CSV and ODS (docs/progress-csv.md, "periods").
    path(
        "data/<slug:plan_slug>/periods/<slug:period>.csv",
        public(downloads.period_csv),
        name="data-period-csv",
    ),
    path(
        "data/<slug:plan_slug>/periods/<slug:period>.ods",
        public(downloads.period_ods),
        name="data-period-ods",
    ),
]
# Chinese (the default) without a prefix, English under /en/; the language comes from the
# URL alone, so a page's address says everything about its content.
urlpatterns += i18n_patterns(
    path("", include("portal.public_urls")),
    prefix_default_language=False,
)

handler400 = "portal.pages.common.bad_request"
handler404 = "portal.pages.common.page_not_found"
