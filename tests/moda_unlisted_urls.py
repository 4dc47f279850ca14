"""The site's routes, with /sitemap.xml listing the pages the site's sitemap does not (searches,
filtered overviews) in each reading, for one MODA scan of them all
(tests/markup_and_accessibility/test_moda_scan.py; tests/moda_sample_urls.py lists them)."""

from django.urls import path

from portal.urls import urlpatterns as site_urlpatterns

from .moda_sample_urls import sitemap_of, unlisted_paths

urlpatterns = [path("sitemap.xml", sitemap_of(unlisted_paths)), *site_urlpatterns]
