"""The reporting routine's staff pages in Chromium (issue 22): an agency editor opens 我的填報
from the admin index, copies last period's update into a new draft and saves it; a reviewer
reads the period by agency, follows a count to its list and signs the period off. Each page
is checked with axe (WCAG 2.2 AA) and kept as a 1280 px screenshot in /tmp/shots/."""

from datetime import date
from pathlib import Path

import pytest

from .factories import make_agency_world, staff_tab

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
TODAY = date(2025, 7, 5)  # 114q1 closed, 114q2 due in 5 days, 114q3 open


@pytest.fixture
def routine(live_plan, progress_groups, editor_group, monkeypatch):
    """Two agencies; ours leads four strategies: one published in 114q1, one returned in
    114q2, one submitted in 114q2; reporting started at 114q1; the pages' day is TODAY."""
    from plan.models import Plan, PlanNode
    from progress import periods
    from progress.admin import reporting
    from progress.models import ProgressUpdate, Responsibility

    monkeypatch.setattr(reporting, "today", lambda: TODAY)
    plan = Plan.objects.get()
    world = make_agency_world(plan)
    more = list(PlanNode.objects.filter(plan=plan, kind="strategy").order_by("path")[2:5])
    for item in more:
        Responsibility.objects.create(node=item, agency=world["ours"], role="lead")
    common = {"status": "in_progress", "agency": world["ours"], "submitted_by": world["editor"]}
    ProgressUpdate.objects.create(
        node=more[0],
        date=date(2025, 6, 30),
        percent=35,
        summary_zh_hant="用地取得作業中",
        source="高市府經字第1140000001號",
        state="returned",
        review_comment="請補充預定進度與因應對策。",
        **common,
    )
    ProgressUpdate.objects.create(
        node=more[1],
        date=date(2025, 6, 30),
        percent=50,
        summary_zh_hant="完成細部設計",
        source="https://example.gov.tw/design",
        **common,
    )
    periods.set_first_reporting_period(plan, "114q1", world["reviewer"])
    SHOTS.mkdir(exist_ok=True)
    return world


def sign_in(browser, base, username):
    context, page = staff_tab(browser, base, username, bypass_csp=True)
    page.wait_for_url(f"{base}/admin/")
    return context, page


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"staff-{name}.png"), full_page=True)


def test_an_editor_copies_last_period_and_a_reviewer_signs_off(
    live_plan, routine, browser, check_a11y
):
    from progress.models import ProgressUpdate, ReportingPeriod

    base = live_plan.url
    editors, editor = sign_in(browser, base, "editor")
    summary = editor.locator(".reporting-summary")
    assert "114年第2季" in summary.inner_text()
    check_a11y(editor)
    shot(editor, "editor-index")
    summary.locator("a.button").click()
    editor.wait_for_url("**/admin/progress/reportingperiod/mine/")
    headings = editor.locator(".reporting-period h2").all_inner_texts()
    # The open periods, nearest deadline first, then a closed one with what is overdue in it.
    assert headings == ["114年第2季", "114年第3季", "114年第1季"]
    assert "請補充預定進度與因應對策。" in editor.content()
    assert "他局" not in editor.content()
    check_a11y(editor)
    shot(editor, "editor-mine")

    before = ProgressUpdate.objects.count()
    q3 = editor.locator(".reporting-period").nth(1)
    # (Opened by its address: the development banner, sticky at the bottom, may cover it.)
    editor.goto(base + q3.locator("a.reporting-copy").first.get_attribute("href"))
    assert editor.input_value("#id_summary_zh_hant") == "第一期工程發包"
    assert editor.input_value("#id_date") == "2025-09-30"
    assert ProgressUpdate.objects.count() == before  # nothing saved yet
    shot(editor, "editor-copied-form")
    editor.fill("#id_percent", "62")
    editor.click("input[name=_save]")
    editor.wait_for_url("**/admin/progress/progressupdate/")
    new = ProgressUpdate.objects.latest("pk")
    assert ProgressUpdate.objects.count() == before + 1
    assert (new.state, new.date, str(new.percent)) == ("draft", date(2025, 9, 30), "62.0")
    editors.close()

    reviewers, reviewer = sign_in(browser, base, "reviewer")
    reviewer.goto(f"{base}/admin/progress/reportingperiod/?plan__id__exact={routine['plan'].pk}")
    check_a11y(reviewer)
    shot(reviewer, "reviewer-periods")
    for name, path in (
        ("generate", "generate/"),
        ("first", f"{ReportingPeriod.objects.get(slug='114q3').pk}/first/"),
    ):
        reviewer.goto(f"{base}/admin/progress/reportingperiod/{path}")
        check_a11y(reviewer)
        shot(reviewer, f"reviewer-{name}")
    q1 = ReportingPeriod.objects.get(slug="114q1")
    reviewer.goto(f"{base}/admin/progress/reportingperiod/{q1.pk}/by-agency/")
    table = reviewer.locator("table.reporting-by-agency")
    assert "他局" in table.inner_text() and "本局" in table.inner_text()
    check_a11y(reviewer)
    shot(reviewer, "reviewer-by-agency")
    table.locator("tbody tr", has_text="他局").locator("a").first.click()
    reviewer.wait_for_url("**/mine/?**")
    assert routine["their_item"].title_zh_hant in reviewer.content()
    shot(reviewer, "reviewer-overdue-list")
    reviewer.go_back()
    reviewer.locator("a[href$='/sign-off/']").first.click()
    reviewer.wait_for_url("**/sign-off/")
    check_a11y(reviewer)
    shot(reviewer, "reviewer-sign-off")
    reviewer.click("input[type=submit].default")
    reviewer.wait_for_url("**/by-agency/")
    shot(reviewer, "reviewer-signed-off")
    q1.refresh_from_db()
    assert q1.signed_off_at is not None and q1.report
    assert reviewer.locator("a[href$='/sign-off/']").count() == 0
    reviewers.close()
