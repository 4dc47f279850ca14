"""The plan on a past day and the comparison of two days in a real browser (issue 24): the
scenario of tests/test_dated_pages.py (factories.dated_history: the plan recorded today,
then three later days of edits), opened a week later in Chromium. An as-of home, strategy
page and full text, and the comparison from the first day to the third, in both languages
at a phone's and a desktop's width: accessible (axe, WCAG 2.2 AA), without sideways
scrolling, the banner in view, the comparison's summary and groups readable; the dates'
form works without JavaScript. Screenshots go to /tmp/shots/ (dated-*.png) to be looked at."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from .factories import P, asof_first_day, asof_noon, dated_history, sideways_overflow

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
WIDTHS = (390, 1280)
LANG_PREFIX = {"zh": "", "en": "/en"}


@pytest.fixture
def dated_live(live_plan, loaded, client, editor_group):
    """The live portal a week after the first of three days of edits (the clock ticking: the
    browser's timers need time to pass): (the live server, the three days)."""
    days = list(dated_history(loaded, client, editor_group))
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(asof_noon(asof_first_day() + timedelta(days=7)), tick=True):
        yield live_plan, days


def no_sideways_scrolling(page, what):
    overflow = sideways_overflow(page)
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


def nothing_wider_than_its_box(page, what):
    """No element's text runs out of its box (a long numbering, a date field): the page can
    hide it without scrolling sideways, so the page's width alone would not tell."""
    spill = page.evaluate(
        """() => [...document.querySelectorAll('main *, .as-of-note *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                    && getComputedStyle(e).overflowX === 'hidden')
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert spill == [], f"{what}: clipped {spill}"


def the_banner_is_in_view(page, iso, what):
    banner = page.locator(".as-of-note")
    assert banner.count() == 1, what
    assert banner.is_visible(), what
    box = banner.bounding_box()
    assert box["y"] < 900, f"{what}: the banner starts below the first screen"
    assert page.locator(f'.as-of-note time[datetime="{iso}"]').count() == 1, what
    assert banner.locator("a").count() == 2, what  # today's page, what changed since


def shoot(page, name):
    page.screenshot(path=str(SHOTS / f"dated-{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", LANG_PREFIX)
def test_dated_pages_and_the_comparison_at_both_widths(dated_live, open_page, check_a11y, lang):
    _server, (first, second, third) = dated_live
    prefix = LANG_PREFIX[lang]
    pages = {
        "home": (f"{prefix}{P}/as-of/{first.isoformat()}/", first),
        "strategy": (f"{prefix}{P}/as-of/{second.isoformat()}/regional-transport/", second),
        "full-text": (f"{prefix}{P}/as-of/{third.isoformat()}/full-text/", third),
        "compare": (f"{prefix}{P}/compare/?from={first.isoformat()}&to={third.isoformat()}", None),
        # From the record's first day (the default): the first day's retitling, word by word.
        "compare-since-record": (f"{prefix}{P}/compare/?to={third.isoformat()}", None),
    }
    for width in WIDTHS:
        for name, (path, day) in pages.items():
            what = f"{name} ({lang}, {width}px)"
            page, response = open_page(path, width, bypass_csp=True)
            assert response.status == 200, what
            shoot(page, f"{name}-{lang}-{width}")
            assert response.headers["x-robots-tag"] == "noindex", what
            assert page.locator("html").get_attribute("lang") == (
                "en" if lang == "en" else "zh-Hant"
            )
            check_a11y(page)
            no_sideways_scrolling(page, what)
            nothing_wider_than_its_box(page, what)
            if day is not None:
                the_banner_is_in_view(page, day.isoformat(), what)
            else:
                the_comparison_is_readable(page, lang, what, texts=name != "compare")
            if name == "strategy":
                # The numbering after the second day's move: the vision's first strategy.
                kicker = page.locator(".kicker").first.inner_text()
                assert kicker.endswith("(1)" if lang == "en" else "(一)"), f"{what}: {kicker}"
        # A day before the record: a 404 that says where the record begins, with links.
        before = (first - timedelta(days=11)).isoformat()
        what = f"the 404 before the record ({lang}, {width}px)"
        page, response = open_page(f"{prefix}{P}/as-of/{before}/", width, bypass_csp=True)
        assert response.status == 404, what
        shoot(page, f"no-such-day-{lang}-{width}")
        check_a11y(page)
        no_sideways_scrolling(page, what)
        assert page.locator(".no-such-day h1").is_visible(), what
        links = page.locator(".no-such-day li a")
        assert links.count() == 2, what
        assert links.first.get_attribute("href").endswith(
            f"/as-of/{(first - timedelta(days=10)).isoformat()}/"
        )


def the_comparison_is_readable(page, lang, what, texts):
    summary = page.locator(".compare-summary li")
    lines = summary.all_inner_texts()
    assert len(lines) >= 5, f"{what}: {lines}"
    assert ("1 item moved" if lang == "en" else "移動 1 個項目") in lines, f"{what}: {lines}"
    groups = page.locator(".compare-group")
    assert groups.count() >= 2, what
    for group in groups.all():
        assert group.locator("h2").is_visible(), what
        assert group.locator(".change").count() >= 1, what
    # Each text change with its differences (the first day's retitling: from the record's start).
    assert page.locator(".diff").count() == page.locator(".change-text").count(), what
    assert (page.locator(".change-text").count() >= 1) == texts, what
    if texts:
        # The retitling's word-level differences: both sides, marked and not only by colour.
        deleted, inserted = page.locator(".diff del").first, page.locator(".diff ins").first
        assert deleted.is_visible() and inserted.is_visible(), what
        for mark, line in ((deleted, "line-through"), (inserted, "underline")):
            assert mark.evaluate("e => getComputedStyle(e).textDecorationLine") == line, what
    # Each change's line at the body's size, its kind's label not much smaller.
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    line, label = page.locator(".change-what").first, page.locator(".change-kind").first
    assert line.evaluate(size) >= 16 and label.evaluate(size) >= 14, what
    if not texts:
        # The lowered target (published on the first day, lowered on the third) says so,
        # with its reason.
        lowered = page.locator(".target-lowered")
        assert lowered.count() == 1 and lowered.is_visible(), what
        assert ("預算刪減" if lang == "zh" else "Reason") in lowered.inner_text(), what


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dates_form_works_without_javascript(dated_live, open_page, width):
    _server, (first, second, third) = dated_live
    page, response = open_page(
        f"{P}/compare/?from={first.isoformat()}&to={third.isoformat()}",
        width,
        java_script_enabled=False,
    )
    assert response.status == 200
    form = page.locator("form.compare-form")
    for field in ("#compare-from", "#compare-to", "button[type=submit]"):
        box = form.locator(field).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{field} at {width}px: {box}"
        assert box["height"] >= 24, f"{field} at {width}px: {box}"
    # The labels are above or beside their fields, never cut.
    assert form.locator("label[for=compare-from]").is_visible()
    page.fill("#compare-from", second.isoformat())
    page.fill("#compare-to", third.isoformat())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"from": [second.isoformat()], "to": [third.isoformat()]}
    assert page.locator("h1").inner_text() == f"{chinese(second)}至{chinese(third)}的異動"
    assert page.locator("#compare-from").input_value() == second.isoformat()
    # The days the other way round: the same comparison (from the earlier to the later).
    page.fill("#compare-from", third.isoformat())
    page.fill("#compare-to", first.isoformat())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert parse_qs(urlsplit(page.url).query)["from"] == [third.isoformat()]
    assert page.locator("h1").inner_text() == f"{chinese(first)}至{chinese(third)}的異動"
    assert page.locator(".compare-summary li").count() >= 5
    no_sideways_scrolling(page, f"the comparison without JavaScript at {width}px")
    shoot(page, f"compare-nojs-zh-{width}")
    # And in English.
    english, response = open_page(
        f"/en{P}/compare/?from={first.isoformat()}&to={second.isoformat()}",
        width,
        java_script_enabled=False,
    )
    english.fill("#compare-from", first.isoformat())
    english.fill("#compare-to", third.isoformat())
    with english.expect_navigation():
        english.locator("form.compare-form button[type=submit]").click()
    assert urlsplit(english.url).path == f"/en{P}/compare/"
    assert parse_qs(urlsplit(english.url).query) == {
        "from": [first.isoformat()],
        "to": [third.isoformat()],
    }
    assert english.locator("h1").inner_text() == (
        f"What changed from {english_day(first)} to {english_day(third)}"
    )


def chinese(day):
    return f"{day.year}年{day.month}月{day.day}日"


def english_day(day):
    from django.utils import formats, translation

    with translation.override("en"):
        return formats.date_format(day, "DATE_FORMAT")
