"""The portal's plan pages as served: home, plan home, visions, strategies, full text,
sections, headers, escaping, punctuation and addresses. Over 400 lines, one feature: the
pages citizens read."""

import copy
import gzip
import html as html_module
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
import reversion
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from plan.exchange import create_plan
from plan.history import record_loaded
from plan.models import Plan, PlanNode
from portal.serving.caching import clear_process_caches

from .factories import LANGS, LOCALISED, PAGES, SLUG, P

HTML_LANG = {"zh-hant": "zh-Hant", "en": "en", "zh-hans": "zh-Hans"}


def text_of(html):
    """A page's text, its markup removed: glossary terms are links inside the official text
    (markup only), and the text must read the same without them."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def url(lang, path):
    return LANGS[lang] + path


@pytest.fixture
def get(client, plan):
    def fetch(path, **kwargs):
        return client.get(path, **kwargs)

    return fetch


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages_within_the_query_budget(
    get, page, lang, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = get(url(lang, PAGES[page]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{HTML_LANG[lang]}">' in html
    assert html.count('class="skip-link"') == 1
    for key in "UCZ":
        assert f'accesskey="{key}"' in html
    assert 'accesskey="S"' in html


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_public_pages_are_stateless_and_csp_clean(get, page, lang):
    response = get(url(lang, PAGES[page]))
    html = response.content.decode()
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "csrfmiddlewaretoken" not in html
    assert "<script" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    # Nothing is loaded from another site: every src and stylesheet is local.
    for ref in re.findall(r'(?:src|href)="(https?:)?//([^"/]+)', html):
        assert ref[1] == "testserver", ref


def test_home_shows_the_plan_at_a_glance(get, tree):
    html = get("/").content.decode()
    assert "高雄市政府112至115年度中程施政計畫" in html
    assert "民國112–115年（2023–2026）" in html
    assert "公平城市、社會共好" in html
    for vision in tree.visions:
        assert vision.title_zh_hant in html
        for strategy in vision.children:
            assert f'href="{P}/{strategy.ref}/"' in html
    assert f'href="{P}/chart/"' in html
    assert f'href="{P}/full-text/"' in html
    assert f'href="{P}/preamble/"' in html and f'href="{P}/closing/"' in html
    assert 'role="search"' in html


def test_english_home(get):
    html = get("/en/").content.decode()
    assert "ROC years 112–115 (2023–2026)" in html
    assert "A Fair City, a Society That Thrives Together" in html
    assert html.count("The English text is a reference translation") == 1


def test_chinese_pages_carry_no_translation_note(get):
    assert "reference translation. The Traditional" not in get("/").content.decode()


def test_vision_page_lists_its_strategies_in_order(get, tree):
    livable = tree.visions[1]
    html = text_of(get(f"{P}/livable/").content.decode())
    assert "二、" in html and "宜居高雄" in html
    positions = [html.index(s.title_zh_hant) for s in livable.children]
    assert positions == sorted(positions)
    assert "攜手中央合力規劃興辦社會住宅" in html  # an action item's text
    assert f'href="{P}/mrt-network/"' in get(f"{P}/livable/").content.decode()


def test_strategy_page(get):
    html = get(f"{P}/mrt-network/").content.decode()
    assert "健全大眾運輸捷運路網" in html
    assert "二、宜居高雄</a> › (六)" in html
    assert "建構綠色運具低碳城市" in html
    assert f'href="{P}/livable/"' in html  # breadcrumb
    assert 'rel="prev"' in html and "擴展銀髮就業服務量能" in html
    assert 'rel="next"' in html and "整合高屏南運輸生活圈" in html
    assert f"http://testserver{P}/mrt-network/" in html  # permanent link
    # The official text as loaded has no "last changed" date (see test_trust).
    assert "與官方原文相同" in html and "異動紀錄" in html
    assert "架構圖將此策略印為" not in html


def test_strategy_page_with_action_items(get):
    html = get(f"/en{P}/social-housing/").content.decode()
    assert html.count('<li id="') == 2
    assert '<span class="number">1.</span>' in html and '<span class="number">2.</span>' in html


def test_strategy_page_says_where_the_chart_prints_it_differently(get):
    html = get(f"{P}/traditional-industry-upgrade/").content.decode()
    assert "力促傳統產業高值轉型" in html
    assert "架構圖將此策略印為「力促傳統產業高階轉型」" in html
    html = get(f"/en{P}/traditional-industry-upgrade/").content.decode()
    assert "Framework Chart prints this strategy as" in html


def test_the_chart_has_one_english_name_everywhere(get):
    """Issue 13: the interface said "Architecture chart" where the content and the SVG say
    "Framework Chart"."""
    for path in ("/en/", f"/en{P}/", f"/en{P}/chart/", "/en/site-map/", f"/en{P}/mrt-network/"):
        html = get(path).content.decode()
        assert "rchitecture chart" not in html and "rchitecture Chart" not in html, path
        assert "Framework Chart" in html, path


def test_previous_and_next_cross_vision_boundaries(get, tree):
    last_tech = tree.visions[0].children[-1]
    html = get(f"{P}/{last_tech.ref}/").content.decode()
    assert f'href="{P}/{tree.visions[1].children[0].ref}/" rel="next"' in html
    first = get(f"{P}/{tree.strategies[0].ref}/").content.decode()
    assert 'rel="prev"' not in first


def test_full_text_follows_the_document(get, tree):
    html = text_of(get(f"{P}/full-text/").content.decode())
    headings = [
        "壹、施政目標",
        "貳、施政願景與推動策略",
        "一、科技高雄",
        "(一) ",
        "參、未來施政藍圖與結語",
    ]
    assert all(h in html for h in headings)
    # After the table of contents, every text appears in document order between 壹 and 參.
    at = html.index("帶領高雄轉型")
    for node in tree:
        if node.depth > 1:
            at = html.index(node.body_zh_hant or node.title_zh_hant, at + 1)
    assert at < html.index("高雄是一個自由")


def test_opening_and_closing_sections(get):
    assert "帶領高雄轉型，是我們持續堅持的信念" in get(f"{P}/preamble/").content.decode()
    html = get(f"/en{P}/closing/").content.decode()
    assert "Future Policy Blueprint and Conclusion" in html


def test_site_map_explains_access_keys_and_lists_pages(get, tree):
    html = get("/site-map/").content.decode()
    for key in ("Alt + U", "Alt + C", "Alt + Z", "Alt + S"):
        assert key in html
    for strategy in tree.strategies:
        assert f'href="{P}/{strategy.ref}/"' in html


@pytest.mark.parametrize(
    "path", [f"{P}/no-such-strategy/", "/no-such-plan/", f"/en{P}/nope/", "/a/b/c/d/"]
)
def test_unknown_addresses_get_the_sites_404(get, path):
    response = get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="skip-link"' in html
    assert ("Page not found" in html) if path.startswith("/en/") else ("找不到網頁" in html)


def test_500_page_uses_the_site_design(client, plan, monkeypatch):
    from portal.pages import common as views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "linked_tree", broken)
    client.raise_request_exception = False
    response = client.get(f"{P}/full-text/")
    assert response.status_code == 500
    assert "系統發生錯誤" in response.content.decode()


def test_goal_and_action_refs_redirect_to_their_pages(get, tree):
    assert get(f"{P}/goal/").headers["Location"] == f"{P}/"
    action = tree.visions[1].children[1].children[1]
    response = get(f"/en{P}/{action.ref}/")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/en{P}/social-housing/#{action.ref}"


def test_language_switch_is_a_plain_link_to_the_same_page(get):
    html = get(f"{P}/mrt-network/").content.decode()
    assert (
        f'<a class="language-switch" href="/en{P}/mrt-network/" hreflang="en" lang="en">English</a>'
        in html
    )
    html = get(f"/en{P}/mrt-network/").content.decode()
    assert f'class="language-switch" href="{P}/mrt-network/"' in html


def test_alternates_canonical_and_social_tags(get):
    html = get(f"/en{P}/mrt-network/").content.decode()
    assert f'<link rel="canonical" href="http://testserver/en{P}/mrt-network/">' in html
    assert f'hreflang="zh-Hant" href="http://testserver{P}/mrt-network/"' in html
    assert f'hreflang="en" href="http://testserver/en{P}/mrt-network/"' in html
    assert 'hreflang="x-default"' in html
    description = re.search(r'<meta name="description" content="([^"]+)"', html).group(1)
    assert description.startswith("Build a low-carbon city")
    assert '<meta property="og:title" content="Strengthening the MRT' in html
    assert '<meta property="og:locale" content="en_US">' in html


def test_untranslated_english_is_marked_not_passed_off(get, plan):
    PlanNode.objects.filter(plan=plan, ref="mrt-network").update(title_en="", body_en="")
    html = get(f"/en{P}/mrt-network/").content.decode()
    assert '<span lang="zh-Hant">健全大眾運輸捷運路網</span>' in html
    assert "(not yet translated)" in html


def test_unpublished_strategy_is_gone_from_every_page(get, plan):
    PlanNode.objects.filter(plan=plan, ref="mrt-network").update(published=False)
    assert get(f"{P}/mrt-network/").status_code == 404
    for path in (f"{P}/", f"{P}/livable/", f"{P}/full-text/", "/site-map/", "/sitemap.xml"):
        assert "mrt-network" not in get(path).content.decode(), path


def test_sitemap_lists_every_page_in_both_languages(get, tree):
    response = get("/sitemap.xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {loc.text for loc in root.findall("s:url/s:loc", ns)}
    for node in tree:
        if node.kind in ("vision", "strategy"):
            assert f"http://testserver{P}/{node.ref}/" in locs
            assert f"http://testserver/en{P}/{node.ref}/" in locs
    for page in ("full-text/", "preamble/", "closing/", ""):
        assert f"http://testserver{P}/{page}" in locs
    assert "http://testserver/en/site-map/" in locs
    assert b"hreflang" in response.content


def test_robots_and_favicon(get):
    robots = get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()
    assert "Disallow: /search/" in robots.content.decode()
    assert "Disallow: /en/search/" in robots.content.decode()
    assert settings.ADMIN_URL not in robots.content.decode()
    icon = get("/favicon.ico")
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"


def test_strategy_page_weighs_under_60_kb_compressed(get):
    html = get(f"{P}/mrt-network/").content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js|svg))"', html)
    total = len(gzip.compress(html))
    for asset in assets:
        total += len(gzip.compress((settings.BASE_DIR / "static" / asset.decode()).read_bytes()))
    assert total < 60 * 1024, total


@pytest.mark.parametrize("page", PAGES)
def test_head_requests_are_answered(get, client, page):
    response = client.head(PAGES[page])
    assert response.status_code == 200
    assert response.content == b""


# ------------------------------------------------------------------------------------------
# Issue 13, the pages, as served: one header everywhere, the page history's labels and order, and
# Chinese punctuation in what the templates write.


HEADER_LANGS = {"zh-hant": "", "en": "/en"}


PLAN_LINKS = (f"{P}/preamble/", f"{P}/chart/", f"{P}/full-text/", f"{P}/progress/")
# Every page type with the site's header (not the chart's SVG or the feed), the progress pages
# with the sample updates: issue 21 put 執行進度 in the menu of every page.
HEADER_PAGES = [
    *(path for name, path in LOCALISED.items() if name not in ("chart-svg", "feed")),
    f"{P}/progress/",
    f"{P}/agencies/",
    f"{P}/agencies/udd/",
    f"{P}/chart/progress/",
    "/no-such-page/",
]


def menu(html):
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", HEADER_LANGS)
@pytest.mark.parametrize("path", HEADER_PAGES)
def test_every_page_has_the_same_header(client, sample, lang, path):
    """Pages about no plan (recent changes, the site map, 404) link to the current plan's
    preamble, chart, full text and progress like every other page."""
    response = client.get(HEADER_LANGS[lang] + path)
    assert response.status_code == (404 if "no-such-page" in path else 200), path
    nav = menu(response.content.decode())
    for link in PLAN_LINKS:
        assert f'href="{HEADER_LANGS[lang]}{link}"' in nav, (path, link)
    progress = "執行進度" if lang == "zh-hant" else "Progress"
    assert f'href="{HEADER_LANGS[lang]}{P}/progress/">{progress}</a>' in nav, path
    assert nav == menu(client.get(HEADER_LANGS[lang] + "/").content.decode())


@pytest.mark.django_db
def test_the_header_costs_the_404_page_at_most_one_query_more(plan):
    cache.clear()
    clear_process_caches()
    connection.features.supports_json_field  # noqa: B018 (a per-connection probe, not the page's)
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert len(queries) <= 4, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_without_a_plan_the_header_has_no_plan_links(without_plan, client):
    html = client.get("/site-map/").content.decode()
    assert "/preamble/" not in menu(html)


class VisibleText(HTMLParser):
    """The text a reader sees (not scripts, styles or the head), and every link's text."""

    def __init__(self):
        super().__init__()
        self.skip = 0
        self.parts = []
        self.links = []
        self.link = None

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "script", "style"):
            self.skip += 1
        if tag == "a":
            self.link = []

    def handle_endtag(self, tag):
        if tag in ("head", "script", "style"):
            self.skip -= 1
        if tag == "a" and self.link is not None:
            self.links.append("".join(self.link))
            self.link = None

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)
        if self.link is not None:
            self.link.append(data)


