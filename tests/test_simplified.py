"""The Simplified Chinese reading (/zh-hans/): every page, converted as it leaves (OpenCC
tw2sp), with the glossary's names converted character by character only, once per content
version; it never leaves its reading through a link, and never reaches the admin or the
open-data downloads.

Over 400 lines, one feature: the Simplified reading.
"""

import html as htmllib
import re
from datetime import date
from decimal import Decimal
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.db import OperationalError

from knowledge.glossary import pinyin_sort_key
from knowledge.models import Term
from plan.models import Plan, PlanNode
from portal.serving import simplified
from portal.serving.simplified import KEPT_PHRASES, characters, convert, phrase

from .factories import LOCALISED, ROOT, SLUG, P, node

HANS = "/zh-hans"


# The pages that are HTML (the rest: the chart drawing and the feed).
HTML_PAGES = {name: path for name, path in LOCALISED.items() if name not in ("chart-svg", "feed")}


# Characters only Traditional text has (each converts in tw2s): none may be left in a page's
# main text. 繁體中文, the Traditional reading's name, is kept verbatim and is not in <main>.
TRADITIONAL_ONLY = "計畫運區與為們會發這個開來對時說灣國臺際務產業態環經"


def get(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return response


def main(html):
    return html.split('<main id="main-content"', 1)[1].split("</main>", 1)[0]


def text_of(fragment):
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


def path_only(path):
    """The path and query as a browser sends them (the search's words unquoted)."""
    return unquote_plus(path)


@pytest.mark.parametrize("name", HTML_PAGES)
def test_every_page_has_a_simplified_reading(client, plan, name):
    path = HTML_PAGES[name]
    response = get(client, HANS + path)
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    assert set(alternates) == {"zh-Hant", "zh-Hans", "en", "x-default"}
    origin = "http://testserver"
    assert path_only(alternates["zh-Hant"]) == origin + path
    assert path_only(alternates["zh-Hans"]) == origin + HANS + path
    assert path_only(alternates["en"]) == origin + "/en" + path
    assert alternates["x-default"] == alternates["zh-Hant"]
    # The automatic-conversion note, which the Traditional reading does not have.
    assert '<p class="translation-note">' in html
    assert '<p class="translation-note">' not in get(client, path).content.decode()
    # The switch names the Traditional reading as it names itself, and offers English.
    switch = {
        lang: (unquote_plus(href), label)
        for href, lang, label in re.findall(
            r'<a class="language-switch" href="([^"]+)" hreflang="([^"]+)" lang="[^"]+">([^<]+)</a>',
            html,
        )
    }
    assert switch == {
        "zh-Hant": (path_only(path), "繁體中文"),
        "en": ("/en" + path_only(path), "English"),
    }


@pytest.mark.parametrize("name", ["chart-svg", "feed"])
def test_drawings_and_feeds_are_converted_too(client, plan, name):
    body = get(client, HANS + LOCALISED[name]).content.decode()
    assert "計畫" not in body and "计划" in body


@pytest.mark.parametrize(
    "name", ["plan", "full-text", "strategy", "vision", "preamble", "glossary", "topic", "sdg"]
)
def test_no_traditional_characters_are_left_in_the_main_text(client, plan, name):
    traditional = text_of(main(get(client, HTML_PAGES[name]).content.decode()))
    text = text_of(main(get(client, HANS + HTML_PAGES[name]).content.decode()))
    left = sorted({char for char in text if char in TRADITIONAL_ONLY})
    assert not left, left
    assert any(char in traditional for char in TRADITIONAL_ONLY)  # there was something to do
    if "計畫" in traditional:
        assert "计划" in text


def test_the_plan_reads_as_mainland_phrases(client, plan):
    text = text_of(main(get(client, f"{HANS}{P}/full-text/").content.decode()))
    assert "高雄市政府112至115年度中程施政计划" in text
    assert "计画" not in text


ALLOWED = ("/zh-hans/", "/static/", "/data/")


# A page's icon is not a page of any reading.
NOT_PAGES = ("/favicon.ico",)


LINK = re.compile(r"<(a|link|form)\b[^>]*>", re.S)


ATTRIBUTE = re.compile(r'\b(href|xlink:href|action)="([^"]*)"')


def leaving_links(body):
    """Internal addresses in a Simplified page that lead out of the Simplified reading (the
    language switch and the hreflang alternates excepted)."""
    found = []
    for tag in LINK.finditer(body):
        tag = tag.group(0)
        if 'class="language-switch"' in tag or "hreflang=" in tag:
            continue
        for _, href in ATTRIBUTE.findall(tag):
            parts = urlsplit(href)
            if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
                continue  # another site, or a fragment / relative link
            if parts.path.startswith(ALLOWED) or parts.path in NOT_PAGES:
                continue
            found.append(href)
    return sorted(set(found))


@pytest.mark.parametrize("name", LOCALISED)
def test_every_link_stays_in_the_simplified_reading(client, plan, name):
    body = get(client, HANS + LOCALISED[name]).content.decode()
    assert leaving_links(body) == []


def test_the_check_finds_links_that_leave(client, plan):
    """The helper above is not blind: the Traditional page's links all leave /zh-hans/."""
    body = get(client, f"{P}/mrt-network/").content.decode()
    assert f"{P}/livable/" in leaving_links(body)


def test_glossary_links_in_simplified_pages_lead_to_the_simplified_glossary(client, plan):
    html = main(get(client, f"{HANS}{P}/regional-transport/").content.decode())
    links = re.findall(r'<a class="term" href="([^"]+)">', html)
    assert links and all(link.startswith("/zh-hans/glossary/#") for link in links)
    glossary = get(client, "/zh-hans/glossary/").content.decode()
    for link in links:
        assert f'id="{link.split("#")[1]}"' in glossary


def glossary_ids(html):
    return re.findall(r'<div class="glossary-entry" id="([^"]+)">', html)


def glossary_headings(html):
    """{slug: the heading it is listed under}."""
    found = {}
    for section in html.split('<section class="glossary-group"')[1:]:
        heading = text_of(re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1)).strip()
        for slug in glossary_ids(section):
            found[slug] = heading
    return found


