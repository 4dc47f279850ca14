"""The reporting routine end to end (issue 22's "done when"), in Chromium against the live
portal, with the clock of the test process (the live server's thread included) set by the
test (time-machine) to the days the routine turns on, and the mail read from a real SMTP
server on loopback (aiosmtpd):

a reviewer generates the periods and starts reporting with 115年第3季; the agency editor sees
what is owed and submits one update; a week before the deadline `send_reminders` mails the
editor what is still owed, once; the editor submits the other; the reviewer returns the
first (the editor is mailed the comment) and publishes the second; after the deadline the
reviewer is mailed what is overdue and signs the period off; the period's report and the
overview show it, the returned item marked stale. Screenshots in /tmp/shots/routine-*.png.
"""

from datetime import date, datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from .factories import SLUG, staff, staff_tab

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
TAIPEI = ZoneInfo("Asia/Taipei")
PERIOD = "115q3"  # 2026-07-01 to 2026-09-30, due by the end of 2026-10-10 (Taipei)


def taipei(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=TAIPEI)


@pytest.fixture
def city(live_plan, progress_groups, editor_group):
    """One agency leading two strategies, its editor, a reviewer (both with addresses); the
    plan without its generated calendar (the reviewer generates it)."""
    from plan.models import Plan, PlanNode
    from progress.models import Agency, ReportingPeriod, Responsibility
    from progress.roles import AGENCY_EDITOR, REVIEWER

    plan = Plan.objects.get(slug=SLUG)
    ReportingPeriod.objects.filter(plan=plan).delete()
    agency = Agency.objects.create(
        code="tbkc", name_zh_hant="高雄市政府交通局", name_en="Transportation Bureau"
    )
    first, second = PlanNode.objects.filter(plan=plan, kind="strategy").order_by("path")[:2]
    for item in (first, second):
        Responsibility.objects.create(node=item, agency=agency, role="lead")
    editor = staff("editor", AGENCY_EDITOR, email="editor@tbkc.example.gov.tw")
    agency.editors.add(editor)
    staff("reviewer", REVIEWER, email="reviewer@rdec.example.gov.tw")
    SHOTS.mkdir(exist_ok=True)
    return {"plan": plan, "first": first, "second": second, "editor": editor}


def sign_in(browser, base, username, width=1280):
    context, page = staff_tab(browser, base, username, width=width)
    page.wait_for_url(f"{base}/admin/")
    return context, page


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"routine-{name}.png"), full_page=True)


def reminders():
    """send_reminders as cron runs it: no --date, today in Taipei from the (set) clock."""
    out = StringIO()
    call_command("send_reminders", stdout=out, stderr=StringIO())
    return out.getvalue()


