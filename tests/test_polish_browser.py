"""Issue 13, the pages, measured in a real browser: the phone's first screen, the printed full
text, the chart's rows, the footer on a short page, and the menu that folds without JavaScript."""

import re

import pytest

from .conftest import SLUG

pytestmark = pytest.mark.browser

P = f"/{SLUG}"
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


@pytest.mark.parametrize("lang", PREFIX)
def test_wide_screens_show_the_menu_and_search_unfolded(open_page, lang):
    page, _ = open_page(f"{PREFIX[lang]}/changes/", 1280)
    assert not page.locator(".site-menu > summary").is_visible()
    assert page.locator("#site-search").is_visible()
    # Home, 施政目標, chart, full text, topics and SDGs, glossary, site map.
    assert page.locator(".site-nav a").count() == 7
    assert all(link.is_visible() for link in page.locator(".site-nav a").all())


def test_the_full_text_prints_on_five_a4_pages_at_most(open_page, screenshot):
    counts = {}  # measured: zh 5, en 8 (zh 4, en 6 once visions no longer start a page)
    for lang in PREFIX:
        page, _ = open_page(f"{PREFIX[lang]}{P}/full-text/", 1280)
        counts[lang] = a4_pages(page)
        page.context.close()
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
        page.context.close()