def test_simplified_glossary_is_in_pinyin_order(client, plan):
    """A mainland reader does not read zhuyin: the Simplified glossary lists the same entries
    by pinyin (mainland dictionaries' order), under letters (issue 21)."""
    traditional = get(client, "/glossary/").content.decode()
    simple = get(client, "/zh-hans/glossary/").content.decode()
    ids = glossary_ids(simple)
    assert sorted(ids) == sorted(glossary_ids(traditional))
    assert len(ids) == Term.objects.count()
    assert ids != glossary_ids(traditional)  # zhuyin puts MeNGo first, and ㄅ before ㄍ
    known = [
        "long-term-care",  # 长照 chang2 (the staff's reading; pypinyin reads zhang3)
        "kaohsiung-coin",  # 高雄币 gao1
        "mrt",  # 捷运 jie2
        "net-zero",  # 净零 jing4
        "mengo",  # MeNGo, among the M syllables by its letters
        "light-rail",  # 轻轨 qing1
        "social-housing",  # 社宅 she4
        "senior",  # 银发 yin2
        "postpartum-care",  # 坐月子 zuo4
    ]
    assert [slug for slug in ids if slug in known] == known
    headings = glossary_headings(simple)
    assert headings["long-term-care"] == "C"
    assert headings["mrt"] == headings["net-zero"] == "J"
    assert headings["mengo"] == "M"
    # The whole list follows the stored readings, letters then tones, syllable by syllable.
    pinyin = dict(Term.objects.values_list("slug", "pinyin"))
    assert all(pinyin.values())
    assert ids == sorted(ids, key=lambda slug: pinyin_sort_key(pinyin[slug]))
    assert "<dfn>捷运</dfn>" in simple and "<dfn>长照</dfn>" in simple
    # No zhuyin heading is left for a reader who does not read it.
    assert not re.search(r'<h2 id="group-\d+">[\u3105-\u312f]', simple)
    assert re.search(r'<h2 id="group-\d+">[\u3105-\u312f]', traditional)


def test_a_terms_pinyin_follows_its_staff_reading(client, plan):
    term = Term.objects.get(slug="long-term-care")
    assert term.pinyin == "chang2 zhao4"  # ㄔㄤˊ ㄓㄠˋ, the staff's reading
    term.reading = ""
    term.save()
    assert term.pinyin == "zhang3 zhao4"  # pypinyin's own
    headings = glossary_headings(get(client, "/zh-hans/glossary/").content.decode())
    assert headings["long-term-care"] == "Z"
    term.reading = "˙ㄉㄜ ㄓㄠˋ"  # the neutral tone's dot written first, as Taiwan writes it
    term.save()
    assert term.pinyin == "de5 zhao4"


