"""Search: what citizens type, what they find, in which order, and nothing that breaks it.

Over 400 lines, one feature: search, with every review's cases.
"""

import copy
import html as htmllib
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import translation

from plan.exchange import create_plan
from plan.models import Plan, PlanNode
from plan.search import MAX_QUERY_LENGTH, parse_query, term_variants
from portal.pages.search.highlight import highlight, snippet
from portal.pages.search.ranking import search

from .factories import SEARCH_HIT, P, search_page, sideways_overflow

PREFIX = {"zh-hant": "", "en": "/en"}


def hit_blocks(html):
    return SEARCH_HIT.findall(html)


def hit_links(html):
    """The address each result links to, in the order shown (without the /en prefix)."""
    links = [re.search(r'<h2><a href="([^"]+)"', block).group(1) for block in hit_blocks(html)]
    return [link.removeprefix("/en") for link in links]


def text(fragment):
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


# What citizens search for, and what must come first. Action items link to their strategy's
# page with #ref; the goal to the plan's home page.
CITIZEN_QUERIES = [
    ("zh-hant", "社宅", [f"{P}/social-housing/"]),
    ("zh-hant", "長照", [f"{P}/care-centers/"]),
    (
        "zh-hant",
        "捷運",
        [
            f"{P}/mrt-network/",
            f"{P}/social-housing/#social-housing-supply",
            f"{P}/regional-transport/",
        ],
    ),
    ("zh-hant", "亞灣", [f"{P}/asia-new-bay/"]),
    ("zh-hant", "租金補貼", [f"{P}/social-housing/", f"{P}/social-housing/#rent-subsidies"]),
    ("zh-hant", "客語", [f"{P}/ethnic-cultures/#indigenous-hakka-culture"]),
    ("zh-hant", "５Ｇ", [f"{P}/disaster-resilience/#smart-policing"]),
    ("zh-hant", "5G", [f"{P}/disaster-resilience/#smart-policing"]),
    ("zh-hant", "mengo", [f"{P}/regional-transport/"]),
    ("zh-hant", "淨零", [f"{P}/net-zero/", f"{P}/traditional-industry-upgrade/"]),
    ("zh-hant", "防汛", [f"{P}/disaster-resilience/#flood-control"]),
    ("zh-hant", "銀髮", [f"{P}/senior-employment/"]),
    ("zh-hant", "高雄幣", [f"{P}/digital-citizen/"]),
    ("zh-hant", "流行音樂", [f"{P}/pop-music/"]),
    ("zh-hant", "宜居高雄", [f"{P}/livable/", f"{P}/preamble/"]),
    ("zh-hant", "社會共好", [f"{P}/", f"{P}/preamble/"]),  # the goal, then the opening text
    ("zh-hant", "帶領高雄轉型", [f"{P}/preamble/"]),
    ("zh-hant", "心之所在就是故鄉", [f"{P}/closing/"]),
    ("zh-hant", "大幅提升市區內綠色低碳大眾運輸路網覆蓋率", [f"{P}/mrt-network/"]),
    ("zh-hant", "捷運 輕軌", [f"{P}/mrt-network/", f"{P}/regional-transport/"]),
    ("zh-hant", "捷運\u3000輕軌", [f"{P}/mrt-network/", f"{P}/regional-transport/"]),
    ("zh-hant", "高階轉型", [f"{P}/traditional-industry-upgrade/"]),  # chart label only
    ("en", "ＭＲＴ", [f"{P}/mrt-network/"]),
    ("en", "mrt", [f"{P}/mrt-network/"]),
    ("en", "rent subsidy", [f"{P}/social-housing/", f"{P}/social-housing/#rent-subsidies"]),
    ("en", "long-term care", [f"{P}/care-centers/"]),
    ("en", "flood", [f"{P}/disaster-resilience/#flood-control"]),
    ("en", "Hakka", [f"{P}/ethnic-cultures/#indigenous-hakka-culture"]),
    ("en", "MeNGo", [f"{P}/regional-transport/"]),
    ("en", "mengo", [f"{P}/regional-transport/"]),
    ("en", "5G", [f"{P}/disaster-resilience/#smart-policing"]),
    ("en", "５Ｇ", [f"{P}/disaster-resilience/#smart-policing"]),
    ("en", "net-zero", [f"{P}/net-zero/", f"{P}/traditional-industry-upgrade/"]),
    ("en", "Asia New Bay", [f"{P}/asia-new-bay/"]),
    ("en", "semiconductor", [f"{P}/quality-jobs/"]),
    ("en", "pop music", [f"{P}/pop-music/"]),
    ("en", "A Fair City", [f"{P}/", f"{P}/preamble/"]),
    ("en", "free, open, diverse and inclusive", [f"{P}/closing/"]),
    ("en", "one-stop online portal", [f"{P}/digital-services/"]),
    ("en", "housing", [f"{P}/social-housing/"]),
    # Forgiving search: the words citizens use for what the plan says otherwise (synonyms
    # from the glossary and the curated list), Simplified characters, abbreviations.
    ("en", "fishing port", [f"{P}/fishing-harbors/"]),
    ("en", "harbours", [f"{P}/fishing-harbors/"]),
    ("zh-hant", "漁港", [f"{P}/fishing-harbors/"]),
    ("en", "subway", [f"{P}/mrt-network/"]),
    ("en", "metro", [f"{P}/mrt-network/"]),
    ("en", "LRT", [f"{P}/mrt-network/", f"{P}/regional-transport/"]),
    ("zh-hant", "轻轨", [f"{P}/mrt-network/", f"{P}/regional-transport/"]),
    ("zh-hant", "长照", [f"{P}/care-centers/"]),
    ("zh-hant", "长期照顾", [f"{P}/care-centers/"]),
    ("en", "elderly care", [f"{P}/care-centers/"]),
    ("zh-hant", "社会住宅", [f"{P}/social-housing/"]),
    (
        "en",
        "social housing",
        [f"{P}/social-housing/", f"{P}/social-housing/#social-housing-supply"],
    ),
    ("en", "public housing", [f"{P}/social-housing/"]),
    ("en", "daycare", [f"{P}/care-centers/", f"{P}/care-centers/#public-childcare"]),
    ("en", "seniors", [f"{P}/senior-employment/"]),
    ("en", "detention pond", [f"{P}/disaster-resilience/#flood-control"]),
    ("zh-hant", "新移民", [f"{P}/ethnic-cultures/#new-immigrant-services"]),
    ("zh-hant", "做月子", [f"{P}/maternal-care/"]),
    ("en", "zuo yuezi", [f"{P}/maternal-care/"]),
]


