"""Progress pages in a real browser: axe (WCAG 2.2 AA) at phone and desktop widths in both
languages, with sample progress, no sideways scrolling, and screenshots to look at."""

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group, User

from .factories import P, sample_progress, sideways_overflow, staff_tab

pytestmark = pytest.mark.browser


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


PLAN_PAGES_CHECKED = {"strategy", "strategy-with-actions", "vision", "plan", "home"}
# At 1280 px axe runs where the wide layout is the page's own (full tables); every page is
# checked at 390 px, where the cards are (tests/test_plan_pages_browser.py says why).
AXE_AT_1280 = {"overview", "agency"}


@pytest.fixture
def open_page(open_site_page):
    """The pages are only read here: one live server and the committed plan for the module
    (conftest's shared site), with the sample progress where a test asks for it."""
    return open_site_page


@pytest.fixture
def with_progress(committed_site):
    return committed_site(sample_progress)


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
        # The plan's pages are checked with the same sample progress by the plan pages' axe
        # test (tests/test_plan_pages_browser.py): axe runs here on the progress pages only.
        checked = name not in PLAN_PAGES_CHECKED and (width == "mobile" or name in AXE_AT_1280)
        result = axe.run(page, options=WCAG22AA) if checked else None
        if result is not None and result.violations_count:
            reports.append(f"{name} ({lang}, {width}):\n{result.generate_report()}")
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {WIDTHS[width]}px"
        screenshot(page, f"progress-{name}-{lang}-{width}")
    assert not reports, "\n\n".join(reports)


@pytest.mark.parametrize("lang", LANG_PREFIX)
def test_nothing_reported_pages_are_accessible(live_site, open_page, screenshot, lang):
    """The Kaohsiung plan as shipped: every progress element says "not yet reported"."""
    axe = Axe()
    for name in (
        "home",
        "vision",
        "strategy-with-actions",
        "overview",
        "agencies",
        "chart-progress",
    ):
        page, response = open_page(LANG_PREFIX[lang] + PAGES[name], 390, bypass_csp=True)
        assert response.status == 200
        result = axe.run(page, options=WCAG22AA)
        assert result.violations_count == 0, result.generate_report()
        screenshot(page, f"progress-empty-{name}-{lang}")


# ------------------------------------------------------------------------------------------
# Issue 21, phones: at 390 px the tables scrolled sideways inside a 358 px box with no cue (the
# status read "尚未", light and percent were off-screen). Each row is now a card; the table
# stays a table for screen readers.


# Each row's title (its <th>) and its status, light and percent cells (the row's 3rd to 5th
# children, after the number and the title), in the overview and in an agency's tables alike.
ROW_CELLS = """rows => rows.map(row => [row.children[1], row.children[2], row.children[3],
    row.children[4]].map(cell => { const r = cell.getBoundingClientRect();
    return {text: cell.textContent.trim(), left: r.left, right: r.right, width: r.width,
            height: r.height}; }))"""


def accessible_table(page):
    """The table roles in Chromium's own accessibility tree, and each cell's name."""
    cdp = page.context.new_cdp_session(page)
    nodes = [n for n in cdp.send("Accessibility.getFullAXTree")["nodes"] if not n.get("ignored")]
    roles = [n.get("role", {}).get("value") for n in nodes]
    cells = [
        n.get("name", {}).get("value")
        for n, role in zip(nodes, roles, strict=True)
        if role == "cell"
    ]
    kinds = ("table", "row", "columnheader", "rowheader", "cell")
    return {kind: roles.count(kind) for kind in kinds}, cells


