"""The portal in a real browser: accessibility, keyboard, language switch, print, screenshots.

Over 400 lines, one job: the plan's pages in a real browser (they share one server and one
browser).
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from .factories import PAGES, WCAG22AA, P, load_knowledge, sample_progress, sideways_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def open_page(open_site_page):
    """These tests read pages only: they share one live server and the committed plan
    (conftest's shared site), with what their fixtures commit on it (sampled, edited,
    with_progress_and_glossary)."""
    return open_site_page


@pytest.fixture
def sampled(committed_site):
    """The plan with the sample progress, committed for the shared site."""
    return committed_site(sample_progress)


WIDTHS = {"mobile": 390, "desktop": 1280}


LANG_PREFIX = {"zh": "", "en": "/en"}


# The chart page has its own browser tests (test_chart_browser.py).
BROWSED = {name: path for name, path in PAGES.items() if name != "chart"}
# The pages are the same markup at both widths; only CSS differs. axe runs on every page at
# 390 px, where the phone layout (folded menu, cards, stacked lists) differs most, and at
# 1280 px on the pages whose wide layout is their own (the unfolded menu and search, the
# home page's grid, a strategy with its action items, an error page): every page still
# opens at both widths and is checked for sideways scrolling. (CI time: each axe run costs
# seconds of CPU.)
AXE_AT_1280 = {"home", "plan", "strategy-with-actions", "404"}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANG_PREFIX)
def test_axe_finds_no_wcag_violations_on_any_page(sampled, open_page, lang, width):
    """With the sample progress, so the plan's pages are checked with everything they can
    show (the progress pages' own test checks only the pages this one does not open; the
    empty state has its own test)."""
    axe = Axe()
    reports = []
    for name, path in [*BROWSED.items(), ("404", "/kaohsiung-112-115/no-such-page/")]:
        page, response = open_page(LANG_PREFIX[lang] + path, WIDTHS[width])
        assert response.status == (404 if name == "404" else 200)
        if width == "mobile" or name in AXE_AT_1280:
            result = axe.run(page, options=WCAG22AA)
            if result.violations_count:
                reports.append(f"{name} ({lang}, {width}):\n{result.generate_report()}")
        # Nothing may need sideways scrolling on a phone.
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {WIDTHS[width]}px"
    assert not reports, "\n\n".join(reports)


def record_an_edit():
    """A staff edit recorded as the admin records it (a revision, dated), in the live
    server's database, so the history and recent-changes pages have differences to show."""
    import reversion
    from django.utils import timezone

    from plan.history import record_loaded
    from plan.models import Plan, PlanNode

    record_loaded(Plan.objects.get(), "kaohsiung-112-115.json")
    mrt = PlanNode.objects.get(ref="mrt-network")
    with reversion.create_revision():
        reversion.set_comment("edited")
        mrt.title_en = "A Complete MRT and Public Transit Network"
        mrt.title_zh_hant = "完善大眾運輸捷運路網"
        mrt.edited_at = timezone.now()
        mrt.save()
    action = PlanNode.objects.get_children(PlanNode.objects.get(ref="social-housing")).first()
    with reversion.create_revision():
        reversion.set_comment("edited")
        # Another first word (English) and first two characters (Chinese): each language's
        # difference then has both a deletion and an insertion.
        action.body_en = "Jointly " + action.body_en.split(" ", 1)[1]
        action.body_zh_hant = "共同" + action.body_zh_hant[2:]
        action.edited_at = timezone.now()
        action.save()


@pytest.fixture
def edited(committed_site):
    """The plan with an edit recorded (record_an_edit), committed for the shared site."""
    return committed_site(record_an_edit)


HISTORY_PAGES = {
    "history": "/kaohsiung-112-115/mrt-network/history/",
    "history-with-actions": "/kaohsiung-112-115/social-housing/history/",
    "changes": "/changes/",
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANG_PREFIX)
def test_history_and_recent_changes_with_differences_are_accessible(
    edited, open_page, check_a11y, lang, width
):
    for name, path in HISTORY_PAGES.items():
        page, response = open_page(LANG_PREFIX[lang] + path, WIDTHS[width])
        assert response.status == 200, name
        if name == "changes":
            # Recent changes lists both edits (each links to its page's history).
            assert page.locator(".changes-list li").count() >= 2, f"{name} ({lang}) is empty"
        else:
            # The history shows the edit as a difference: axe checks the marked-up diff too.
            assert page.locator("main ins").count() > 0, f"{name} ({lang}) shows no insertion"
            assert page.locator("main del").count() > 0, f"{name} ({lang}) shows no deletion"
        check_a11y(page)
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {WIDTHS[width]}px"


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(open_page):
    page, _ = open_page("/kaohsiung-112-115/mrt-network/", 390)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "跳到主要內容"
    # The focused skip link is visible on screen, not just present.
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def loaded_tree():
    from plan.models import Plan
    from plan.tree import PlanTree

    return PlanTree.load(Plan.objects.get())


