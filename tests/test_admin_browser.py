"""A plan editor corrects an English title in the admin; citizens see it and its diff at once.

Over 400 lines, one job: the admin in a real browser (its scenarios share one signed-in
server).
"""

from urllib.parse import parse_qs

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from .factories import admin_sign_in, staff_tab

pytestmark = pytest.mark.browser


PASSWORD = "a-long-editor-password-2026"


def sign_in(page, base):
    """The plan editor signs in through the admin's own form."""
    admin_sign_in(page, base, "editor", PASSWORD)


def tree_row(page, title):
    return page.locator("#result_list tbody tr", has_text=title).first


def drag_in_the_tree(page, base, height, moved, target):
    """The plan editor, signed in on a `height` px tall page, drags the row titled `moved`
    onto the lower half of the row titled `target` ("as its child"): the answer to
    treebeard's move request (Playwright's Response; its .request is what was sent)."""
    page.set_viewport_size({"width": 1280, "height": height})
    sign_in(page, base)
    page.goto(f"{base}/admin/plan/plannode/")
    # The list opens down to the strategies by itself (static/portal/admin-plan.js).
    tree_row(page, "健全大眾運輸捷運路網").wait_for()
    onto = tree_row(page, target)
    box = onto.bounding_box()
    # The XHR to treebeard's move endpoint, answered before the page reloads.
    with page.expect_response(lambda r: r.url.endswith("/admin/plan/plannode/move/")) as answer:
        tree_row(page, moved).locator(".drag-handler").drag_to(
            onto, target_position={"x": box["width"] / 2, "y": box["height"] * 0.8}
        )
    return answer.value


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
    # The reference translation's title as loaded (its wording may be revised in the fixture).
    first_word = mrt.title_en.split()[0]
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_plan.url)
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
    assert first_word in edited.locator("del").all_inner_texts()
    screenshot(page, "history-en-1280")


def test_admin_tree_works_under_the_content_security_policy(
    live_plan, editor_account, page, screenshot
):
    """Expand the tree and drag a strategy onto its vision (treebeard makes it the vision's last
    child), with the site's CSP on: no policy violation, the move is saved and renumbers."""
    from plan.models import PlanNode
    from plan.tree import PlanTree, number

    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_plan.url)
    response = page.goto(f"{live_plan.url}/admin/plan/plannode/")
    assert "default-src 'self'" in response.headers["content-security-policy"]

    def row(title):
        return tree_row(page, title)

    # The list opens down to the strategies by itself (static/portal/admin-plan.js).
    row("健全大眾運輸捷運路網").wait_for()
    target = row("宜居高雄")
    box = target.bounding_box()
    # The drop posts the move and then always reloads the page (treebeard-admin.js): wait
    # for its answer and for the reloaded page, not for a fixed time (network idle could come
    # between the two, and the screenshot then met the page navigating away).
    with (
        page.expect_navigation(),
        page.expect_response(lambda response: response.request.method == "POST") as moved,
    ):
        row("提升空品邁向淨零永續").locator(".drag-handler").drag_to(
            target, target_position={"x": box["width"] / 2, "y": box["height"] * 0.8}
        )
    assert moved.value.ok, moved.value.status
    screenshot(page, "admin-tree-after-move")

    plan = PlanNode.objects.get(ref="mrt-network").plan
    tree = PlanTree.load(plan)
    assert tree.get("net-zero").parent.ref == "livable"
    assert number(tree.get("net-zero"), "zh-hant") == "(七)"
    assert number(tree.get("social-housing"), "zh-hant") == "(一)"
    assert number(tree.get("mrt-network"), "zh-hant") == "(五)"
    assert violations == []


