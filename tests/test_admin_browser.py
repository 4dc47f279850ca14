"""A plan editor corrects an English title in the admin; citizens see it and its diff at once."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.browser

PASSWORD = "a-long-editor-password-2026"


@pytest.fixture
def editor_account(live_plan, editor_group):
    from plan.history import record_loaded
    from plan.models import Plan

    record_loaded(Plan.objects.get(), "kaohsiung-112-115.json")
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(editor_group)
    return user


def test_editor_changes_an_english_title_and_citizens_see_it(
    live_plan, editor_account, page, screenshot
):
    from plan.models import PlanNode

    mrt = PlanNode.objects.get(ref="mrt-network")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_plan.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_plan.url}/admin/plan/plannode/{mrt.pk}/change/")
    # modeltranslation's tabs: the English field is hidden until its tab is chosen.
    english_title = page.locator("#id_title_en")
    assert not english_title.is_visible()
    page.locator(".ui-tabs-nav a", has_text="EN").first.click()
    assert english_title.is_visible()
    english_title.fill("A Complete MRT Network for Kaohsiung")
    screenshot(page, "admin-editor-english-tab")
    page.click("input[name=_save]")
    assert page.url.endswith("/admin/plan/plannode/")

    page.goto(f"{live_plan.url}/en/kaohsiung-112-115/mrt-network/")
    assert page.locator("h1").inner_text() == "A Complete MRT Network for Kaohsiung"
    page.get_by_role("link", name="What changed (history)").click()
    assert page.url.endswith("/en/kaohsiung-112-115/mrt-network/history/")
    edited = page.locator(".history-edited").first
    assert "Complete" in edited.locator("ins").all_inner_texts()
    assert "Completing" in edited.locator("del").all_inner_texts()
    screenshot(page, "history-en-1280")