def test_keyboard_reaches_every_strategy_link_on_the_home_page(open_page):
    tree = loaded_tree()
    page, _ = open_page("/", 1280)
    seen = []
    for _ in range(120):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        if href == "#main-content" and seen:
            break  # wrapped around to the skip link: every stop was visited once
        seen.append(href)
    strategy_links = [
        href for href in seen if href and href.count("/") == 3 and "kaohsiung" in href
    ]
    expected = [f"/kaohsiung-112-115/{s.ref}/" for s in tree.strategies]
    assert [h for h in strategy_links if h in expected] == expected


def test_language_switch_keeps_you_on_the_same_strategy(open_page):
    page, _ = open_page("/kaohsiung-112-115/mrt-network/")
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/en/kaohsiung-112-115/mrt-network/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "MRT" in page.locator("h1").inner_text()
    page.get_by_role("link", name="繁體中文").click()
    assert page.url.endswith("/kaohsiung-112-115/mrt-network/")
    assert page.locator("h1").inner_text() == "健全大眾運輸捷運路網"
    page.get_by_role("link", name="简体中文").click()
    assert page.url.endswith("/zh-hans/kaohsiung-112-115/mrt-network/")
    assert page.locator("h1").inner_text() == "健全大众运输捷运路网"


def test_print_stylesheet_hides_navigation(open_page):
    page, _ = open_page("/kaohsiung-112-115/full-text/")
    assert page.locator(".site-header").is_visible()
    page.emulate_media(media="print")
    for chrome in (".site-header", ".site-footer", ".breadcrumbs", ".skip-link"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.locator("h1").is_visible()
    # The document flows on: no vision starts a printed page of its own (issue 13).
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.vision-section')).breakBefore"
    ) in ("auto", "avoid")


def test_pages_read_fully_without_javascript(open_page):
    tree = loaded_tree()
    page, _ = open_page("/kaohsiung-112-115/full-text/", java_script_enabled=False)
    text = page.locator("main").inner_text()
    for strategy in tree.strategies:
        assert strategy.title_zh_hant in text


def test_text_scales_to_200_percent_without_loss(open_page):
    page, _ = open_page("/kaohsiung-112-115/mrt-network/", 1280)
    # As a browser's text-size setting does (CSSOM, which the page's CSP allows).
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    overflow = sideways_overflow(page)
    assert overflow <= 0
    assert page.locator("h1").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots(open_page, screenshot, width):
    for name, path in (
        ("home", "/"),
        ("strategy", "/kaohsiung-112-115/social-housing/"),
        ("full-text", "/kaohsiung-112-115/full-text/"),
    ):
        for lang in LANG_PREFIX:
            page, _ = open_page(LANG_PREFIX[lang] + path, WIDTHS[width])
            shot = screenshot(page, f"{name}-{lang}-{WIDTHS[width]}")
            assert shot.stat().st_size > 10_000


# ------------------------------------------------------------------------------------------
# Issue 13, the pages, measured in a real browser: the phone's first screen, the printed full
# text, the chart's rows, the footer on a short page, and the menu that folds without JavaScript.


PREFIX = {"zh": "", "en": "/en"}


PHONE = {"width": 390, "height": 844}


def a4_pages(page):
    """The page printed to A4 by Chromium (print media), and how many sheets it takes."""
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.parametrize("lang", PREFIX)
def test_the_first_vision_shows_on_a_phones_first_screen(open_page, screenshot, lang):
    page, _ = open_page(f"{PREFIX[lang]}/", PHONE["width"])
    page.set_viewport_size(PHONE)
    screenshot(page, f"polish-home-{lang}-390")
    card = page.locator(".vision-card").first.bounding_box()
    assert card["y"] < PHONE["height"], f"the first vision starts at {card['y']}px"
    # The header and the note about the translation leave most of the screen to the plan.
    note = page.locator(".translation-note")
    chrome = (note if lang == "en" else page.locator(".site-header")).bounding_box()
    assert chrome["y"] + chrome["height"] < 200
    if lang == "en":
        assert note.bounding_box()["height"] < 32, "the note is one line"
        # The title breaks between words only: "Mid-Term" stays on one line.
        mid, term = page.evaluate(
            """(() => { const word = [...document.querySelectorAll('h1 .word')]
                  .find(w => w.textContent.includes('Mid-Term'));
                const text = word.firstChild, range = document.createRange(), at = text.data.indexOf('-');
                range.setStart(text, at); range.setEnd(text, at + 1);
                const a = range.getBoundingClientRect().top;
                range.setStart(text, at + 1); range.setEnd(text, at + 2);
                return [a, range.getBoundingClientRect().top]; })()"""
        )
        assert mid == term


