"""Progress pages in a real browser: axe (WCAG 2.2 AA) at phone and desktop widths in both
languages, with sample progress, no sideways scrolling, and screenshots to look at."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import SLUG
from .test_progress_pages import add_sample_progress

pytestmark = pytest.mark.browser

P = f"/{SLUG}"
WCAG22AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
}
WIDTHS = {"mobile": 390, "desktop": 1280}
LANG_PREFIX = {"zh": "", "en": "/en"}
PAGES = {
    "strategy": f"{P}/mrt-network/",
    "strategy-with-actions": f"{P}/social-housing/",
    "vision": f"{P}/livable/",
    "plan": f"{P}/",
    "home": "/",
    "overview": f"{P}/progress/",
    "overview-filtered": f"{P}/progress/?agency=udd&sort=percent",
    "agencies": f"{P}/agencies/",
    "agency": f"{P}/agencies/udd/",
    "chart-progress": f"{P}/chart/progress/",
}


@pytest.fixture
def with_progress(live_plan):
    from plan.models import Plan

    add_sample_progress(Plan.objects.get())
    return live_plan


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANG_PREFIX)
def test_progress_pages_are_accessible_at_both_widths(
    with_progress, open_page, screenshot, lang, width
):
    axe = Axe()
    reports = []
    for name, path in PAGES.items():
        page, response = open_page(LANG_PREFIX[lang] + path, WIDTHS[width], bypass_csp=True)
        assert response.status == 200, name
        result = axe.run(page, options=WCAG22AA)
        if result.violations_count:
            reports.append(f"{name} ({lang}, {width}):\n{result.generate_report()}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {WIDTHS[width]}px"
        screenshot(page, f"progress-{name}-{lang}-{width}")
        page.context.close()
    assert not reports, "\n\n".join(reports)


@pytest.mark.parametrize("lang", LANG_PREFIX)
def test_nothing_reported_pages_are_accessible(live_plan, open_page, screenshot, lang):
    """The Kaohsiung plan as shipped: every progress element says "not yet reported"."""
    axe = Axe()
    for name in ("strategy-with-actions", "overview", "agencies", "chart-progress"):
        page, response = open_page(LANG_PREFIX[lang] + PAGES[name], 390, bypass_csp=True)
        assert response.status == 200
        result = axe.run(page, options=WCAG22AA)
        assert result.violations_count == 0, result.generate_report()
        screenshot(page, f"progress-empty-{name}-{lang}")
        page.context.close()


def test_filters_work_without_javascript(with_progress, open_page):
    page, _ = open_page(f"{P}/progress/", java_script_enabled=False)
    rows = page.locator("tbody tr").count()
    page.locator(".filter-options a", has_text="高雄市政府都市發展局").first.click()
    assert "agency=udd" in page.url
    assert page.locator("tbody tr").count() == 3 < rows
    page.locator("thead a").nth(2).click()  # No., status, percent complete, last update
    assert page.url.endswith("?agency=udd&sort=percent")