@pytest.mark.parametrize(("lang", "q", "first"), CITIZEN_QUERIES)
def test_citizen_queries_find_the_right_place_first(client, plan, lang, q, first):
    links = hit_links(search_page(client, q, lang))
    assert links[: len(first)] == first


@pytest.mark.parametrize(
    ("lang", "q"), [("zh-hant", "太空電梯"), ("zh-hant", "太空 電梯"), ("en", "spaceport")]
)
def test_queries_without_results(client, plan, lang, q):
    html = search_page(client, q, lang)
    assert hit_links(html) == []
    assert "Nothing in the plan matches" in html or "沒有符合" in html
    assert f'href="{PREFIX[lang]}{P}/chart/"' in html  # browse the architecture chart instead


def test_title_matches_come_first_then_document_order(client, plan):
    links = hit_links(search_page(client, "智慧"))
    titled = [
        f"{P}/park-transport-corridors/",
        f"{P}/digital-citizen/",
        f"{P}/smart-agri-fisheries/",
    ]
    assert links[:3] == titled  # 建構園區智慧運輸走廊, 數位市民鏈結智慧生活, 發展智慧農漁開拓市場
    body_only = links[3:]
    assert body_only[0] == f"{P}/smart-infrastructure/"
    assert body_only == [
        f"{P}/smart-infrastructure/",
        f"{P}/smart-sports-spaces/",
        f"{P}/smart-agri-fisheries/#smart-agriculture",
        f"{P}/smart-agri-fisheries/#fishery-cold-chain",
        f"{P}/disaster-resilience/#smart-policing",
        f"{P}/disaster-resilience/#flood-control",
    ]


