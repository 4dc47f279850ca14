"""The reporting routine's public pages in a real browser, with the clock set by the test
(2026-02-01 in Taipei, reporting from 114q1 on): a period's report in both languages at a
phone's and a desktop's width, accessible (axe, WCAG 2.2 AA), without sideways scrolling, and
in its print layout (A4); the stale marks on the overview and a strategy page. Screenshots go
to /tmp/shots/ (report-*.png) to be looked at."""

from pathlib import Path

import pytest
import time_machine

from .factories import (
    REPORTING_TODAY,
    WCAG22AA,
    P,
    add_sample_progress,
    report_an_exception,
    sideways_overflow,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
WIDTHS = {"390": 390, "1280": 1280}
LANG_PREFIX = {"zh": "", "en": "/en"}


@pytest.fixture
def reporting_live(live_plan):
    """The sample progress, an MRT update behind schedule in 114q3, reporting from 114q1 on,
    and the clock at REPORTING_TODAY (ticking: the browser's timers need time to pass)."""
    from plan.models import Plan

    plan = Plan.objects.get()
    add_sample_progress(plan)
    report_an_exception(
        plan,
        reason_zh_hant="部分用地所有權人尚未同意協議價購，需另行辦理徵收程序",
        reason_en="Some landowners have not agreed to sell; expropriation is needed",
        remedy_zh_hant="與地主逐案協商，並同步辦理徵收前置作業",
        remedy_en=None,
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(REPORTING_TODAY, tick=True):
        yield live_plan


def no_sideways_scrolling(page, what):
    overflow = sideways_overflow(page)
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("lang", LANG_PREFIX)
def test_the_period_report_at_both_widths_and_on_paper(reporting_live, open_page, lang):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    path = f"{LANG_PREFIX[lang]}{P}/progress/114q3/"
    for name, width in WIDTHS.items():
        page, response = open_page(path, width, bypass_csp=True)
        assert response.status == 200
        assert page.locator("h1").inner_text().startswith("2025 Q3" if lang == "en" else "114年")
        # The exceptions: one section per agency, each line linked to its item.
        assert page.locator(".agency-exceptions").count() == 3
        assert page.locator(".exceptions-table tbody th a").count() == 3
        result = axe.run(page, options=WCAG22AA)
        assert result.violations_count == 0, result.generate_report()
        no_sideways_scrolling(page, f"the report at {width}px")
        page.screenshot(path=str(SHOTS / f"report-{lang}-{name}.png"), full_page=True)
    # Paper: A4's width at 96 dpi, the print style sheets; tables stay tables.
    page, _response = open_page(path, 794)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".period-links").is_hidden()
    display = page.locator(".exceptions-table tbody tr").first.evaluate(
        "row => getComputedStyle(row).display"
    )
    assert display == "table-row"
    page.screenshot(path=str(SHOTS / f"report-{lang}-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2


def test_stale_marks_in_the_browser(reporting_live, open_page, check_a11y):
    for path, name, width in (
        (f"{P}/progress/?stale=1", "overview-stale-zh-1280", 1280),
        (f"/en{P}/progress/?stale=1", "overview-stale-en-390", 390),
        (f"{P}/mrt-network/", "strategy-stale-zh-390", 390),
    ):
        page, response = open_page(path, width, bypass_csp=True)
        assert response.status == 200
        assert page.locator(".stale-mark").first.is_visible()
        check_a11y(page)
        no_sideways_scrolling(page, name)
        page.screenshot(path=str(SHOTS / f"report-{name}.png"), full_page=True)
