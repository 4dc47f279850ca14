from django.urls import path

from . import chart_views, history_views, opendata_views, search_views, views
from .views import public

app_name = "portal"

urlpatterns = [
    path("", public(views.home), name="home"),
    path("site-map/", public(views.site_map), name="site-map"),
    path("search/", public(search_views.search), name="search"),
    path("open-data/", public(opendata_views.open_data), name="open-data"),
    path("changes/", public(history_views.changes), name="changes"),
    path("changes/feed/", public(history_views.ChangesFeed()), name="changes-feed"),
    path("<slug:plan_slug>/", public(views.plan_home), name="plan"),
    path("<slug:plan_slug>/full-text/", public(views.full_text), name="full-text"),
    path("<slug:plan_slug>/chart/", public(chart_views.chart), name="chart"),
    path("<slug:plan_slug>/chart.svg", public(chart_views.chart_svg), name="chart-svg"),
    path(
        "<slug:plan_slug>/preamble/",
        public(views.section),
        {"section": "preamble"},
        name="preamble",
    ),
    path(
        "<slug:plan_slug>/closing/", public(views.section), {"section": "closing"}, name="closing"
    ),
    path("<slug:plan_slug>/<slug:ref>/", public(views.node), name="node"),
    path(
        "<slug:plan_slug>/<slug:ref>/history/", public(history_views.node_history), name="history"
    ),
]
