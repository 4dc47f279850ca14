from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from progress import upload

from . import opendata_views, progress_data, views
from .page_cache import page_query
from .sitemaps import SITEMAPS
from .views import public

urlpatterns = [
    path(
        f"{settings.ADMIN_URL}preview/<slug:plan_slug>/<slug:ref>/",
        views.staff_preview,
        name="staff-preview",
    ),
    # Before the admin's own URLs, which would take progress/… as the progress app's pages.
    path(f"{settings.ADMIN_URL}progress/import/", upload.import_view, name="progress-import"),
    # Staff sign-in: the second factor, the idle warning's session status, password reset
    # by e-mail (staff app), before the admin's own URLs.
    path(settings.ADMIN_URL, include("staff.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("robots.txt", public(views.robots_txt), name="robots"),
    path("favicon.ico", public(views.favicon), name="favicon"),
    # The sitemap reads one parameter, its page number (p).
    path("sitemap.xml", page_query("p")(public(sitemap)), {"sitemaps": SITEMAPS}, name="sitemap"),
    # Open data: the same in every language, so outside the language prefixes.
    path("data/plans.json", public(opendata_views.plans_json), name="data-plans"),
    path("data/catalog.json", public(opendata_views.catalog_json), name="data-catalog"),
    path("data/<slug:plan_slug>.json", public(opendata_views.plan_json), name="data-plan-json"),
    path("data/<slug:plan_slug>.csv", public(opendata_views.plan_csv), name="data-plan-csv"),
    # The plan's published progress, as spreadsheets (docs/progress-csv.md).
    *(
        path(
            f"data/<slug:plan_slug>/{kind}.csv",
            public(getattr(progress_data, f"{kind}_csv")),
            name=f"data-progress-{kind}",
        )
        for kind in ("agencies", "responsibilities", "indicators", "updates")
    ),
]
# Chinese (the default) without a prefix, English under /en/; the language comes from the
# URL alone, so a page's address says everything about its content.
urlpatterns += i18n_patterns(
    path("", include("portal.public_urls")),
    prefix_default_language=False,
)

handler400 = "portal.views.bad_request"
handler404 = "portal.views.page_not_found"