def test_more_words_in_the_title_rank_higher(client, plan):
    # "rent subsidy": the strategy has both words in its title, the action item in its text.
    hits = search("rent subsidy", "en").hits
    assert [h.title_hits for h in hits] == [2, 0]


@pytest.mark.parametrize("lang", PREFIX)
def test_every_kind_of_result_links_to_its_page(client, plan, lang):
    queries = {
        "goal": ("公平城市", "A Fair City", f"{P}/"),
        "preamble": ("帶領高雄轉型", "Leading Kaohsiung", f"{P}/preamble/"),
        "closing": ("心之所在", "free, open, diverse", f"{P}/closing/"),
        "vision": ("宜居高雄", "Livable Kaohsiung", f"{P}/livable/"),
        "strategy": ("捷運路網", "MRT", f"{P}/mrt-network/"),
        "action": ("公辦都更", "urban renewal", f"{P}/social-housing/#social-housing-supply"),
    }
    for kind, (zh, en, link) in queries.items():
        html = search_page(client, zh if lang == "zh-hant" else en, lang)
        assert f'<h2><a href="{PREFIX[lang]}{link}"' in html, kind


def test_each_result_shows_its_place_in_the_plan(client, plan):
    html = search_page(client, "捷運")
    mrt, housing_action, _ = hit_blocks(html)
    assert "二、宜居高雄" in text(mrt)
    assert "(六) 健全大眾運輸捷運路網" in text(mrt)
    assert "二、宜居高雄 › (二) 增建社宅擴大租金補貼" in text(housing_action)
    assert "具體作法 1." in text(housing_action)
    en = hit_blocks(search_page(client, "MRT", "en"))[0]
    assert "2. Livable Kaohsiung" in text(en)
    assert "(6) Strengthening the MRT and Public Transit Network" in text(en)


def test_matches_are_highlighted(client, plan):
    html = search_page(client, "捷運")
    assert "健全大眾運輸<mark>捷運</mark>路網" in html
    assert "推動環狀輕軌、<mark>捷運</mark>岡山路竹延伸線" in html
    html = search_page(client, "rent subsidy", "en")
    assert "Expanded <mark>Rent</mark> <mark>Subsidies</mark>" in html  # the stem marks its word
    html = search_page(client, "ＭＲＴ", "en")
    assert "<mark>MRT</mark>" in html
    html = search_page(client, "高階轉型")
    assert "力促傳統產業<mark>高階轉型</mark>" in html  # found by the chart's wording: shown


def test_long_texts_are_cut_around_the_match(client, plan):
    html = search_page(client, "cold-chain", "en")
    (block,) = hit_blocks(html)
    assert "<mark>cold-chain</mark>" in block


def test_staff_text_is_escaped_in_titles_and_snippets(client, plan):
    node = PlanNode.objects.get(plan=plan, ref="mrt-network")
    node.title_zh_hant = "<script>alert(1)</script>捷運"
    node.body_zh_hant = '<img src=x onerror="alert(2)">捷運 & <b>輕軌</b>'
    node.save()
    html = search_page(client, "捷運").split('<main id="main-content"')[1]
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>捷運</mark>" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;<mark>捷運</mark> &amp; &lt;b&gt;" in html
    # a query that looks like markup is text too
    html = search_page(client, "<b>")
    assert "<b>" not in html.split('<main id="main-content"')[1]


def test_english_pages_search_the_english_and_point_to_the_chinese(client, plan):
    # A Chinese place name the English spells otherwise (and no synonym covers).
    html = search_page(client, "岡山路竹", "en")
    assert hit_links(html) == []
    assert "The Chinese text has 1 result for this search." in html
    assert f'href="/search/?q={quote("岡山路竹")}"' in html