def test_a_drag_that_breaks_the_tree_rules_is_refused_with_a_message(
    live_plan, editor_account, page, screenshot
):
    """Drag strategy (六) 健全大眾運輸捷運路網 onto the goal's row, lower half ("as child"):
    it would become a child of the goal, at the visions' level. The app refuses the move
    (PlanNode.objects.move raises TreeRuleError, a treebeard InvalidPosition); treebeard's
    page reloads and shows why; the strategy stays where it was; no CSP violation."""
    from plan.models import PlanNode

    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    mrt = PlanNode.objects.get(ref="mrt-network")
    livable = PlanNode.objects.get(ref="livable")
    before = (mrt.path, mrt.depth)
    # Tall enough for the goal and the strategy to be on screen together (the list opens
    # down to every vision's strategies).
    moved = drag_in_the_tree(
        page, live_plan.url, 1600, "健全大眾運輸捷運路網", "公平城市、社會共好"
    )
    sent = {k: v[0] for k, v in parse_qs(moved.request.post_data).items()}
    # A real drop on the goal's lower half: "make it the goal's child".
    assert sent == {
        "node": str(mrt.pk),
        "target": str(PlanNode.objects.get(ref="goal").pk),
        "relation": "child",
    }, sent
    assert moved.status == 400, f"the move was not refused: {moved.status}"
    page.wait_for_load_state("load")
    errors = page.locator(".messagelist .error")
    errors.first.wait_for()
    screenshot(page, "admin-tree-refused-move")
    message = " ".join(errors.all_inner_texts())
    # The tree rule, in the admin's language (Chinese by default) or English.
    assert ("推動策略不能放在架構的第 2 層" in message) or (
        "strategy cannot go to level 2" in message
    ), message

    mrt.refresh_from_db()
    assert (mrt.path, mrt.depth) == before
    assert mrt.depth == 3
    assert PlanNode.objects.get_parent(mrt).pk == livable.pk
    assert not PlanNode.objects.filter(depth=2, kind=PlanNode.Kind.STRATEGY).exists()
    assert violations == []


def test_a_dragged_move_is_recorded_and_dated(live_plan, editor_account, page):
    """A move is a staff change (plan.models: edited_at is set by "edit, move, publish,
    delete, restore"): after a drag, the moved item has a revision and a "last changed" date."""
    from reversion.models import Version

    from plan.models import PlanNode

    moved = drag_in_the_tree(page, live_plan.url, 900, "提升空品邁向淨零永續", "宜居高雄")
    assert moved.status == 200
    page.wait_for_load_state("networkidle")  # the reload after the move, finished

    net_zero = PlanNode.objects.get(ref="net-zero")
    assert PlanNode.objects.get_parent(net_zero).ref == "livable"
    versions = Version.objects.get_for_object(net_zero).select_related("revision")
    assert versions[0].revision.comment.startswith("移動位置")
    assert versions[0].revision.user == editor_account
    assert net_zero.edited_at is not None, (
        "the move was recorded as a revision but not dated: PlanNode.edited_at is still empty"
    )


# ------------------------------------------------------------------------------------------
# Issue 13, the admin for city staff, in a real browser: the tree opens down to the strategies
# with titles on one line at 1280 px, and a refused save reopens the language tab the editor was
# typing in. Screenshots at 1280 and 390 px.


@pytest.fixture
def editor(live_plan, editor_group):
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(editor_group)
    return user


def sign_in_as_editor(browser, base, width):
    return staff_tab(browser, base, "editor", PASSWORD, width)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_tree_opens_to_the_strategies_with_whole_titles(
    live_plan, editor, browser, screenshot, width
):
    context, page = sign_in_as_editor(browser, live_plan.url, width)
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
    context, page = sign_in_as_editor(browser, live_plan.url, 1280)
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


# The progress admin as an agency editor and a reviewer use it (issue 21) -------------------


@pytest.fixture
def agency_world(live_plan, progress_groups, editor_group):
    """Two agencies, their editor, a reviewer and a published update, committed for the live
    server (tests.factories.make_agency_world); passwords are factories.PASSWORD."""
    from plan.models import Plan

    from .factories import make_agency_world

    return make_agency_world(Plan.objects.get())


