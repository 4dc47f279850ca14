"""Progress pages: the strategy page's progress, roll-ups, the overview, agencies, the chart
coloured by progress and the Atom feeds; honest about nothing reported (the Kaohsiung plan
ships with no progress), drafts never shown, cold query budget constant in plan size."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from plan.models import PlanNode
from portal.pages.progress.overview import overview_query

from .factories import SLUG, P, add_sample_progress, cold_count, doubled, node, write_snapshot

LANGS = {"zh-hant": "", "en": "/en"}


NEW_PAGES = {
    "overview": f"{P}/progress/",
    "overview-filtered": f"{P}/progress/?vision=livable&status=in_progress&sort=percent",
    "agencies": f"{P}/agencies/",
    "agency": f"{P}/agencies/tbkc/",
    "chart-progress": f"{P}/chart/progress/",
    "plan-feed": f"{P}/progress/feed/",
    "strategy-feed": f"{P}/mrt-network/feed/",
    "agency-feed": f"{P}/agencies/tbkc/feed/",
}


PAGES_WITH_PROGRESS = {
    "home": "/",
    "plan": f"{P}/",
    "vision": f"{P}/livable/",
    "strategy": f"{P}/mrt-network/",
    "strategy-with-actions": f"{P}/social-housing/",
}


HTML_PAGES = {
    **PAGES_WITH_PROGRESS,
    **{k: v for k, v in NEW_PAGES.items() if "feed" not in k},
}


# Pages that exist when no agency is recorded (the Kaohsiung case).
EMPTY_PLAN_PAGES = {
    **PAGES_WITH_PROGRESS,
    "overview": f"{P}/progress/",
    "agencies": f"{P}/agencies/",
    "chart-progress": f"{P}/chart/progress/",
    "plan-feed": f"{P}/progress/feed/",
    "strategy-feed": f"{P}/mrt-network/feed/",
}


ZERO_PERCENT = re.compile(r"(?<![\d.])0(?:\.0)?\s?%")


def zh(msgid):
    """The Chinese pages' wording of a msgid (the English until the catalogue has it)."""
    with translation.override("zh-hant"):
        return gettext(msgid)


LIGHT_WORDS = (("Green", "on track"), ("Yellow", "slightly behind"), ("Red", "behind"))