CHINESE_PAGES = [
    *PAGES.values(),  # the home page, the plan's page types and the site map
    "/changes/",
    "/open-data/",
    "/search/?q=捷運",
    "/search/",
    f"{P}/mrt-network/history/",
    f"{P}/social-housing/history/",
    "/no-such-page/",
]


# Half-width punctuation right after a Chinese character (or its closing bracket). The plan's
# own text is the official text and is left as published; what is checked is the pages'.
HALF_WIDTH_AFTER_CHINESE = re.compile(r"[\u3400-\u9fff）」』][.,:;!?]")


def test_chinese_pages_use_full_width_punctuation_and_links_end_in_a_word(client, loaded):
    official = "".join(
        getattr(node, name)
        for node in PlanNode.objects.all()
        for name in ("title_zh_hant", "body_zh_hant")
    )
    for path in CHINESE_PAGES:
        parser = VisibleText()
        parser.feed(client.get(path).content.decode())
        page_text = " ".join(" ".join(parser.parts).split())
        for match in HALF_WIDTH_AFTER_CHINESE.finditer(page_text):
            context = page_text[max(0, match.start() - 8) : match.end() + 8].strip()
            assert match.group(0) in official, f"{path}: …{context}…"
        # No link's underline runs on into a space after its last word.
        assert [link for link in parser.links if link != link.rstrip()] == [], path


