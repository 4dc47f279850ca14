"""Every public page, under the language prefixes (Chinese unprefixed, /en/, /zh-hans/):
the site's pages, then each plan's, the catch-all for visions and strategies last. Each
route names its view module by subject (portal/pages/)."""

from django.urls import path, register_converter

from .pages import dated, documents, history, knowledge
from .pages import plan as plan_pages
from .pages.chart import views as chart
from .pages.common import public
from .pages.opendata import views as opendata
from .pages.progress import feeds as progress_feeds
from .pages.progress import views as progress
from .pages.search import views as search

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
    path("", public(plan_pages.home), name="home"),
    path("site-map/", public(plan_pages.site_map), name="site-map"),
    path("search/", public(search.search), name="search"),
    path("open-data/", public(opendata.open_data), name="open-data"),
    path("changes/", public(history.changes), name="changes"),
    path("changes/feed/", public(history.ChangesFeed()), name="changes-feed"),
    path("glossary/", public(knowledge.glossary), name="glossary"),
    path("<slug:plan_slug>/", public(plan_pages.plan_home), name="plan"),
    path("<slug:plan_slug>/full-text/", public(plan_pages.full_text), name="full-text"),
    # The full text as documents to print (PDF) and to edit (ODT).
    path("<slug:plan_slug>/full-text.pdf", public(documents.full_text_pdf), name="full-text-pdf"),
    path("<slug:plan_slug>/full-text.odt", public(documents.full_text_odt), name="full-text-odt"),
    path("<slug:plan_slug>/chart/", public(chart.chart), name="chart"),
    path("<slug:plan_slug>/chart.svg", public(chart.chart_svg), name="chart-svg"),
    path(
        "<slug:plan_slug>/preamble/",
        public(plan_pages.section),
        {"section": "preamble"},
        name="preamble",
    ),
    path(
        "<slug:plan_slug>/closing/",
        public(plan_pages.section),
        {"section": "closing"},
        name="closing",
    ),
    # Progress: the overview, the period reports, the agencies, the chart coloured by
    # progress, the feeds.
    path("<slug:plan_slug>/progress/", public(progress.overview), name="progress"),
    path(
        "<slug:plan_slug>/progress/feed/",
        public(progress_feeds.UpdatesFeed()),
        name="progress-feed",
    ),
    # A reporting period's report (115q3, 115h2: progress.periods; after the feed, whose
    # name is no period's).
    path(
        "<slug:plan_slug>/progress/<slug:period>/",
        public(progress.period_report),
        name="period-report",
    ),
    # The report as documents (115q3.pdf: a slug has no dot, so no page's address).
    path(
        "<slug:plan_slug>/progress/<slug:period>.pdf",
        public(documents.period_report_pdf),
        name="period-report-pdf",
    ),
    path(
        "<slug:plan_slug>/progress/<slug:period>.odt",
        public(documents.period_report_odt),
        name="period-report-odt",
    ),
    path("<slug:plan_slug>/agencies/", public(progress.agencies), name="agencies"),
    path("<slug:plan_slug>/agencies/<slug:code>/", public(progress.agency), name="agency"),
    path(
        "<slug:plan_slug>/agencies/<slug:code>/feed/",
        public(progress_feeds.AgencyUpdatesFeed()),
        name="agency-feed",
    ),
    path(
        "<slug:plan_slug>/chart/progress/",
        public(chart.chart_progress),
        name="chart-progress",
    ),
    # Topics and Sustainable Development Goals: the plan's items across its visions.
    path("<slug:plan_slug>/topics/", public(knowledge.topics), name="topics"),
    path("<slug:plan_slug>/topics/<slug:slug>/", public(knowledge.topic), name="topic"),
    path("<slug:plan_slug>/sdgs/<goal:number>/", public(knowledge.goal), name="sdg"),
    # A strategy's updates. (/<ref>/updates/feed/ would need "updates" in RESERVED_NAMES.)
    path(
        "<slug:plan_slug>/<slug:ref>/feed/",
        public(progress_feeds.StrategyUpdatesFeed()),
        name="strategy-feed",
    ),
    # The plan as published on a past day, and what changed between two days
    # (portal.pages.dated): "as-of" and "compare" are reserved names.
    path("<slug:plan_slug>/as-of/<str:day>/", public(dated.as_of_home), name="as-of"),
    path(
        "<slug:plan_slug>/as-of/<str:day>/full-text/",
        public(dated.as_of_full_text),
        name="as-of-full-text",
    ),
    path(
        "<slug:plan_slug>/as-of/<str:day>/<slug:ref>/", public(dated.as_of_node), name="as-of-node"
    ),
    path(
        "<slug:plan_slug>/as-of/<str:day>/<slug:ref>/history/",
        public(dated.as_of_history),
        name="as-of-history",
    ),
    path("<slug:plan_slug>/compare/", public(dated.compare), name="compare"),
    # The catch-all for visions and strategies: after every named page under a plan.
    path("<slug:plan_slug>/<slug:ref>/", public(plan_pages.node), name="node"),
    path("<slug:plan_slug>/<slug:ref>/history/", public(history.node_history), name="history"),
]
