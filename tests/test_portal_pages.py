import gzip
import html as html_module
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from plan.models import PlanNode

from .conftest import SLUG

P = f"/{SLUG}"
# Every public page type, by a path in Chinese; English is the same path under /en.
PAGES = {
    "home": "/",
    "plan": f"{P}/",
    "vision": f"{P}/livable/",
    "strategy": f"{P}/mrt-network/",
    "strategy-with-actions": f"{P}/social-housing/",
    "full-text": f"{P}/full-text/",
    "preamble": f"{P}/preamble/",
    "closing": f"{P}/closing/",
    "chart": f"{P}/chart/",
    "site-map": "/site-map/",
}
LANGS = {"zh-hant": "", "en": "/en", "zh-hans": "/zh-hans"}
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