def simplified_hits(client, q):
    html = get(client, f"{HANS}/search/", data={"q": q}).content.decode()
    return re.findall(r'<li class="search-hit[^"]*">.*?<h2><a href="([^"]+)"', html, re.S)


def test_a_simplified_search_finds_the_traditional_text(client, plan):
    assert simplified_hits(client, "长照"), "a Simplified query finds the Traditional text"
    assert simplified_hits(client, "社会住宅")


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("长照", f"{P}/care-centers/"),  # a strategy
        ("带领高雄转型", f"{P}/preamble/"),  # the plan's opening text
    ],
    ids=["strategy", "opening-text"],
)
def test_simplified_search_results_stay_simplified(client, plan, q, first):
    hits = simplified_hits(client, q)
    assert hits[0] == HANS + first
    assert all(hit.startswith(HANS + "/") for hit in hits), hits


def test_phrase_conversion_changes_words_the_glossary_keeps():
    # What tw2sp would do to a term's name, and what a reader should see instead.
    assert phrase("智慧生活") == "智能生活"
    assert convert("發展智慧生活，", protected=["智慧生活"]) == "发展智慧生活，"
    assert convert("發展智慧生活，") == "发展智能生活，"  # not a glossary name: phrases
    assert convert("推動數位淨零雙軸轉型", ["數位淨零雙軸轉型"]) == "推动数位净零双轴转型"


def test_kept_phrases_are_converted_character_by_character():
    for word in KEPT_PHRASES:
        assert phrase(word) != characters(word)  # each is there for a reason
        assert convert(f"提升{word}。") == f"提升{characters(word)}。"
    assert convert("國際指標大廠") == "国际指标大厂"
    assert convert("系統效能") == "系统效能"


def test_other_words_still_convert_as_phrases():
    assert convert("計程車", ["數位市民卡"]) == "出租车"
    assert convert("搭計程車用數位市民卡", ["數位市民卡"]) == "搭出租车用数位市民卡"
    assert convert("施政計畫") == "施政计划"
    # A protected name converts only where it occurs; the longest name wins.
    assert convert("數位市民卡與數位服務", ["數位市民卡", "數位"]) == "数位市民卡与数位服务"
    assert convert("數位市民卡與數位服務") == "数位市民卡与数字服务"
    # Only a short quoted name is kept: a long quotation is a sentence, converted by phrase.
    long_quote = "「" + "發展智慧生活" * 6 + "」"
    assert "智能" in convert(long_quote)
    # 列 for "list" or "the following" is the same word on both sides.
    assert convert("下列欄位，列出每項策略") == "下列字段，列出每项策略"
    # The switch's link to the Traditional reading keeps its name; a sentence converts.
    assert convert('<a lang="zh-Hant">繁體中文</a>') == '<a lang="zh-Hant">繁體中文</a>'
    assert convert("以繁體中文為準") == "以繁体中文为准"


def test_protected_names_do_not_leak_their_placeholders():
    text = "第1項數位市民卡、第2項指標\ue000"
    converted = convert(text, ["數位市民卡"])
    assert "\ue001" not in converted and "\ue0000" not in converted
    assert converted.startswith("第1项数位市民卡、第2项指标")


def test_glossary_names_on_pages_are_kept_from_phrase_conversion(client, plan):
    # An alias of the glossary's 雙軸轉型 (tw2sp would make 数位 数字).
    html = get(client, f"{HANS}{P}/traditional-industry-upgrade/").content.decode()
    assert "数位净零双轴转型" in html and "数字净零双轴转型" not in html
    # 指標 (indicator) is not 指针 (pointer).
    html = get(client, f"{HANS}{P}/quality-jobs/").content.decode()
    assert "国际指标大厂" in html and "指针" not in html


def test_a_term_staff_add_is_kept_from_then_on(client, plan):
    path = f"{HANS}{P}/digital-citizen/"
    assert "智能生活" in main(get(client, path).content.decode())
    term = Term.objects.create(
        slug="smart-living",
        term_zh_hant="智慧生活",
        term_en="smart living",
        explanation_zh_hant="以數位科技讓日常生活更便利。",
    )
    term.related.add(PlanNode.objects.get(plan=plan, ref="digital-citizen"))
    html = main(get(client, path).content.decode())
    assert "智慧生活" in html and "智能生活" not in html
    assert '<a class="term" href="/zh-hans/glossary/#smart-living">智慧生活</a>' in html