# ------------------------------------------------------------------------------------------
# Security headers, deployment checks, login lockout, escaping, backups, tree checks.


HOSTILE = "<script>alert('x')</script>"


def test_staff_text_is_never_code(client, plan):
    node = PlanNode.objects.get(ref="mrt-network")
    node.title_zh_hant = node.title_en = f"捷運 {HOSTILE}"
    node.body_en = f"MRT {HOSTILE}"
    with reversion.create_revision():
        node.save()
    record_loaded(Plan.objects.get(), "x.json")
    pages = [
        "/",
        f"/{SLUG}/",
        f"/{SLUG}/livable/",
        f"/{SLUG}/mrt-network/",
        f"/en/{SLUG}/mrt-network/",
        f"/{SLUG}/full-text/",
        f"/{SLUG}/chart/",
        f"/{SLUG}/chart.svg",
        "/site-map/",
        f"/en/{SLUG}/mrt-network/history/",
        "/en/changes/",
        "/en/changes/feed/",
        "/search/?q=%E6%8D%B7%E9%81%8B",
        "/en/search/?q=MRT",
        f"/{SLUG}/quality-jobs/",
    ]
    for path in pages:
        body = client.get(path).content.decode()
        assert HOSTILE not in body, path
        assert "<script" not in body.replace("&lt;script", ""), path
    # Exports carry the text as data, exactly as entered, in formats that are not run.
    exported = client.get(f"/data/{SLUG}.json")
    assert exported["Content-Type"].startswith("application/json")
    assert HOSTILE in json.dumps(exported.json(), ensure_ascii=False)
    assert client.get(f"/data/{SLUG}.csv")["Content-Type"].startswith("text/csv")