@pytest.mark.parametrize("lang", LANG_PREFIX)
@pytest.mark.parametrize("name", ("overview", "agency"))
def test_on_a_phone_every_items_title_status_light_and_percent_are_in_view(
    with_progress, open_page, lang, name
):
    page, response = open_page(LANG_PREFIX[lang] + PAGES[name], 390)
    assert response.status == 200
    rows = page.eval_on_selector_all("table.progress-table tbody tr", ROW_CELLS)
    assert len(rows) >= 3, name
    for cells in rows:
        for cell in cells:
            where = (name, lang, cells[0]["text"], cell)
            assert cell["width"] > 0 and cell["height"] > 0, where
            assert cell["left"] >= 0 and cell["right"] <= 390, where
    # Nothing scrolls sideways: neither the page nor a table's box.
    page_overflow = sideways_overflow(page)
    boxes_overflowing = page.eval_on_selector_all(
        ".table-scroll", "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth).length"
    )
    assert page_overflow <= 0 and boxes_overflowing == 0
    # Still a table to a screen reader, each cell read as on a wide screen (the labels shown
    # beside the values are not read a second time).
    phone = accessible_table(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function(
        "getComputedStyle(document.querySelector('tbody tr')).display === 'table-row'"
    )
    assert phone == accessible_table(page)
    assert phone[0]["columnheader"] and phone[0]["rowheader"] == len(rows)


def test_filters_work_without_javascript(with_progress, open_page):
    page, _ = open_page(f"{P}/progress/", java_script_enabled=False)
    rows = page.locator("tbody tr").count()
    # A click waits for its navigation to commit, not for the new page to load: counting the
    # rows at once read 0 of the page still arriving (a CI run on a busy machine).
    with page.expect_navigation():
        page.locator(".filter-options a", has_text="高雄市政府都市發展局").first.click()
    assert "agency=udd" in page.url
    assert page.locator("tbody tr").count() == 3 < rows
    with page.expect_navigation():
        page.locator("thead a").nth(2).click()  # No., status, percent complete, last update
    assert page.url.endswith("?agency=udd&sort=percent")


# ------------------------------------------------------------------------------------------
# In the browser: an agency editor enters a progress update with its source, a reviewer publishes
# it, and citizens see it at the next request everywhere it belongs.


PASSWORD = "a-long-password-for-2026"


PLAN = "/kaohsiung-112-115"


@pytest.fixture
def people(live_plan, progress_groups):
    from plan.models import PlanNode
    from progress.models import Agency, Responsibility
    from progress.roles import AGENCY_EDITOR, REVIEWER

    agency = Agency.objects.create(
        code="mrtb", name_zh_hant="捷運工程局", name_en="Mass Rapid Transit Bureau"
    )
    Responsibility.objects.create(
        node=PlanNode.objects.get(ref="mrt-network"), agency=agency, role="lead"
    )
    editor = User.objects.create_user("mrt-editor", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name=AGENCY_EDITOR))
    agency.editors.add(editor)
    reviewer = User.objects.create_user("reviewer", password=PASSWORD, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    return agency


def sign_in(browser, base, name):
    return staff_tab(browser, base, name, PASSWORD)


def test_an_update_entered_and_published_in_the_browser_reaches_every_page(
    live_plan, people, browser, screenshot
):
    from plan.models import PlanNode
    from progress.models import ProgressUpdate

    base = live_plan.url
    mrt = PlanNode.objects.get(ref="mrt-network")
    public = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"{base}{PLAN}/mrt-network/")
    assert "尚未填報" in public.content()  # nothing reported yet, and it says so

    editors, editor = sign_in(browser, base, "mrt-editor")
    editor.goto(f"{base}/admin/progress/progressupdate/add/")
    editor.select_option("#id_node", str(mrt.pk))
    editor.fill("#id_date", "2025-03-31")
    editor.select_option("#id_status", "in_progress")
    editor.fill("#id_percent", "42")
    editor.fill("#id_summary_zh_hant", "岡山路竹延伸線第一階段通車")
    editor.fill("#id_source", "https://www.mrt.kaohsiung.gov.tw/example-report")
    editor.select_option("#id_agency", str(people.pk))
    screenshot(editor, "progress-admin-editor-update")
    editor.click("input[name=_save]")
    update = ProgressUpdate.objects.get(node=mrt)
    assert update.state == "draft"
    public.goto(f"{base}{PLAN}/mrt-network/")
    assert "岡山路竹延伸線第一階段通車" not in public.content()  # a draft is not public
    editors.close()

    reviewers, reviewer = sign_in(browser, base, "reviewer")
    reviewer.goto(f"{base}/admin/progress/progressupdate/queue/")
    assert "岡山路竹延伸線第一階段通車" in reviewer.content() or str(mrt) in reviewer.content()
    reviewer.goto(f"{base}/admin/progress/progressupdate/?state__exact=draft")
    reviewer.check(f"input[name=_selected_action][value='{update.pk}']")
    reviewer.select_option("select[name=action]", "publish_selected")
    reviewer.click("button[name=index]")
    screenshot(reviewer, "progress-admin-reviewer-published")
    update.refresh_from_db()
    assert update.state == "published"
    reviewers.close()

    # At the next request, on every page and download that shows it.
    public.goto(f"{base}{PLAN}/mrt-network/")
    assert "岡山路竹延伸線第一階段通車" in public.content()
    assert "42" in public.content()
    public.goto(f"{base}{PLAN}/livable/")
    assert "7 項推動策略中 1 項已填報" in public.content()  # the vision roll-up, in strategies
    public.goto(f"{base}{PLAN}/progress/")
    assert "捷運工程局" in public.content()
    public.goto(f"{base}{PLAN}/agencies/mrtb/")
    assert "健全大眾運輸捷運路網" in public.content()
    feed = public.request.get(f"{base}{PLAN}/progress/feed/").text()
    assert "岡山路竹延伸線第一階段通車" in feed
    data = json.loads(public.request.get(f"{base}/data/kaohsiung-112-115.json").text())
    strategies = [s for v in data["tree"]["children"] for s in v["children"]]
    mrt_data = next(s for s in strategies if s["ref"] == "mrt-network")
    assert mrt_data["progress"]["status"] == "in_progress"
    assert (
        "岡山路竹延伸線" in public.request.get(f"{base}/data/kaohsiung-112-115/updates.csv").text()
    )


