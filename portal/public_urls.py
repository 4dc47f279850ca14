from django.urls import path

from . import chart_views, history_views, opendata_views, search_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("site-map/", views.site_map, name="site-map"),
    path("search/", search_views.search, name="search"),
    path("open-data/", opendata_views.open_data, name="open-data"),
    path("changes/", history_views.changes, name="changes"),
    path("changes/feed/", history_views.ChangesFeed(), name="changes-feed"),
    path("<slug:plan_slug>/", views.plan_home, name="plan"),
    path("<slug:plan_slug>/full-text/", views.full_text, name="full-text"),
    path("<slug:plan_slug>/chart/", chart_views.chart, name="chart"),
    path("<slug:plan_slug>/chart.svg", chart_views.chart_svg, name="chart-svg"),
    path("<slug:plan_slug>/preamble/", views.section, {"section": "preamble"}, name="preamble"),
    path("<slug:plan_slug>/closing/", views.section, {"section": "closing"}, name="closing"),
    path("<slug:plan_slug>/<slug:ref>/", views.node, name="node"),
    path("<slug:plan_slug>/<slug:ref>/history/", history_views.node_history, name="history"),
]