def get_html(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", HTML_PAGES)
def test_pages_render_stateless_and_csp_clean(client, sample, lang, page):
    response = client.get(LANGS[lang] + HTML_PAGES[page])
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{"en" if lang == "en" else "zh-Hant"}">' in html
    assert not response.cookies and "Cookie" not in response.headers.get("Vary", "")
    assert "csrfmiddlewaretoken" not in html
    assert "<script" not in html and "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert "草稿" not in html and "DRAFT" not in html


def test_strategy_page_shows_agencies_status_bar_indicators_and_timeline(client, sample):
    html = get_html(client, f"{P}/mrt-network/")
    assert 'href="/kaohsiung-112-115/agencies/tbkc/">高雄市政府交通局</a>' in html
    assert 'href="/kaohsiung-112-115/agencies/udd/">高雄市政府都市發展局</a>' in html
    assert zh("In progress") in html and "55.5%" in html
    # The bar is an SVG with width attributes, and an expected-by-now marker with its words.
    assert 'class="bar-fill bar-' in html and 'width="55.5%"' in html
    assert 'class="bar-expected"' in html and 'class="expected-key"' in html
    # Expected = milestones due by today (1 of 2 until the end of 2026): a light with its words.
    assert re.search(r"light-(green|yellow|red)\"><span class=\"light-dot\"", html)
    assert any(zh(f"{c} light: {w}") in html for c, w in LIGHT_WORDS)
    assert html.count('class="light-formula"') == 1  # one sentence explains the formula
    # The indicator: chart with title and desc, table as its text alternative.
    assert '<svg class="indicator-chart"' in html and "<title id=" in html and "<desc id=" in html
    assert "捷運每日平均運量" in html and "172,000" in html and "200,000" in html
    assert '<a class="source-link" href="https://data.kcg.gov.tw/mrt">' in html
    assert "高市交運字第11400000003號" in html  # a document number is text, not a link
    assert 'href="高市' not in html
    # The timeline, newest first; a URL source is a link.
    assert html.index("捷運黃線土建工程進行中") < html.index("捷運黃線第一階段工程發包")
    assert '<a class="source-link" href="https://www.tbkc.gov.tw/progress/2025q1">' in html
    assert "完成綜合規劃" in html
    assert 'href="/kaohsiung-112-115/mrt-network/feed/"' in html


def test_action_items_show_their_progress_at_their_anchor_with_corrections(client, sample):
    html = get_html(client, f"{P}/social-housing/")
    build, rent = PlanNode.objects.get_children(node(sample, "social-housing"))
    first = html[html.index(f'<li id="{build.ref}">') : html.index(f'<li id="{rent.ref}">')]
    assert zh("Behind schedule") in first and "20%" in first and "用地取得延宕" in first
    assert "協調國有財產署" in first
    assert "原誤植之進度" in first  # the corrected revision, in the public history
    assert 'class="corrections"' in first and "corrected-update" in first
    second = html[html.index(f'<li id="{rent.ref}">') :]
    assert zh("Completed") in second and zh("Green light: on track") in second
    assert html.count('<li id="') == 2  # only the action items carry bare ids
    english = get_html(client, f"/en{P}/social-housing/")
    # The untranslated summary is shown in Chinese, marked as such.
    assert '<span lang="zh-Hant">租金補貼擴大辦理完成</span>' in english
    assert '<span lang="zh-Hant">高雄市政府社會局</span>' in english
    assert "Behind schedule" in english and "Completed" in english


def test_roll_ups_on_home_plan_and_vision_pages(client, sample):
    for path in ("/", f"{P}/"):
        html = get_html(client, path)
        assert zh("Progress of the whole plan") in html
        assert html.count('class="rollup"') == 5  # the goal and the four visions
    vision = get_html(client, f"{P}/livable/")
    assert zh("Progress") in vision and 'class="coverage"' in vision
    assert 'href="/kaohsiung-112-115/progress/?vision=livable"' in vision
    english = get_html(client, "/en/")
    # Coverage is counted in strategies, the unit citizens know, at every level.
    assert "of 28 strategies reported" in english


def test_overview_lists_every_strategy_and_action(client, sample, tree):
    html = get_html(client, f"{P}/progress/")
    items = [n for n in tree if n.kind in ("strategy", "action")]
    assert html.count('<tr class="row-') == len(items)
    assert "55.5%" in html and "高雄市政府交通局" in html
    assert "noindex" not in html
    english = get_html(client, f"/en{P}/progress/")
    assert "Progress overview" in english and "Not yet reported" in english


def rows(html):
    return re.findall(r'<tr class="row-\w+">\s*<td class="nowrap">([^<]*)</td>', html)


def test_overview_filters_and_sorting(client, sample):
    base = f"{P}/progress/"
    by_status = get_html(client, base + "?status=behind")
    # The action item behind schedule, and its strategy: its parts state "behind" together.
    assert [r.strip() for r in rows(by_status)] == ["二、(二)", "二、(二) 1."]
    assert "社會住宅用地" not in by_status  # names are short
    assert f'aria-current="true" class="current">{zh("Behind schedule")}' in by_status
    assert "noindex" in by_status
    by_light = get_html(client, base + "?light=none")
    assert "55.5%" not in by_light
    by_agency = get_html(client, base + "?agency=udd")
    assert len(rows(by_agency)) == 3  # supports mrt-network and rent, leads build
    by_vision = get_html(client, base + "?vision=livable")
    assert "二、" in rows(by_vision)[0] and all(r.startswith("二、") for r in rows(by_vision))
    percent_html = get_html(client, base + "?sort=percent")
    order = [percent_html.index(s) for s in ("20%", "55.5%", "100%")]
    assert order == sorted(order)
    assert 'aria-sort="ascending"><a href="/kaohsiung-112-115/progress/?sort=percent"' in (
        percent_html
    )
    date_html = get_html(client, base + "?sort=date")
    order = [date_html.index(s) for s in ("2025-12-31", "2025-03-31")]
    assert order == sorted(order)
    # Filter links keep the other parameters, in the canonical order.
    combined = get_html(client, base + "?sort=date&status=behind")
    assert 'href="/kaohsiung-112-115/progress/?status=behind&amp;light=red&amp;sort=date"' in (
        combined
    )
    # Unknown values lead to the unfiltered page (a made-up vision or agency by a redirect,
    # so that it is never a cached page of its own; see test_hostile).
    response = client.get(
        base + "?vision=nowhere&agency=nobody&status=x&light=blue&sort=y", follow=True
    )
    assert response.redirect_chain == [(base, 302)]
    junk = response.content.decode()
    assert len(rows(junk)) == len(rows(get_html(client, base)))


def test_overview_query_is_canonical():
    from django.http import QueryDict

    assert overview_query(QueryDict("sort=percent&light=red&vision=livable&utm_source=x")) == {
        "vision": "livable",
        "light": "red",
        "sort": "percent",
    }
    assert overview_query(QueryDict("sort=number&status=nope&light=blue")) == {}
    assert overview_query(QueryDict("status=none&agency=tbkc")) == {
        "agency": "tbkc",
        "status": "none",
    }


def test_overview_cache_keys_by_the_canonical_query(client, sample, django_assert_num_queries):
    base = f"{P}/progress/"
    first = client.get(base + "?status=in_progress&vision=livable")
    with django_assert_num_queries(1):  # the content version only: the same cache entry
        again = client.get(base + "?vision=livable&utm_source=x&status=in_progress")
    assert again.content == first.content
    with django_assert_num_queries(1):
        client.get(base + "?status=in_progress&vision=livable&status=in_progress")


def test_agencies_and_agency_pages(client, sample):
    html = get_html(client, f"{P}/agencies/")
    for name in ("高雄市政府交通局", "高雄市政府都市發展局", "高雄市政府社會局"):
        assert name in html
    agency = get_html(client, f"{P}/agencies/udd/")
    assert zh("Leads") in agency and zh("Supports") in agency
    assert zh("Behind schedule") in agency and zh("Completed") in agency
    assert 'href="/kaohsiung-112-115/agencies/udd/feed/"' in agency
    english = get_html(client, f"/en{P}/agencies/tbkc/")
    assert "Transportation Bureau" in english and "https://www.tbkc.gov.tw/" in english
    assert client.get(f"{P}/agencies/nobody/").status_code == 404


def test_chart_coloured_by_progress(client, sample):
    chart = get_html(client, f"{P}/chart/")
    assert 'href="/kaohsiung-112-115/chart/progress/"' in chart
    html = get_html(client, f"{P}/chart/progress/")
    assert "chart-light-" in html and "55.5%" in html
    # The legend names every light in words.
    for colour, words in LIGHT_WORDS:
        assert zh(f"{colour} light: {words}") in html
    assert zh("Not yet reported") in html
    english = get_html(client, f"/en{P}/chart/progress/")
    assert "Green light: on track" in english and "Red light: behind" in english


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_reported_says_so_and_never_shows_zero_percent(client, plan, lang):
    words = "Not yet reported" if lang == "en" else zh("Not yet reported")
    for name, path in EMPTY_PLAN_PAGES.items():
        response = client.get(LANGS[lang] + path)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert not ZERO_PERCENT.search(html), (name, ZERO_PERCENT.search(html))
        assert 'class="bar-fill' not in html, name
        if "feed" not in name and name != "agencies":
            assert words in html, name
    agencies = get_html(client, LANGS[lang] + f"{P}/agencies/")
    assert 'class="note empty-state"' in agencies
    assert client.get(LANGS[lang] + f"{P}/agencies/tbkc/").status_code == 404


def test_a_published_update_is_visible_at_the_next_request_everywhere(client, sample):
    from progress.models import ProgressUpdate

    paths = [
        f"{P}/mrt-network/",
        f"{P}/livable/",
        f"{P}/progress/",
        f"{P}/agencies/tbkc/",
        f"{P}/progress/feed/",
        f"{P}/mrt-network/feed/",
        f"{P}/agencies/tbkc/feed/",
    ]
    for path in paths:  # cached now
        assert "70.5" not in client.get(path).content.decode()
    update = ProgressUpdate.objects.create(
        state="draft",
        node=node(sample, "mrt-network"),
        date=date(2026, 6, 30),
        status="in_progress",
        percent=Decimal("70.5"),
        summary_zh_hant="捷運黃線機電工程展開",
        summary_en="Electrical works begin",
        source="https://www.tbkc.gov.tw/progress/2026q2",
    )
    for path in paths:
        assert "70.5" not in client.get(path).content.decode(), path
    update.state = "published"
    update.save()
    for path in paths:
        html = client.get(path).content.decode()
        assert "70.5" in html or "捷運黃線機電工程展開" in html, path


def test_sitemap_lists_the_progress_pages(client, sample):
    xml = client.get("/sitemap.xml").content.decode()
    for path in ("progress/", "agencies/", "agencies/tbkc/", "agencies/swd/", "chart/progress/"):
        assert f"http://testserver{P}/{path}</loc>" in xml, path
        assert f"http://testserver/en{P}/{path}</loc>" in xml, path


@pytest.mark.snapshot
@pytest.mark.django_db(transaction=True)
def test_snapshot_writes_the_overview_and_agency_pages(without_plan, tmp_path, plan_file_data):
    from plan.exchange import create_plan

    add_sample_progress(create_plan(plan_file_data))
    out = tmp_path / "site"
    write_snapshot(out)
    for prefix in ("", "en/"):
        for page in ("progress", "agencies", "agencies/tbkc", "agencies/swd", "chart/progress"):
            assert (out / prefix / SLUG / page / "index.html").is_file(), prefix + page
        assert (out / prefix / SLUG / "progress" / "feed" / "index.xml").is_file()
    overview = (out / SLUG / "progress" / "index.html").read_text("utf-8")
    # Filter and sort links are online-only: in the archive they open the unfiltered page.
    assert not [link for link in re.findall(r'href="([^"]*)"', overview) if "?" in link]


BUDGET = 6


MEASURED = {**HTML_PAGES, **NEW_PAGES}


def measure(client):
    # The connection's one-time feature checks are not a page's cost (a page not measured).
    client.get(f"{P}/progress/?sort=date")
    return {
        (lang, name): cold_count(client, LANGS[lang] + path)
        for lang in LANGS
        for name, path in MEASURED.items()
    }


@pytest.mark.django_db
def test_cold_query_budget_constant_in_plan_size(without_plan, client, plan_file_data):
    from plan.exchange import create_plan
    from plan.models import Plan

    add_sample_progress(create_plan(plan_file_data))
    normal = measure(client)
    over = {key: count for key, count in normal.items() if count > BUDGET}
    assert not over, f"over {BUDGET} queries cold: {over}\nall: {normal}"
    sitemap = cold_count(client, "/sitemap.xml")
    assert sitemap <= BUDGET

    from progress.models import Agency, ProgressUpdate

    ProgressUpdate.objects.exclude(supersedes=None).delete()  # corrections protect the old
    ProgressUpdate.objects.all().delete()
    Plan.objects.all().delete()
    Agency.objects.all().delete()
    add_sample_progress(create_plan(doubled(plan_file_data)))
    big = measure(client)
    assert big == normal
    assert cold_count(client, "/sitemap.xml") == sitemap


@pytest.mark.parametrize("lang", LANGS)
def test_steady_state_with_the_page_cache_off_costs_at_most_two_queries(
    client, sample, lang, settings, django_assert_max_num_queries
):
    """Issue 12's budget: with the page cache off, a progress page in steady state reads the
    content version and nothing else it already keeps (plans, tree, bundle, roll-up)."""
    settings.PAGE_CACHE_SECONDS = 0
    for path in HTML_PAGES.values():
        url = LANGS[lang] + path
        client.get(url)  # the process now keeps what this content version needs
        with django_assert_max_num_queries(2):
            response = client.get(url)
        assert response.status_code == 200 and response.templates, url