# ------------------------------------------------------------------------------------------
# In the browser: an agency editor adds an indicator with a target, an actual and a source for
# each year of the term (a draft), a reviewer publishes it from the list, and the strategy's
# public page shows it with those numbers. Both sign in as people do: a password, then a second
# factor (a backup code).


# ROC year: target, actual, source of the actual.
YEARS = {
    112: ("62.5", "60.1", "https://www.mrt.kaohsiung.gov.tw/stats/112"),
    113: ("70", "68.4", "https://www.mrt.kaohsiung.gov.tw/stats/113"),
    114: ("78", "79.2", "https://www.mrt.kaohsiung.gov.tw/stats/114"),
    115: ("85.5", "83", "https://www.mrt.kaohsiung.gov.tw/stats/115"),
}


NAME = "捷運路網營運長度"


@pytest.fixture
def indicator_editor_and_reviewer(live_plan, progress_groups, settings):
    from django_otp.plugins.otp_static.models import StaticDevice

    from plan.models import PlanNode
    from progress.models import Agency, Responsibility
    from progress.roles import AGENCY_EDITOR, REVIEWER

    settings.STAFF_2FA_REQUIRED = True
    agency = Agency.objects.create(code="mrtb", name_zh_hant="捷運工程局")
    Responsibility.objects.create(
        node=PlanNode.objects.get(ref="mrt-network"), agency=agency, role="lead"
    )
    for username, group in (("mrt-editor", AGENCY_EDITOR), ("reviewer", REVIEWER)):
        user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        device.token_set.create(token=f"{username[:3]}-backup-1")
        if group == AGENCY_EDITOR:
            agency.editors.add(user)
    return agency


def sign_in_with_backup_code(browser, base, username):
    """The password, then a backup code, in a fresh 1280 px wide browser."""
    context, page = staff_tab(browser, base, username, PASSWORD)
    page.wait_for_url("**/admin/two-factor/**")
    page.fill("#id_code", f"{username[:3]}-backup-1")
    page.click("input[type=submit].default")
    page.wait_for_url(f"{base}/admin/")
    return context, page