def test_the_review_state_is_read_whole_at_1280(live_plan, agency_world, browser, screenshot):
    """The state column, the list's last, was clipped by the list's scrolling box at 1280 px
    ("退回修" for 退回修正)."""
    from datetime import date

    from progress.models import ProgressUpdate
    from progress.review import correction, publish

    world = agency_world
    for state in ("draft", "returned"):
        ProgressUpdate.objects.create(
            node=world["our_item"],
            date=date(2025, 6, 30),
            status="behind",
            percent=50,
            summary_zh_hant=f"第二季（{state}）",
            source="https://example.gov.tw/q2",
            agency=world["ours"],
            reason_zh_hant="用地取得延宕",
            remedy_zh_hant="協調地主",
            submitted_by=world["editor"],
            state=state,
        )
    fixed = correction(world["update"], world["editor"])
    fixed.save()
    publish(fixed, world["reviewer"])  # the first is now "superseded by a correction"
    context, page = staff_tab(browser, live_plan.url, "reviewer")
    page.goto(f"{live_plan.url}/admin/progress/progressupdate/")
    cells = page.locator("#result_list td.field-state")
    expect(cells).to_have_count(4)
    box = page.locator("#changelist .results").evaluate("el => el.getBoundingClientRect().right")
    for cell in cells.all():
        assert cell.evaluate("el => el.scrollWidth <= el.clientWidth"), cell.inner_text()
        right = cell.evaluate("el => el.getBoundingClientRect().right")
        assert right <= box + 0.5, (cell.inner_text(), right, box)
    assert page.locator("#changelist .results").evaluate(
        "el => el.scrollWidth <= el.clientWidth"
    ), "the list scrolls sideways"
    screenshot(page, "admin-progress-list-reviewer-1280")
    context.close()