# Words tw2sp's phrases turned into another sense or another name (issue 21's bilingual
# review), each where a reader meets it: (page, as it must read, what tw2sp made of it).
REVIEWED_WORDS = {
    # 高階 (high-end): 高级 is "senior, superior"; the chart's 高階 differs from the body's 高值.
    "高階": (f"{P}/traditional-industry-upgrade/", "高阶制造中心", "高级"),
    "高階-chart": (f"{P}/chart.svg", "力促传统产业高阶转型", "高级"),
    # 查詢 (look up, inquire): 查找 is "search for".
    "查詢": (f"{P}/digital-services/", "申办、查询、陈情", "查找"),
    # 建立 (build, establish): 创建 is "found, create".
    "建立": (f"{P}/gender-equal-workplaces/", "建立职场友善工作环境", "创建"),
    "建立-sdg-9": (f"{P}/sdgs/9/", "建立具有韧性的基础建设", "创建"),
    "建立-sdg-16": (f"{P}/sdgs/16/", "建立有效的、负责的且包容的制度", "创建"),
    # A quoted name: the plan's 「5G智慧巡邏車」, not 智能.
    "5G智慧巡邏車": (f"{P}/disaster-resilience/", "「5G智慧巡逻车」", "5G智能巡逻车"),
    # The city's card, a name (the module's docstring said it was kept; it was not).
    "數位市民卡": (f"{P}/digital-citizen/", "发展数位市民卡", "数字市民卡"),
    # The topic's name.
    "數位與智慧城市": (f"{P}/topics/digital/", "数位与智慧城市", "数字与智能城市"),
    # A source of information, not a software data source.
    "資料來源": ("/open-data/", "资料来源：网址或公文字号", "数据源"),
    # 列 where the interface means a row: 行 to a mainland reader (列 is a column there).
    "列-rows": ("/open-data/", "每个项目一行", "每个项目一列"),
    "列-row-labels": ("/open-data/", "架构图标题及各行标签", "各列标签"),
    "列-identify-rows": ("/open-data/", "本栏用以辨识各行", "辨识各列"),
    "列-reimported-row": ("/open-data/", "重新导入含此编号的行", "编号的列"),
}


@pytest.mark.parametrize("word", REVIEWED_WORDS)
def test_reviewed_words_read_as_meant(client, plan, word):
    path, meant, made = REVIEWED_WORDS[word]
    body = get(client, HANS + path).content.decode()
    text = text_of(main(body) if "<main" in body else body)
    assert meant in text, (word, meant)
    assert made not in text, (word, made)


@pytest.fixture
def conversions(monkeypatch, settings):
    """Every call of the conversion, with the page cache off (each request renders)."""
    settings.PAGE_CACHE_SECONDS = 0
    simplified.clear()
    calls = []
    original = simplified.convert

    def spy(text, protected=()):
        calls.append(len(text))
        return original(text, protected)

    monkeypatch.setattr(simplified, "convert", spy)
    return calls


def test_a_page_is_converted_once_per_content_version(client, plan, conversions):
    path = f"{HANS}{P}/mrt-network/"
    first = get(client, path).content
    assert len(conversions) == 1
    second = get(client, path).content
    assert second == first
    assert len(conversions) == 1  # the second request rendered again, but was not converted
    get(client, f"{HANS}{P}/livable/")
    assert len(conversions) == 2  # another page is converted on its own
    node = PlanNode.objects.get(plan=plan, ref="mrt-network")
    node.body_zh_hant += "（修正）"
    node.save()  # a new content version
    changed = get(client, path).content.decode()
    assert len(conversions) == 3
    assert "（修正）" in changed
    get(client, path)
    assert len(conversions) == 3


def test_traditional_and_english_pages_are_never_converted(client, plan, conversions):
    get(client, f"{P}/mrt-network/")
    get(client, f"/en{P}/mrt-network/")
    get(client, f"/data/{SLUG}.json")
    assert conversions == []


def test_the_admin_is_never_simplified(client, editor, plan):
    for path in ("/admin/", "/admin/knowledge/term/", "/admin/plan/plannode/"):
        response = get(client, path, HTTP_ACCEPT_LANGUAGE="zh-CN,zh-Hans;q=0.9")
        html = response.content.decode()
        assert "管理" in html and "计划" not in html, path
        assert re.search(r'<html lang="zh-hant"', html, re.I), path
    assert client.get("/zh-hans/admin/").status_code == 404