def test_the_phone_menu_folds_without_javascript(open_page):
    page, _ = open_page(f"{P}/mrt-network/", PHONE["width"], java_script_enabled=False)
    menu = page.locator(".site-nav")
    assert not menu.is_visible() and not page.locator("#site-search").is_visible()
    page.locator(".site-menu > summary").click()
    assert menu.is_visible() and page.locator("#site-search").is_visible()
    assert page.locator(".site-nav a", has_text="架構圖").is_visible()
    # Issue 21: progress is in the menu, the phone's too.
    assert page.locator(f'.site-nav a[href="{P}/progress/"]', has_text="執行進度").is_visible()


@pytest.mark.parametrize("lang", PREFIX)
def test_wide_screens_show_the_menu_and_search_unfolded(open_page, lang):
    page, _ = open_page(f"{PREFIX[lang]}/changes/", 1280)
    assert not page.locator(".site-menu > summary").is_visible()
    assert page.locator("#site-search").is_visible()
    # Home, 施政目標, chart, full text, progress, topics and SDGs, glossary, site map.
    assert page.locator(".site-nav a").count() == 8
    assert all(link.is_visible() for link in page.locator(".site-nav a").all())
    progress = page.locator(f'.site-nav a[href="{PREFIX[lang]}{P}/progress/"]')
    assert progress.inner_text() == {"zh": "執行進度", "en": "Progress"}[lang]
    # Eight links and the search still take one line at 1280 px, in English too.
    tops = {round(link.bounding_box()["y"]) for link in page.locator(".site-nav a").all()}
    assert len(tops) == 1, tops


def test_the_full_text_prints_on_five_a4_pages_at_most(open_page, screenshot):
    counts = {}  # measured: zh 5, en 8 (zh 4, en 6 once visions no longer start a page)
    for lang in PREFIX:
        page, _ = open_page(f"{PREFIX[lang]}{P}/full-text/", 1280)
        counts[lang] = a4_pages(page)
    assert counts["zh"] <= 5, counts
    assert counts["en"] <= 8, counts


@pytest.mark.parametrize("lang", PREFIX)
def test_the_nth_strategies_of_every_vision_share_a_row(open_page, screenshot, lang):
    page, _ = open_page(f"{PREFIX[lang]}{P}/chart/", 1280)
    columns = page.eval_on_selector_all(
        ".chart-vision",
        "vs => vs.map(v => [...v.querySelectorAll('.chart-strategy-box')].map(b => {"
        " const r = b.getBoundingClientRect(); return [r.top, r.bottom]; }))",
    )
    assert len(columns) == 4
    for index in range(max(len(column) for column in columns)):
        tops = [column[index][0] for column in columns if len(column) > index]
        assert max(tops) - min(tops) <= 1, f"row {index + 1}: {tops}"
    # Every column ends at the same height, where the row label does.
    bottoms = [column[-1][1] for column in columns]
    assert max(bottoms) - min(bottoms) <= 1, bottoms
    label = page.locator(".chart-row-strategies").bounding_box()
    assert abs(label["y"] + label["height"] - bottoms[0]) <= 1


@pytest.mark.parametrize("lang", PREFIX)
def test_the_footer_stays_at_the_bottom_of_a_short_page(open_page, lang):
    page, _ = open_page(f"{PREFIX[lang]}{P}/preamble/", 1280)
    footer = page.locator(".site-footer").bounding_box()
    assert abs(footer["y"] + footer["height"] - 900) <= 1


def test_reading_pages_keep_rules_and_text_to_one_width(open_page):
    page, _ = open_page(f"{P}/livable/", 1280)
    widths = page.eval_on_selector_all(
        ".vision p, .strategy-summary, .vision .page-heading",
        "els => els.map(e => Math.round(e.getBoundingClientRect().right))",
    )
    assert max(widths) - min(widths) <= 1, widths


@pytest.mark.parametrize("lang", PREFIX)
@pytest.mark.parametrize("width", (390, 1280))
def test_pages_about_no_plan_have_the_plans_menu(open_page, screenshot, lang, width):
    for name, path, status in (
        ("404", f"{P}/no-such-page/", 404),
        ("changes", "/changes/", 200),
        ("site-map", "/site-map/", 200),
    ):
        page, response = open_page(f"{PREFIX[lang]}{path}", width)
        assert response.status == status
        if width == 390:
            page.locator(".site-menu > summary").click()
        screenshot(page, f"polish-after-{name}-{lang}-{width}")
        assert page.locator(f'.site-nav a[href="{PREFIX[lang]}{P}/chart/"]').is_visible()
        assert page.locator(f'.site-nav a[href="{PREFIX[lang]}{P}/progress/"]').is_visible()