def test_chinese_pages_point_to_english_results(client, plan):
    html = search_page(client, "corridor")
    assert hit_links(html) == []
    assert "英文譯本有 3 筆符合的結果" in html
    assert 'href="/en/search/?q=corridor"' in html


def test_other_language_count_is_what_the_other_page_shows(client, plan):
    PlanNode.objects.filter(plan=plan, ref="social-housing").update(published=False)
    PlanNode.objects.filter(plan=plan, ref="flood-control").update(published=False)
    for q in ("MRT", "AI", "mengo", "5G", "subsidy", "捷運", "2050", "住宅", "flood", "高雄"):
        for lang, other in (("zh-hant", "en"), ("en", "zh-hant")):
            there = search(q, other)
            assert search(q, lang).other_count == there.total == len(there.hits)


def test_language_switch_keeps_the_search(client, plan):
    html = search_page(client, "捷運 輕軌")
    assert (
        f'class="language-switch" href="/en/search/?q={quote("捷運 輕軌").replace("%20", "+")}"'
        in html
    )
    assert f'<link rel="canonical" href="http://testserver/search/?q={quote("捷運")}' in html


def test_the_search_box_shows_the_query(client, plan):
    html = search_page(client, "長照 幼托")
    assert 'name="q" accesskey="S" value="長照 幼托"' in html