def test_a_browser_asking_for_simplified_gets_the_address_it_asked_for(client, plan):
    """The reading comes from the address alone: no redirect, no conversion by header."""
    response = get(client, f"{P}/mrt-network/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    html = response.content.decode()
    assert '<html lang="zh-Hant">' in html and "計畫" in html and "计划" not in html


@pytest.mark.parametrize(
    "path",
    [
        f"/data/{SLUG}.json",
        f"/data/{SLUG}.csv",
        "/data/plans.json",
        "/data/catalog.json",
    ],
)
def test_downloads_are_never_converted(client, plan, path):
    plain = get(client, path).content
    asked = get(client, path, HTTP_ACCEPT_LANGUAGE="zh-CN").content
    assert asked == plain
    body = plain.decode()
    assert "計畫" in body and "计划" not in body
    assert client.get(HANS + path).status_code == 404


def test_the_simplified_catalogue_is_the_traditional_one():
    """Simplified pages are the Traditional page converted; their strings come from the
    Traditional catalogue, copied to zh_Hans so that Django's own Simplified catalogue does
    not take over strings both define (历史 for our 異動紀錄). `make compile` copies it."""

    locale = ROOT / "locale"
    traditional = (locale / "zh_Hant" / "LC_MESSAGES" / "django.po").read_bytes()
    assert (locale / "zh_Hans" / "LC_MESSAGES" / "django.po").read_bytes() == traditional


def test_simplified_pages_use_the_portals_words_not_djangos(client, plan):
    html = client.get(f"/zh-hans/{plan.slug}/mrt-network/").content.decode()
    assert "异动纪录" in html and "历史" not in html


# ------------------------------------------------------------------------------------------
# Hostile review of the knowledge layer (issue 15): glossary marking, topics and SDGs, the
# Simplified Chinese reading, forgiving search, the loader and the admin.


def get_reading(client, path):
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return response.content.decode()


def test_simplified_page_during_a_database_outage_is_a_503_not_a_500(client, plan, monkeypatch):
    """The page cache read the content version, then the database went away: the view's
    OperationalError becomes the plain 503 page (DatabaseUnavailableMiddleware), but the
    Simplified middleware, outside it, then asks the database for the glossary's names
    (simplified.protected_names → published_plans) and the request ends in a 500 with a
    traceback. Traditional and English pages answer 503."""

    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(type(Plan.objects), "for_pages", gone)
    client.raise_request_exception = False
    # One request: on PostgreSQL the 503 closes the connection, which a test's transaction
    # cannot reopen (tests/test_database_down.py stages real outages).
    response = client.get(f"{HANS}/glossary/")
    assert response.status_code == 503, response.status_code


def test_simplified_pages_keep_the_addresses_sources_link_to(client, plan):
    """A published update's source is a web address; a Simplified page converts the whole
    HTML with tw2sp, href values included, so the link leads to another address
    (數位市民卡 → 数字市民卡: another search; 高雄捷運 → 高雄捷运: another article)."""
    sources = {
        "mrt-network": "https://zh.wikipedia.org/wiki/高雄捷運紅線",
        "digital-citizen": "https://www.kcg.gov.tw/search?q=數位市民卡",
    }
    for ref, source in sources.items():
        from progress.models import ProgressUpdate

        ProgressUpdate.objects.create(
            state="published",
            node=node(plan, ref),
            date=date(2025, 3, 31),
            status="in_progress",
            percent=Decimal(40),
            summary_zh_hant="工程進行中",
            summary_en="Under way",
            source=source,
        )
    for ref, source in sources.items():
        html = get_reading(client, f"{HANS}{P}/{ref}/")
        # The statement's source and the update's: the same address, kept as it is.
        assert set(re.findall(r'class="source-link" href="([^"]+)"', html)) == {source}


def test_private_use_text_survives_the_simplified_conversion(client, plan):
    """convert() marks protected names as U+E000 n U+E001 and replaces every such sequence
    back: staff text that already holds one comes out as another word (here 繁體中文)."""
    item = node(plan, "mrt-network")
    item.body_zh_hant += "符號\ue0000\ue001結束"
    item.save()
    html = get_reading(client, f"{HANS}{P}/mrt-network/")
    assert "符号\ue0000\ue001结束" in html


def test_simplified_pages_answer_conditional_requests(client, plan):
    for path in (f"{HANS}/glossary/", f"{HANS}{P}/mrt-network/", f"{HANS}{P}/chart.svg"):
        first = client.get(path)
        assert first["ETag"] != client.get(path.removeprefix(HANS))["ETag"]
        assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        assert int(first["Content-Length"]) == len(first.content)
