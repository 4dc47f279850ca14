"""Issue 13, the admin for city staff, in a real browser: the tree opens down to the
strategies with titles on one line at 1280 px, and a refused save reopens the language tab
the editor was typing in. Screenshots at 1280 and 390 px."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a-long-editor-password-2026"


@pytest.fixture
def editor(live_plan, editor_group):
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(editor_group)
    return user


def sign_in(browser, base, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return context, page


@pytest.mark.parametrize("width", [1280, 390])
def test_the_tree_opens_to_the_strategies_with_whole_titles(
    live_plan, editor, browser, screenshot, width
):
    context, page = sign_in(browser, live_plan.url, width)
    page.goto(f"{live_plan.url}/admin/plan/plannode/")
    row = page.locator("#result_list tbody tr", has_text="健全大眾運輸捷運路網").first
    row.wait_for()  # opened by itself, down to every vision's strategies
    # Every vision's strategies (each vision's rows arrive on their own request: on a busy
    # machine four requests to a threaded test server take longer than the default 5 s).
    expect(page.locator("#result_list tbody tr[data-level='3']")).to_have_count(28, timeout=20_000)
    screenshot(page, f"admin-tree-{width}")
    if width == 1280:
        # A strategy's title on one line; its ref whole (never broken at a hyphen).
        title = row.locator(".field-title_or_text a:not(.treebeard-collapse)").first
        height = title.evaluate("el => el.getBoundingClientRect().height")
        line = title.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 20")
        assert height < 1.6 * line, (height, line)
        ref = row.locator(".field-ref")
        assert ref.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"
    context.close()


def test_a_refused_save_reopens_the_language_tab_in_use(live_plan, editor, browser, screenshot):
    from plan.models import PlanNode

    mrt = PlanNode.objects.get(ref="mrt-network")
    context, page = sign_in(browser, live_plan.url, 1280)
    page.goto(f"{live_plan.url}/admin/plan/plannode/{mrt.pk}/change/")
    page.locator(".ui-tabs-nav a", has_text="en").first.click()
    page.fill("#id_title_en", "An English title typed while someone else saved")
    # Someone else saves first.
    mrt.title_zh_hant = "健全大眾運輸捷運路網"
    mrt.version += 1
    mrt.save()
    page.click("input[name=_save]")
    page.locator(".errornote").wait_for()
    # The English tab, not the Chinese (opened once the page's scripts have run).
    page.locator("#id_title_en").wait_for(state="visible", timeout=5000)
    assert not page.locator("#id_title_zh_hant").is_visible()
    screenshot(page, "admin-refused-save-english-tab")
    context.close()