def test_an_agency_editor_adds_an_indicator_and_a_reviewer_publishes_it(
    live_plan, indicator_editor_and_reviewer, browser
):
    from plan.models import PlanNode
    from progress.models import Indicator

    base = live_plan.url
    mrt = PlanNode.objects.get(ref="mrt-network")

    editors, editor = sign_in_with_backup_code(browser, base, "mrt-editor")
    editor.goto(f"{base}/admin/progress/indicator/add/")
    # The agency's own items only: the item it leads, not another agency's.
    offered = editor.locator("#id_node option").all_inner_texts()
    # (Issue 21 numbers the items in every dropdown: "二、(六) 健全大眾運輸捷運路網".)
    offered = [text for text in offered if text.strip("-")]
    assert len(offered) == 1 and offered[0].endswith(mrt.title_zh_hant), offered
    editor.select_option("#id_node", str(mrt.pk))
    editor.fill("#id_key", "network-km")
    editor.fill("#id_name_zh_hant", NAME)
    editor.fill("#id_unit_zh_hant", "公里")
    editor.select_option("#id_direction", "increase")
    editor.fill("#id_baseline_year", "111")
    editor.fill("#id_baseline", "54.8")
    editor.fill("#id_source", "https://www.mrt.kaohsiung.gov.tw/stats")
    for year, (target, actual, source) in YEARS.items():
        editor.fill(f"#id_target_{year}", target)
        editor.fill(f"#id_actual_{year}", actual)
        editor.fill(f"#id_source_{year}", source)
    # Each year is one row of three fields, labelled with its year.
    for year in YEARS:
        row = editor.locator(f".form-row.field-target_{year}")
        assert row.locator("input").count() == 3
        assert str(year) in row.inner_text()
    editor.screenshot(path="/tmp/indicator-form-1280.png", full_page=True)
    editor.click("input[name=_save]")
    editor.wait_for_url(f"{base}/admin/progress/indicator/")
    indicator = Indicator.objects.get(key="network-km")
    assert indicator.state == "draft" and indicator.node == mrt
    assert indicator.values == {
        str(year): {"target": target, "actual": actual, "source": source}
        for year, (target, actual, source) in YEARS.items()
    }
    editor.screenshot(path="/tmp/indicator-saved-1280.png", full_page=True)
    editors.close()

    public = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"{base}{PLAN}/mrt-network/")
    assert NAME not in public.content()  # a draft is not public

    reviewers, reviewer = sign_in_with_backup_code(browser, base, "reviewer")
    reviewer.goto(f"{base}/admin/progress/indicator/?state__exact=draft")
    reviewer.check(f"input[name=_selected_action][value='{indicator.pk}']")
    reviewer.select_option("select[name=action]", "publish_selected")
    reviewer.click("button[name=index]")
    reviewer.locator(".messagelist .success").wait_for()
    indicator.refresh_from_db()
    assert indicator.state == "published"
    reviewers.close()

    public.goto(f"{base}{PLAN}/mrt-network/")
    section = public.locator("section.indicator", has_text=NAME)
    assert section.count() == 1
    rows = section.locator("table.indicator-table tbody tr")
    assert rows.count() == len(YEARS)
    for index, (year, (target, actual, source)) in enumerate(YEARS.items()):
        cells = rows.nth(index)
        assert cells.locator("th").inner_text() == str(year)
        texts = cells.locator("td").all_inner_texts()
        # The actual, with 達成 / 未達成 beside it (issue 21: higher is better here).
        verdict = "達成" if float(actual) >= float(target) else "未達成"
        assert texts[:2] == [target, f"{actual} {verdict}"]
        assert cells.locator("td a.source-link").get_attribute("href") == source
    public.screenshot(path="/tmp/indicator-public-1280.png", full_page=True)
