"""In the browser: an agency editor enters a progress update with its source, a reviewer
publishes it, and citizens see it at the next request everywhere it belongs."""

import json

import pytest
from django.contrib.auth.models import Group, User

pytestmark = pytest.mark.browser

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
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return context, page


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
    assert "7 項中已填報 1 項" in public.content()  # the vision roll-up
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