# ------------------------------------------------------------------------------------------
# Issue 21, line breaking: Chinese may break between any two characters, and names were split
# at the end of a line ("都市發展/局" at 1280 px, "社區照顧關/懷據點", "尚未填/報" at 390).
# What must stay whole is measured where it is shown, with a handful of progress updates and
# the glossary loaded.


@pytest.fixture
def with_progress_and_glossary(committed_site):
    return committed_site(sample_progress, load_knowledge)


# For each element matching the selector: its text (or `needle` within it) and the number of
# lines it takes. The text's boxes are grouped by line: a box whose middle is within half a
# font size of the previous line's is on that line (Latin and Chinese glyph boxes of one line
# differ a little in height).
LINES = """([selector, needle]) => [...document.querySelectorAll(selector)].map(element => {
    const nodes = [];
    let text = "";
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        nodes.push([node, text.length]);
        text += node.data;
    }
    const start = needle ? text.indexOf(needle) : 0;
    if (start < 0 || !text.trim()) return [needle || text, 0];
    const end = needle ? start + needle.length : text.length;
    const at = (offset, isEnd) => {
        for (const [node, from] of nodes) {
            const to = from + node.data.length;
            if (offset >= from && (isEnd ? offset <= to : offset < to)) return [node, offset - from];
        }
    };
    const range = document.createRange();
    range.setStart(...at(start, false));
    range.setEnd(...at(end, true));
    const middles = [...range.getClientRects()].filter(r => r.width > 0)
        .map(r => (r.top + r.bottom) / 2).sort((a, b) => a - b);
    const half = parseFloat(getComputedStyle(element).fontSize) / 2;
    let lines = 0, line = -Infinity;
    for (const middle of middles) if (middle - line > half) { lines += 1; line = middle; }
    return [needle || text.trim(), lines];
})"""


def lines_of(page, selector, needle=None):
    return page.evaluate(LINES, [selector, needle])


# Page: address, and what must stay on one line in Chinese and on English pages (there, the
# Chinese shown: an untranslated agency's name, a glossary term's Chinese name; English breaks
# between words as it should).
KEPT_WHOLE = {
    "home": ("/", (), ()),
    "glossary": ("/glossary/", (".glossary-entry dfn",), (".glossary-entry dt :lang(zh)",)),
    "overview": (
        f"{P}/progress/",
        (".agency-name", ".status-words", ".light"),
        (".agency-name :lang(zh)",),
    ),
    "agency": (f"{P}/agencies/udd/", (".status-words", ".light"), ()),
    "agencies": (f"{P}/agencies/", (".agency-name",), (".agency-name :lang(zh)",)),
    "strategy": (f"{P}/mrt-network/", (".agency-name", ".light"), ()),
}


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("lang", PREFIX)
def test_names_terms_and_statuses_stay_on_one_line(
    with_progress_and_glossary, open_page, screenshot, lang, width
):
    split = []
    for name, (path, chinese, english) in KEPT_WHOLE.items():
        page, response = open_page(PREFIX[lang] + path, width)
        assert response.status == 200, name
        screenshot(page, f"issue21-{name}-{lang}-{width}")
        selectors = chinese if lang == "zh" else english
        measured = 0
        for selector in selectors:
            for text, lines in lines_of(page, selector):
                measured += 1
                if lines != 1:
                    split.append(f"{name}: {text!r} takes {lines} lines")
        assert measured or not selectors, f"{name} ({lang}): nothing to measure"
    assert not split, "\n".join(split)


def test_the_plans_title_keeps_its_years_whole_on_a_phone(open_page):
    page, _ = open_page("/", 390)
    assert lines_of(page, "#plan-title", "112至115年度") == [["112至115年度", 1]]


def test_keep_whole_keeps_the_titles_years_and_authority_together_on_a_phone(open_page, screenshot):
    """The home page's title, marked by the keep_whole filter in the page itself: "112至" and
    "115年度" broke onto two lines at 390 px."""
    from portal.templatetags.line_breaks import keep_whole

    page, _ = open_page("/", 390)
    title = page.locator("#plan-title").inner_text()
    page.eval_on_selector(
        "#plan-title",
        "(h1, html) => { h1.innerHTML = html; }",
        str(keep_whole(title, "高雄市政府")),
    )
    assert lines_of(page, "#plan-title", "112至115年度") == [["112至115年度", 1]]
    assert lines_of(page, "#plan-title", "高雄市政府") == [["高雄市政府", 1]]
    assert page.locator("#plan-title").inner_text() == title  # the text is the same
    screenshot(page, "issue21-home-title-marked-zh-390")
