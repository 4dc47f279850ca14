from django.urls import path, register_converter

from . import (
    chart_views,
    history_views,
    knowledge_views,
    opendata_views,
    progress_feeds,
    progress_views,
    search_views,
    views,
)
from .views import public

app_name = "portal"


class GoalNumber:
    """1 to 99 without leading zeros: /sdgs/01/ is not a second address of /sdgs/1/."""

    regex = "[1-9][0-9]?"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(GoalNumber, "goal")

urlpatterns = [
    path("", public(views.home), name="home"),
    path("site-map/", public(views.site_map), name="site-map"),
    path("search/", public(search_views.search), name="search"),
    path("open-data/", public(opendata_views.open_data), name="open-data"),
    path("changes/", public(history_views.changes), name="changes"),
    path("changes/feed/", public(history_views.ChangesFeed()), name="changes-feed"),
    path("glossary/", public(knowledge_views.glossary), name="glossary"),
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
    # Progress: the overview, the agencies, the chart coloured by progress, the feeds.
    path("<slug:plan_slug>/progress/", public(progress_views.overview), name="progress"),
    path(
        "<slug:plan_slug>/progress/feed/",
        public(progress_feeds.UpdatesFeed()),
        name="progress-feed",
    ),
    path("<slug:plan_slug>/agencies/", public(progress_views.agencies), name="agencies"),
    path("<slug:plan_slug>/agencies/<slug:code>/", public(progress_views.agency), name="agency"),
    path(
        "<slug:plan_slug>/agencies/<slug:code>/feed/",
        public(progress_feeds.AgencyUpdatesFeed()),
        name="agency-feed",
    ),
    path(
        "<slug:plan_slug>/chart/progress/",
        public(progress_views.chart_progress),
        name="chart-progress",
    ),
    # Topics and Sustainable Development Goals: the plan's items across its visions.
    path("<slug:plan_slug>/topics/", public(knowledge_views.topics), name="topics"),
    path("<slug:plan_slug>/topics/<slug:slug>/", public(knowledge_views.topic), name="topic"),
    path("<slug:plan_slug>/sdgs/<goal:number>/", public(knowledge_views.goal), name="sdg"),
    # A strategy's updates. (/<ref>/updates/feed/ would need "updates" in RESERVED_NAMES.)
    path(
        "<slug:plan_slug>/<slug:ref>/feed/",
        public(progress_feeds.StrategyUpdatesFeed()),
        name="strategy-feed",
    ),
    # The catch-all for visions and strategies: after every named page under a plan.
    path("<slug:plan_slug>/<slug:ref>/", public(views.node), name="node"),
    path(
        "<slug:plan_slug>/<slug:ref>/history/", public(history_views.node_history), name="history"
    ),
]
