"""In the browser: an agency editor adds an indicator with a target, an actual and a source for
each year of the term (a draft), a reviewer publishes it from the list, and the strategy's
public page shows it with those numbers. Both sign in as people do: a password, then a
second factor (a backup code)."""

import pytest
from django.contrib.auth.models import Group, User

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password-for-2026"
PLAN = "/kaohsiung-112-115"
# ROC year: target, actual, source of the actual.
YEARS = {
    112: ("62.5", "60.1", "https://www.mrt.kaohsiung.gov.tw/stats/112"),
    113: ("70", "68.4", "https://www.mrt.kaohsiung.gov.tw/stats/113"),
    114: ("78", "79.2", "https://www.mrt.kaohsiung.gov.tw/stats/114"),
    115: ("85.5", "83", "https://www.mrt.kaohsiung.gov.tw/stats/115"),
}
NAME = "捷運路網營運長度"


@pytest.fixture
def people(live_plan, progress_groups, settings):
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


def sign_in(browser, base, username):
    """The password, then a backup code, in a fresh 1280 px wide browser."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/two-factor/**")
    page.fill("#id_code", f"{username[:3]}-backup-1")
    page.click("input[type=submit].default")
    page.wait_for_url(f"{base}/admin/")
    return context, page


def test_an_agency_editor_adds_an_indicator_and_a_reviewer_publishes_it(live_plan, people, browser):
    from plan.models import PlanNode
    from progress.models import Indicator

    base = live_plan.url
    mrt = PlanNode.objects.get(ref="mrt-network")

    editors, editor = sign_in(browser, base, "mrt-editor")
    editor.goto(f"{base}/admin/progress/indicator/add/")
    # The agency's own items only: the item it leads, not another agency's.
    offered = editor.locator("#id_node option").all_inner_texts()
    assert [text for text in offered if text.strip("-")] == [str(mrt)]
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

    reviewers, reviewer = sign_in(browser, base, "reviewer")
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
        assert texts[:2] == [target, actual]
        assert cells.locator("td a.source-link").get_attribute("href") == source
    public.screenshot(path="/tmp/indicator-public-1280.png", full_page=True)