def bodies(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def submit(page, base, row, summary, percent):
    """From 我的填報: "report on it" on the item's row, fill the pre-filled form, save."""
    page.goto(f"{base}/admin/progress/reportingperiod/mine/")
    row = page.locator(".reporting-period", has_text="115年第3季").locator("tr", has_text=row)
    row.locator("a.button", has_text="填報進度").click()
    page.wait_for_url("**/progressupdate/add/**")
    assert page.input_value("#id_date") == "2026-09-30"  # the period's end
    page.select_option("#id_status", "in_progress")
    page.fill("#id_percent", percent)
    page.fill("#id_summary_zh_hant", summary)
    page.fill("#id_source", "高市交字第1150000001號")
    page.click("input[name=_save]")
    page.wait_for_url("**/progressupdate/")


def test_a_period_from_generation_to_its_report(city, live_plan, browser, inbox, settings):
    from progress.models import ProgressUpdate, ReportingPeriod

    base, plan = live_plan.url, city["plan"]
    settings.PORTAL_BASE_URL = base  # the mail's links lead to this portal
    first, second = city["first"], city["second"]

    with time_machine.travel(taipei(date(2026, 9, 20)), tick=True):
        reviewers, reviewer = sign_in(browser, base, "reviewer")
        reviewer.goto(f"{base}/admin/progress/reportingperiod/generate/")
        reviewer.select_option("#id_rule", "quarterly")
        reviewer.fill("#id_deadline_day", "10")
        reviewer.click("input[type=submit].default")
        assert ReportingPeriod.objects.filter(plan=plan).count() == 16
        q3 = ReportingPeriod.objects.get(plan=plan, slug=PERIOD)
        reviewer.goto(f"{base}/admin/progress/reportingperiod/{q3.pk}/first/")
        reviewer.click("input[type=submit].default")
        plan.refresh_from_db()
        assert plan.first_reporting_period == PERIOD

        editors, editor = sign_in(browser, base, "editor")
        editor.goto(f"{base}/admin/progress/reportingperiod/mine/")
        owed = editor.locator(".reporting-period", has_text="115年第3季")
        assert "尚待填報 (2)" in " ".join(owed.locator("h3").all_inner_texts())
        assert "20" in owed.locator(".reporting-deadline").inner_text()  # 20 days left
        submit(editor, base, first.title_zh_hant, "第一項：路網規劃完成", "40")

    with time_machine.travel(taipei(date(2026, 10, 3), hour=7), tick=True):
        reminders()
        mail = {tuple(recipients): message for _, recipients, message in inbox.take()}
        # The editor: what is still owed; the reviewer: a draft waiting more than 5 days.
        assert set(mail) == {("editor@tbkc.example.gov.tw",), ("reviewer@rdec.example.gov.tw",)}
        assert first.title_zh_hant in bodies(mail[("reviewer@rdec.example.gov.tw",)])[0]
        text, html = bodies(mail[("editor@tbkc.example.gov.tw",)])
        assert second.title_zh_hant in text and second.title_zh_hant in html
        assert first.title_zh_hant not in text  # submitted: not owed any more
        assert text.index("您好") < text.index("Dear")  # Chinese first, English below
        reminders()
        assert inbox.take() == []  # once

    with time_machine.travel(taipei(date(2026, 10, 5)), tick=True):
        # Staff sessions end after hours (staff security): each day, everyone signs in again.
        editors.close()
        reviewers.close()
        editors, editor = sign_in(browser, base, "editor")
        reviewers, reviewer = sign_in(browser, base, "reviewer")
        submit(editor, base, second.title_zh_hant, "第二項：用地取得中", "55")
        editor.goto(f"{base}/admin/progress/reportingperiod/mine/")
        shot(editor, "editor-1280")

        drafts = {u.node_id: u for u in ProgressUpdate.objects.filter(state="draft")}
        reviewer.goto(f"{base}/admin/progress/progressupdate/{drafts[first.pk].pk}/change/")
        reviewer.click("button[name=_return]")
        reviewer.fill(
            f"#id_review_comment_{drafts[first.pk].pk}", "請補充預定進度與因應對策的說明。"
        )
        reviewer.click("input[type=submit].default")
        reviewer.wait_for_url("**/progressupdate/**")
        reviewer.goto(f"{base}/admin/progress/progressupdate/{drafts[second.pk].pk}/change/")
        reviewer.click("input[name=_publish]")
        reviewer.wait_for_url("**/progressupdate/**")
        states = dict(ProgressUpdate.objects.values_list("node_id", "state"))
        assert states == {first.pk: "returned", second.pk: "published"}

        reminders()
        ((_, recipients, message),) = inbox.take()  # the submitter, with the comment
        assert recipients == ["editor@tbkc.example.gov.tw"]
        assert "請補充預定進度與因應對策的說明。" in bodies(message)[0]
        reminders()
        assert inbox.take() == []

    with time_machine.travel(taipei(date(2026, 10, 11), hour=7), tick=True):
        editors.close()
        reviewers.close()
        reviewers, reviewer = sign_in(browser, base, "reviewer")
        reminders()
        mail = {tuple(recipients): message for _, recipients, message in inbox.take()}
        assert set(mail) == {("reviewer@rdec.example.gov.tw",)}  # overdue, by agency
        text, _ = bodies(mail[("reviewer@rdec.example.gov.tw",)])
        assert "高雄市政府交通局" in text and first.title_zh_hant in text
        assert second.title_zh_hant not in text

        reviewer.goto(f"{base}/admin/progress/reportingperiod/{q3.pk}/by-agency/")
        counts = reviewer.locator("table.reporting-by-agency tbody tr", has_text="交通局")
        numbers = [cell.split()[0] for cell in counts.locator("td").all_inner_texts()[:5]]
        assert numbers == ["0", "0", "0", "1", "1"]  # owed, submitted, returned, published, overdue
        shot(reviewer, "reviewer-1280")
        reviewer.locator(f"a[href$='/{q3.pk}/sign-off/']").first.click()
        reviewer.click("input[type=submit].default")
        reviewer.wait_for_url("**/by-agency/")
        q3.refresh_from_db()
        assert q3.signed_off_at is not None
        reviewers.close()

        for language, prefix in (("zh", ""), ("en", "/en")):
            for width in (390, 1280):
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                response = page.goto(f"{base}{prefix}/{SLUG}/progress/{PERIOD}/")
                assert response.status == 200
                report = page.locator("main").inner_text()
                assert second.title_zh_hant in report or second.title_en in report
                assert "55" in report
                # Signed off: the day in each language's calendar (ROC on Chinese pages).
                assert ("已於 115/10/11 簽核" if language == "zh" else "2026-10-11") in report
                shot(page, f"report-{language}-{width}")
                context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/{SLUG}/progress/?stale=1")
        rows = page.locator("main table tbody tr")
        assert rows.count() == 1 and first.title_zh_hant in rows.first.inner_text()
        assert "資料已逾一期未更新" in rows.first.inner_text()
        page.goto(f"{base}/{SLUG}/progress/")
        assert (
            "資料已逾一期未更新"
            not in page.locator("main tr", has_text=second.title_zh_hant).first.inner_text()
        )
        shot(page, "overview-1280")
        context.close()