# ------------------------------------------------------------------------------------------
# Trust under change: what citizens see follows every write, on every server, under every host
# name and release; the tree's rules hold on every write path; nothing is lost on delete; dates
# are honest. Each test names the finding it guards (issue 11).


STRATEGY = f"/{SLUG}/mrt-network/"


def node_by_ref(ref, plan=None):
    nodes = PlanNode.objects.filter(ref=ref)
    return (nodes.filter(plan=plan) if plan else nodes).get()


@override_settings(ALLOWED_HOSTS=["a.example.tw", "b.example.tw"], PORTAL_BASE_URL="")
def test_without_a_base_url_each_host_gets_its_own_absolute_urls(loaded):
    """Finding 2: host B was served the page host A had rendered, with A's canonical URL."""
    a = Client(HTTP_HOST="a.example.tw").get(STRATEGY).content.decode()
    b = Client(HTTP_HOST="b.example.tw").get(STRATEGY).content.decode()
    assert f'rel="canonical" href="http://a.example.tw{STRATEGY}"' in a
    assert f'rel="canonical" href="http://b.example.tw{STRATEGY}"' in b
    assert "a.example.tw" not in b


BASE = "https://plan.example.gov.tw"


DOWNLOADS = [
    "/sitemap.xml",
    "/robots.txt",
    "/changes/feed/",
    "/data/plans.json",
    f"/data/{SLUG}.csv",
    f"/{SLUG}/chart.svg",
    STRATEGY,
    "/en/search/?q=MRT",
]