@pytest.mark.parametrize("q", ["", "   ", "\u3000", "「」", "%", "_", "—"])
def test_an_empty_search_explains_what_to_do(client, plan, q, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the page cache's content stamp, the plans
        html = search_page(client, q)
    assert hit_links(html) == []
    assert 'class="search-help"' in html
    assert f'href="{P}/chart/"' in html


def test_an_overlong_query_is_cut_with_a_note(client, plan):
    q = "捷運" + "很" * 300
    html = search_page(client, q)
    note = re.search(r'<p class="note search-note">(.*?)</p>', html, re.S).group(1)
    assert str(MAX_QUERY_LENGTH) in note
    assert f'value="{("捷運" + "很" * 300)[:MAX_QUERY_LENGTH]}"' in html
    assert hit_links(html) == []
    html = search_page(client, "捷運 " + "x" * 10_000)
    assert 'class="note search-note"' in html


HOSTILE = [
    "%00",
    "%00%E6%8D%B7%E9%81%8B",  # NUL then 捷運
    "%E6%8D%B7%00%E9%81%8B",
    "%01%02%1b%7f",
    "%ZZ",
    "%",
    "%%",
    "%E6%8D",  # cut UTF-8
    "%ED%A0%80",  # an encoded lone surrogate
    "%FF%FE",
    "%E2%80%AE%E6%8D%B7%E9%81%8B",  # right-to-left override
    "%EF%BB%BF",
    "%F0%9F%98%80",
    quote("{{ plan }}{% debug %}"),
    quote("%' OR 1=1 --"),
    quote("'; DROP TABLE plan_plannode; --"),
    quote("\\"),
    quote("_%_"),
    quote("捷%運"),
    quote("<script>alert(1)</script>"),
    "x" * 10_000,
    quote("捷運" * 5_000),
    "q=%E7%A4%BE%E5%AE%85&q=%E6%8D%B7%E9%81%8B",  # repeated q: the last one counts
]


@pytest.mark.parametrize("lang", PREFIX)
@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_no_input_breaks_the_page(client, plan, raw, lang, django_assert_max_num_queries):
    query_string = raw if raw.startswith("q=") else f"q={raw}"
    with django_assert_max_num_queries(4):
        response = client.get(f"{PREFIX[lang]}/search/?{query_string}")
    assert response.status_code == 200
    html = response.content.decode()
    main = html.split('<main id="main-content"')[1]
    assert "<script" not in main and "\x00" not in html


def test_an_unreadable_query_string_is_a_bad_request(client, plan):
    # Only a test client can put a character that is not a byte into the WSGI environ.
    assert client.get("/search/", QUERY_STRING="q=\u202e").status_code == 400


def test_like_wildcards_are_plain_characters(plan):
    assert search("捷%運", "zh-hant").hits == []
    assert search("捷_運", "zh-hant").hits == []
    assert search("m%t", "en").hits == [] and search("m_t", "en").hits == []
    assert search("mrt", "en").hits


def test_repeated_q_uses_the_last(client, plan):
    response = client.get("/search/?q=%E7%A4%BE%E5%AE%85&q=%E6%8D%B7%E9%81%8B")
    assert hit_links(response.content.decode())[0] == f"{P}/mrt-network/"


def test_unpublished_content_is_never_found(client, plan):
    PlanNode.objects.filter(plan=plan, ref="mrt-network").update(published=False)
    # The strategy is unpublished; its published action items go with it.
    PlanNode.objects.filter(plan=plan, ref="social-housing").update(published=False)
    links = hit_links(search_page(client, "捷運"))
    assert links == [f"{P}/regional-transport/"]
    # No result has both words now: partial matches (other subsidies) never show it.
    assert not [
        link
        for link in hit_links(search_page(client, "rent subsidy", "en"))
        if "social-housing" in link
    ]
    assert "The Chinese text has" not in search_page(client, "租金", "en")
    html = search_page(client, "MRT")
    assert "英文譯本有 1 筆符合的結果" in html  # regional-transport only


def test_unpublishing_takes_effect_at_once(client, plan):
    # The places (trees) of results are kept in memory between searches; what is found is not.
    assert f"{P}/mrt-network/" in hit_links(search_page(client, "捷運"))
    node = PlanNode.objects.get(plan=plan, ref="mrt-network")
    node.published = False
    node.save()  # as the admin saves it
    assert f"{P}/mrt-network/" not in hit_links(search_page(client, "捷運"))


def test_places_follow_edits_and_moves(client, plan):
    place = text(hit_blocks(search_page(client, "公辦都更"))[0])
    assert "(二) 增建社宅擴大租金補貼" in place
    strategy = PlanNode.objects.get(plan=plan, ref="social-housing")
    strategy.title_zh_hant = "增建社會住宅"
    strategy.save()
    assert "(二) 增建社會住宅" in text(hit_blocks(search_page(client, "公辦都更"))[0])
    # A move as the admin makes it (move, then save the node): renumbered everywhere.
    mrt = PlanNode.objects.get(plan=plan, ref="mrt-network")
    PlanNode.objects.move(mrt, PlanNode.objects.get(plan=plan, ref="net-zero"), "left")
    mrt.refresh_from_db()
    mrt.save()
    assert "(一) 健全大眾運輸捷運路網" in text(hit_blocks(search_page(client, "捷運"))[0])
    assert "(三) 增建社會住宅" in text(hit_blocks(search_page(client, "公辦都更"))[0])


def test_unpublished_plans_are_never_found(client, plan):
    Plan.objects.filter(pk=plan.pk).update(published=False)
    for q, lang in (("捷運", "zh-hant"), ("帶領高雄轉型", "zh-hant"), ("MRT", "en")):
        html = search_page(client, q, lang)
        assert hit_links(html) == []
        assert "search-other" not in html


def doubled(data, slug):
    data = copy.deepcopy(data)
    data["slug"] = slug
    data["title"] = {"zh-hant": "另一份計畫", "en": "Another plan"}
    data["term"] = {"roc": [108, 111], "western": [2019, 2022]}
    return data


@pytest.mark.parametrize("lang", PREFIX)
@pytest.mark.parametrize("q", ["捷運", "MRT", "太空", "智慧 科技", ""])
def test_query_budget(client, plan, plan_file_data, lang, q, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        search_page(client, q, lang)
    create_plan(doubled(plan_file_data, "another-plan"))
    with django_assert_max_num_queries(4):
        search_page(client, q, lang)


def test_results_from_several_plans_name_their_plan(client, plan, plan_file_data):
    create_plan(doubled(plan_file_data, "another-plan"))
    html = search_page(client, "捷運")
    links = hit_links(html)
    # The plan that runs latest comes first; title matches of every plan before body matches.
    assert links[:2] == [f"{P}/mrt-network/", "/another-plan/mrt-network/"]
    assert len(links) == 6
    first, second = hit_blocks(html)[:2]
    assert "高雄市政府112至115年度中程施政計畫" in text(first)
    assert "另一份計畫" in text(second)


def test_search_page_is_stateless_csp_clean_and_not_indexed(client, plan):
    response = client.get("/search/", {"q": "捷運"})
    html = response.content.decode()
    assert not response.cookies and "Cookie" not in response.headers.get("Vary", "")
    assert "csrfmiddlewaretoken" not in html
    assert "<script" not in html and "<style" not in html and not re.search(r"\sstyle=", html)
    assert '<meta name="robots" content="noindex">' in html
    assert client.post("/search/", {"q": "捷運"}).status_code == 405
    assert client.head("/search/?q=%E6%8D%B7%E9%81%8B").status_code == 200


def test_queries_are_folded_and_split():
    query = parse_query("  ＭＲＴ\u3000５Ｇ  「科技高雄」 ＭＲＴ mrt\x00\u200b ")
    assert query.terms == ("mrt", "5g", "科技高雄")
    assert query.text == "ＭＲＴ ５Ｇ 「科技高雄」 ＭＲＴ mrt"
    assert not query.truncated
    long = parse_query("長" * 250)
    assert long.truncated and long.text == "長" * MAX_QUERY_LENGTH
    assert not parse_query("") and not parse_query("「」 —") and not parse_query(None)


@pytest.mark.parametrize(
    ("word", "finds"),
    [
        ("subsidy", ["subsidy", "subsidies", "subsidize", "subsidised", "subsidizing"]),
        ("subsidies", ["subsidy", "subsidies"]),
        ("subsidise", ["subsidy", "subsidize", "subsidies"]),
        ("subsidize", ["subsidy", "subsidise"]),
        ("cities", ["city", "cities"]),
        ("city", ["city", "cities", "citywide"]),
        ("housing", ["house", "housing", "houses"]),
        ("parks", ["park", "parks", "parking"]),
        ("buses", ["bus", "buses"]),
        ("planning", ["plan", "plans", "planned"]),
        ("families", ["family", "families"]),
        ("flood", ["flood", "floods", "flooding", "flood-prevention"]),
    ],
)
def test_english_words_find_their_other_forms(word, finds):
    from plan.search import text_matches

    for form in finds:
        assert text_matches(form, (word,), "en"), (word, form)


@pytest.mark.parametrize(
    ("word", "misses"),
    [
        ("city", ["capacity", "electricity"]),  # never a bare "cit"
        ("ai", ["air", "maintain", "said"]),  # two letters: the whole word
        ("mrt", ["smrt"]),
        ("care", ["childcare"]),
    ],
)
def test_english_words_match_from_the_start_of_a_word(word, misses):
    from plan.search import text_matches

    for form in misses:
        assert not text_matches(form, (word,), "en"), (word, form)


def test_chinese_is_not_stemmed():
    assert term_variants("補貼", "zh-hant") == ("補貼",)
    assert term_variants("subsidies", "zh-hant") == ("subsidies",)


def test_highlight_escapes_first_then_marks():
    assert highlight("<b>捷運</b> & ＭＲＴ", ("捷運", "mrt"), "zh-hant") == (
        "&lt;b&gt;<mark>捷運</mark>&lt;/b&gt; &amp; <mark>ＭＲＴ</mark>"
    )
    assert highlight("Rent Subsidies", ("subsidy",), "en") == "Rent <mark>Subsidies</mark>"


def test_snippet_is_a_window_around_the_first_match():
    text = "甲" * 300 + "捷運" + "乙" * 300
    cut = snippet(text, ("捷運",), "zh-hant")
    assert cut.startswith("…") and cut.endswith("…")
    assert "<mark>捷運</mark>" in cut
    assert len(re.sub(r"</?mark>", "", cut)) < 200
    english = snippet("word " * 100 + "subsidies " + "word " * 100, ("subsidy",), "en")
    assert "<mark>subsidies</mark>" in english
    assert english.startswith("…word") and english.endswith("word…")


BROWSER_SEARCHES = {
    "results": "/search/?q=%E6%8D%B7%E9%81%8B",  # 捷運
    "results-en": "/en/search/?q=rent+subsidy",
    "other-language": "/en/search/?q=%E6%8D%B7%E9%81%8B",
    "none": "/search/?q=spaceport",
    "empty": "/search/",
    "too-long": "/search/?q=" + "x" * 150,
}


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_search_pages_in_a_browser(live_plan, browser, check_a11y, screenshot, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path in BROWSER_SEARCHES.items():
        assert page.goto(live_plan.url + path).status == 200
        check_a11y(page)
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        screenshot(page, f"search-{name}-{width}")
    context.close()


@pytest.mark.browser
def test_searching_from_the_header_box_without_javascript(live_plan, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_plan.url + f"{P}/mrt-network/")
    page.fill("#site-search", "長照")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator(".search-hit h2 a").first.get_attribute("href") == f"{P}/care-centers/"
    assert page.locator("#site-search").input_value() == "長照"
    page.click(".language-switch")
    assert "/en/search/?q=" in page.url
    assert page.locator("#site-search").input_value() == "長照"
    context.close()


# ------------------------------------------------------------------------------------------
# Hostile review of the knowledge layer (issue 15): glossary marking, topics and SDGs, the
# Simplified Chinese reading, forgiving search, the loader and the admin.


HANS = "/zh-hans"


PREFIXES = ("", "/en", HANS)


def test_a_common_word_does_not_name_every_topic_and_goal(client, plan):
    """named_pages counts any word of two or more letters found in a name
    (portal/pages/search/ranking.py _names): "parks and recreation" names every topic and
    goal with "and" in it (15 pages listed first, the one meant in 7th place); "care for the
    elderly" names SDG 17."""
    with translation.override("en"):
        pages = [page.name for page in search("parks and recreation", "en").pages]
        assert pages[0] == "Parks and Recreation" and len(pages) <= 2, pages
        pages = [page.name for page in search("care for the elderly", "en").pages]
        assert not [name for name in pages if "SDG 17" in name], pages


def test_a_goal_or_topic_named_in_the_other_language_is_found(client, plan):
    """Glossary terms are named in either language, topics and goals only in the page's
    (portal/pages/search/ranking.py named_pages reads topic.name / goal.name of one
    language)."""
    pages = [page.url for page in search("Sustainable Cities and Communities", "zh-hant").pages]
    assert f"{P}/sdgs/11/" in pages, pages
    with translation.override("en"):
        pages = [page.url for page in search("交通", "en").pages]
        assert f"/en{P}/topics/transport/" in pages, pages


def test_a_query_of_synonyms_stays_bounded(client, plan):
    query = (
        "捷運 MRT metro subway 地鐵 臺灣 台灣 長照 銀髮 社宅 托育 公車 淨零 就業 防洪 觀光 "
        "港口 漁港 幼托 高齡 長者 社會住宅 地铁 台湾 长照"
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        for prefix in PREFIXES:
            assert client.get(prefix + "/search/", {"q": query}).status_code == 200
    assert max(len(q["sql"]) for q in queries.captured_queries) < 50_000
    for punctuation in ("！？。", "...", "「」", "& < >"):
        for prefix in PREFIXES:
            assert client.get(prefix + "/search/", {"q": punctuation}).status_code == 200
    assert Client().get("/search/", {"q": "！？。"}).status_code == 200