def test_an_editor_reports_and_a_reviewer_returns_then_publishes(
    live_plan, agency_world, browser, screenshot
):
    """The walk of issue 21: the editor picks a numbered plan item and writes the reason in
    both languages; the reviewer returns the draft from its form (a confirmation page asks
    for the comment), the editor corrects it, the reviewer publishes it from its form. The
    editor stays who submitted it."""
    from progress.models import ProgressUpdate

    world = agency_world
    base = live_plan.url
    editor, page = staff_tab(browser, base, "editor")
    page.goto(f"{base}/admin/progress/progressupdate/add/")
    options = page.locator("#id_node option").all_inner_texts()
    assert options[1:] == ["一、(一) 科技產業帶動優質就業"]
    page.select_option("#id_node", label="一、(一) 科技產業帶動優質就業")
    page.fill("#id_date", "2025-09-30")
    page.select_option("#id_status", "behind")
    page.fill("#id_percent", "55")
    page.fill("#id_summary_zh_hant", "第三季：廠商進場延後")
    page.fill("#id_source", "高市經發字第11400000009號")
    page.select_option("#id_agency", str(world["ours"].pk))
    page.fill("#id_reason_zh_hant", "用地取得延宕")
    page.fill("#id_remedy_zh_hant", "協調地主並調整工序")
    # The English of the reason, in its own tab (as the other translated fields).
    reason_en = page.locator("#id_reason_en")
    assert not reason_en.is_visible()
    page.locator(".ui-tabs-nav a", has_text="EN").nth(1).click()
    reason_en.fill("Land acquisition delayed")
    screenshot(page, "admin-progress-editor-adds-update-1280")
    page.click("input[name=_save]")
    page.wait_for_url("**/progressupdate/")
    draft = ProgressUpdate.objects.get(date="2025-09-30")
    assert (draft.state, draft.submitted_by, draft.reason_en) == (
        "draft",
        world["editor"],
        "Land acquisition delayed",
    )
    # An agency editor has no review buttons.
    page.goto(f"{base}/admin/progress/progressupdate/{draft.pk}/change/")
    assert page.locator("input[name=_publish]").count() == 0

    reviewer, review = staff_tab(browser, base, "reviewer")
    review.goto(f"{base}/admin/progress/progressupdate/queue/")
    review.locator(f"a[href$='/progressupdate/{draft.pk}/change/']").click()
    review.wait_for_url(f"**/progressupdate/{draft.pk}/change/")
    expect(review.locator("input[name=_publish]")).to_be_visible()
    screenshot(review, "admin-progress-reviewer-draft-form-1280")
    review.fill("#id_review_comment", "請附上公文影本連結")
    review.click("button[name=_return]")
    # A confirmation page, with the comment typed on the form.
    comment = review.locator(f"#id_review_comment_{draft.pk}")
    expect(comment).to_have_value("請附上公文影本連結")
    screenshot(review, "admin-progress-reviewer-return-confirm-1280")
    draft.refresh_from_db()
    assert draft.state == "draft"  # nothing returned before the confirmation
    review.locator(".progress-confirm input[type=submit]").click()
    review.wait_for_url("**/progressupdate/queue/")
    draft.refresh_from_db()
    assert (draft.state, draft.review_comment) == ("returned", "請附上公文影本連結")

    page.goto(f"{base}/admin/progress/progressupdate/{draft.pk}/change/")
    expect(page.locator(".field-review_comment")).to_contain_text("請附上公文影本連結")
    page.fill("#id_source", "https://example.gov.tw/docs/114-9")
    page.click("input[name=_save]")
    page.wait_for_url("**/progressupdate/")
    draft.refresh_from_db()
    assert draft.state == "draft"

    review.goto(f"{base}/admin/progress/progressupdate/{draft.pk}/change/")
    review.click("input[name=_publish]")
    review.wait_for_url("**/progressupdate/queue/")
    screenshot(review, "admin-progress-reviewer-published-1280")
    draft.refresh_from_db()
    assert draft.state == "published" and draft.source == "https://example.gov.tw/docs/114-9"
    assert (draft.submitted_by, draft.reviewed_by) == (world["editor"], world["reviewer"])
    editor.close()
    reviewer.close()


def test_an_editors_upload_names_each_problem_in_both_languages(
    live_plan, agency_world, browser, screenshot, tmp_path
):
    """The importer's messages, now the catalogue's, on the upload page: a date that does not
    exist says so, an unknown column and a missing remedy in the reviewers' wording."""
    from .factories import UPDATE_HEADER

    world = agency_world
    item = world["our_item"].ref
    slug = world["plan"].slug
    content = (
        f"{UPDATE_HEADER},remark\r\n"
        f"{slug},{item},114/02/30,in_progress,50,第一季,,https://example.gov.tw/a,ours,,,\r\n"
        f"{slug},{item},114/03/31,behind,50,第一季,,https://example.gov.tw/b,ours,用地,,\r\n"
    )
    upload = tmp_path / "updates.csv"
    upload.write_text(content, encoding="utf-8-sig")
    context, page = staff_tab(browser, live_plan.url, "editor")
    page.goto(f"{live_plan.url}/admin/progress/import/")
    page.set_input_files("#id_file", str(upload))
    page.click(".progress-import input[type=submit]")
    problems = page.locator(".progress-import .errorlist li")
    expect(problems).to_have_count(1)  # the header is checked first: one unknown column
    expect(problems.first).to_contain_text("Row 1, column “remark”: unknown column")
    upload.write_text(content.replace(",remark", "").replace(",,,\r\n", ",,\r\n"), "utf-8-sig")
    page.set_input_files("#id_file", str(upload))
    page.click(".progress-import form[enctype] input[type=submit]")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("the date “114/02/30” does not exist")
    expect(problems.nth(1)).to_contain_text("an update behind schedule needs the remedy")
    screenshot(page, "admin-progress-editor-upload-problems-1280")
    context.close()