@pytest.mark.parametrize("path", DOWNLOADS)
@override_settings(
    ALLOWED_HOSTS=["internal.example.tw", "plan.example.gov.tw"], PORTAL_BASE_URL=BASE
)
def test_a_base_url_is_the_origin_of_every_absolute_url(loaded, path):
    node_by_ref("mrt-network").save()  # something for the feed
    body = Client(HTTP_HOST="internal.example.tw").get(path).content.decode("utf-8-sig")
    assert BASE in body, path
    assert "internal.example.tw" not in body and "http://plan.example" not in body


@override_settings(
    ALLOWED_HOSTS=["internal.example.tw", "plan.example.gov.tw"], PORTAL_BASE_URL=BASE
)
def test_the_admin_keeps_its_own_host(loaded):
    response = Client(HTTP_HOST="internal.example.tw").get("/admin/login/")
    assert response.status_code == 200
    assert response.wsgi_request.get_host() == "internal.example.tw"


def test_the_home_page_shows_the_plan_staff_chose(without_plan, client, db, plan_file_data):
    """Issue 13: a second plan of the same term with an earlier slug took over the home page."""
    first = create_plan(plan_file_data)
    data = copy.deepcopy(plan_file_data)
    data["slug"] = "a-kaohsiung-copy"
    data["title"] = {"zh-hant": "另一份計畫", "en": "Another plan"}
    second = create_plan(data)
    assert Plan.objects.get(pk=first.pk).is_current and not second.is_current
    assert '<h1 id="plan-title">另一份計畫' not in client.get("/").content.decode()
    second.is_current = True
    second.save()
    assert not Plan.objects.get(pk=first.pk).is_current  # one current plan at a time
    assert '<h1 id="plan-title">另一份計畫' in client.get("/").content.decode()


# ------------------------------------------------------------------------------------------
# Issue 21, line breaking: the filter that marks what must stay on one line changes no text.


def test_keep_whole_marks_year_ranges_numbers_and_names_and_nothing_else():
    from portal.templatetags.line_breaks import keep_whole

    title = "高雄市政府112至115年度中程施政計畫"
    marked = keep_whole(title, "高雄市政府")
    assert marked == (
        '<span class="keep-whole">高雄市政府</span>'
        '<span class="unbroken">112至115年度</span>中程施政計畫'
    )
    assert text_of(marked) == title
    english = "Mid-Term Administrative Plan for Fiscal Years 2023–2026 (ROC 112–115)"
    assert keep_whole(english) == (
        '<span class="unbroken">Mid-Term</span> Administrative Plan for Fiscal Years '
        '<span class="unbroken">2023–2026</span> (ROC <span class="unbroken">112–115</span>)'
    )
    # A number keeps its unit, even across a space; a date is no range; text is escaped.
    assert keep_whole("<b>完成 60 %</b> 8,000戶 2025-03-31") == (
        '&lt;b&gt;完成 <span class="unbroken">60 %</span>&lt;/b&gt; '
        '<span class="unbroken">8,000戶</span> 2025-03-31'
    )
