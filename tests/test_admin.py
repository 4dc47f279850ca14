"""Staff editing through Django admin, with the test client (real database).

Over 400 lines, one feature: the plan's staff editing, each case a short test.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client
from reversion.models import Version

from plan.models import Plan, PlanNode
from plan.tree import PlanTree, number
from portal.pages.opendata.export import export_data
from portal.templatetags.plan_text import diff_html

from .factories import SLUG, form_data, node

ADMIN = "/admin/plan/plannode/"


def test_tree_list_shows_nodes_and_flags_missing_translations(client, editor, loaded):
    PlanNode.objects.filter(ref="mrt-network").update(title_en="")
    response = client.get(ADMIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "公平城市、社會共好" in html
    response = client.get(ADMIN + "?kind__exact=strategy")
    assert response.content.decode().count('class="translation-missing"') == 1


def test_edit_english_title_shows_at_the_next_request(client, editor, loaded):
    mrt = node(loaded, "mrt-network")
    url = f"{ADMIN}{mrt.pk}/change/"
    data = form_data(client, url)
    assert data["title_zh_hant"] == "健全大眾運輸捷運路網"
    data["title_en"] = "A Complete MRT Network"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "A Complete MRT Network" in client.get(f"/en/{SLUG}/mrt-network/").content.decode()
    history = client.get(f"/en/{SLUG}/mrt-network/history/").content.decode()
    assert "<del>Strengthening</del>" in history
    assert "<ins>A</ins>" in history and "<ins>Complete</ins>" in history


def test_edit_is_recorded_with_who_and_when_and_can_be_reverted(client, editor, loaded):
    mrt = node(loaded, "mrt-network")
    url = f"{ADMIN}{mrt.pk}/change/"
    original = mrt.body_zh_hant
    data = form_data(client, url)
    data["body_zh_hant"] = original + "（修正）"
    assert client.post(url, data).status_code == 302
    versions = list(
        Version.objects.get_for_object(node(loaded, "mrt-network")).select_related("revision")
    )
    assert len(versions) == 2
    assert versions[0].revision.user == editor
    # Revert to the version recorded at load time, through reversion's admin form.
    first = versions[-1]
    revert_url = f"{ADMIN}{mrt.pk}/history/{first.pk}/"
    data = form_data(client, revert_url)
    assert data["body_zh_hant"] == original
    assert client.post(revert_url, data).status_code == 302
    assert node(loaded, "mrt-network").body_zh_hant == original
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])


def test_add_an_action_item_at_a_chosen_position(client, editor, loaded):
    housing = node(loaded, "social-housing")
    first_action = PlanNode.objects.get_children(housing).first()
    data = {
        "plan": loaded.pk,
        "kind": "action",
        "ref": "new-action",
        "published": "on",
        "title_zh_hant": "",
        "title_en": "",
        "body_zh_hant": "新增的具體作法。",
        "body_en": "A new action item.",
        "chart_label_zh_hant": "",
        "chart_label_en": "",
        "treebeard_position": "left",
        "treebeard_ref_node": first_action.pk,
        "edit_version": "",
    }
    response = client.post(f"{ADMIN}add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    tree = PlanTree.load(loaded)
    strategy = tree.get("social-housing")
    assert [a.ref for a in strategy.children][0] == "new-action"
    assert number(strategy.children[0], "zh-hant") == "1."
    assert number(strategy.children[1], "zh-hant") == "2."
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])


def test_validation_refuses_a_strategy_under_a_strategy(client, editor, loaded):
    data = {
        "plan": loaded.pk,
        "kind": "strategy",
        "ref": "misplaced",
        "title_zh_hant": "放錯位置",
        "treebeard_position": "first-child",
        "treebeard_ref_node": node(loaded, "mrt-network").pk,
    }
    response = client.post(f"{ADMIN}add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not PlanNode.objects.filter(ref="misplaced").exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title_zh_hant": ""}, "title_zh_hant", "中文標題"),
        ({"ref": "quality-jobs"}, "__all__", "已經存在"),
        ({"ref": "Not A Ref!"}, "ref", "小寫英文字母"),
        ({"ref": "full-text"}, "ref", "是頁面名稱"),
        (
            {"chart_label_zh_hant": "一二三四五六七八九十一二三四五六七"},
            "chart_label_zh_hant",
            "16",
        ),
    ],
)
def test_validation_messages(client, editor, loaded, change, field, message):
    """The admin is in Chinese (the site's default language); each error lands on its field."""
    mrt = node(loaded, "mrt-network")
    url = f"{ADMIN}{mrt.pk}/change/"
    data = {**form_data(client, url), **change}
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert node(loaded, "mrt-network").title_zh_hant == "健全大眾運輸捷運路網"


def test_move_renumbers_and_is_recorded(client, editor, loaded):
    mrt = node(loaded, "mrt-network")
    first = (
        node(loaded, "air-quality-net-zero")
        if PlanNode.objects.filter(ref="air-quality-net-zero").exists()
        else None
    )
    livable = node(loaded, "livable")
    first = PlanNode.objects.get_children(livable).first()
    response = client.post(
        f"{ADMIN}move/", {"node": mrt.pk, "target": first.pk, "relation": "sibling"}
    )
    assert response.status_code == 200
    tree = PlanTree.load(loaded)
    assert number(tree.get("mrt-network"), "zh-hant") == "(一)"
    assert number(tree.get(first.ref), "zh-hant") == "(二)"
    versions = Version.objects.get_for_object(node(loaded, "mrt-network")).select_related(
        "revision"
    )
    assert versions[0].revision.comment.startswith("移動位置")  # staff read it in Chinese
    html = client.get(f"/{SLUG}/mrt-network/").content.decode()
    assert "二、宜居高雄</a> › (一)" in html
    assert (
        "Moved within the plan" in client.get(f"/en/{SLUG}/mrt-network/history/").content.decode()
    )


def test_concurrent_edit_is_refused_not_overwritten(client, editor, loaded):
    mrt = node(loaded, "mrt-network")
    url = f"{ADMIN}{mrt.pk}/change/"
    first = form_data(client, url)
    second = dict(first)  # a colleague opened the same form at the same time
    first["title_en"] = "First editor's title"
    assert client.post(url, first).status_code == 302
    second["title_en"] = "Second editor's title"
    response = client.post(url, second)
    assert response.status_code == 200
    assert "stale" in [
        e.code for e in response.context["adminform"].form.non_field_errors().as_data()
    ]
    assert node(loaded, "mrt-network").title_en == "First editor's title"


def test_editor_can_edit_content_but_not_users(client, editor, loaded):
    assert client.get(ADMIN).status_code == 200
    assert client.get("/admin/plan/plan/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/plan/plan/add/").status_code == 403
    assert client.post("/admin/auth/user/add/", {"username": "x"}).status_code == 403


def test_unpublished_content_hidden_but_previewable_by_staff(client, editor, loaded):
    PlanNode.objects.filter(ref="mrt-network").update(published=False)
    client.logout()
    assert client.get(f"/{SLUG}/mrt-network/").status_code == 404
    assert client.get(f"/admin/preview/{SLUG}/mrt-network/").status_code == 302  # to the login
    client.force_login(editor)
    preview = client.get(f"/admin/preview/{SLUG}/mrt-network/")
    assert preview.status_code == 200
    assert "健全大眾運輸捷運路網" in preview.content.decode()
    assert "Staff preview" in preview.content.decode() or "預覽" in preview.content.decode()


def test_unpublished_plan_is_invisible(client, loaded):
    Plan.objects.filter(pk=loaded.pk).update(published=False)
    assert client.get(f"/{SLUG}/").status_code == 404
    assert client.get(f"/{SLUG}/mrt-network/").status_code == 404
    assert SLUG not in client.get("/sitemap.xml").content.decode()


def test_admin_assets_are_served_from_this_site(client, editor, loaded):
    html = client.get(f"{ADMIN}{node(loaded, 'mrt-network').pk}/change/").content.decode()
    assert "portal/vendor/jquery-ui.min.js" in html
    assert "googleapis" not in html and "//cdn" not in html


@pytest.mark.django_db
def test_migrations_create_the_plan_editor_group():
    """The two data migrations that make the group, run again on this database (a
    transactional test elsewhere may have flushed what they made at its creation)."""
    import importlib

    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from knowledge.roles import KNOWLEDGE_EDITOR_PERMISSIONS
    from plan.roles import PLAN_EDITOR_PERMISSIONS

    apps = MigrationLoader(connection).project_state().apps  # as migrations see the models
    Group.objects.filter(name="plan editor").delete()
    importlib.import_module("plan.migrations.0004_plan_editor_group").create_group(apps, None)
    importlib.import_module("knowledge.migrations.0002_triggers_goals_and_editors").grant(
        apps, None
    )
    group = Group.objects.get(name="plan editor")
    assert sorted(group.permissions.values_list("codename", flat=True)) == sorted(
        PLAN_EDITOR_PERMISSIONS + KNOWLEDGE_EDITOR_PERMISSIONS
    )


def test_revert_form_compares_the_version_with_the_current_texts(client, editor, loaded):
    mrt = node(loaded, "mrt-network")
    url = f"{ADMIN}{mrt.pk}/change/"
    data = form_data(client, url)
    data["title_en"] = "Completing the Metro Network"
    assert client.post(url, data).status_code == 302
    original = Version.objects.get_for_object(mrt).select_related("revision").last()
    response = client.get(f"{ADMIN}{mrt.pk}/history/{original.pk}/")
    assert response.status_code == 200
    rows = response.context["comparison"]
    assert len(rows) == 1
    label, now, then = rows[0]
    assert "[en]" in label
    now, then = diff_html(now), diff_html(then)
    assert "<del>Metro</del>" in now and "<ins>MRT and Public Transit</ins>" in then
    assert "revert-comparison" in response.content.decode()


def test_plan_document_is_edited_in_both_languages(client, editor, loaded):
    url = f"/admin/plan/plan/{loaded.pk}/change/"
    data = form_data(client, url)
    assert data["preamble_zh_hant"].startswith("帶領高雄轉型")
    data["closing_en"] = data["closing_en"] + " (Corrected.)"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    loaded.refresh_from_db()
    assert loaded.closing_en.endswith("(Corrected.)")
    assert "(Corrected.)" in client.get(f"/en/{SLUG}/closing/").content.decode()
    stale = {**data, "closing_en": "An older copy"}
    assert client.post(url, stale).status_code == 200  # refused: the version moved on


def test_a_strategys_form_lists_its_action_items_and_adds_one_in_place(client, editor, loaded):
    housing = node(loaded, "social-housing")
    actions = list(PlanNode.objects.get_children(housing))
    html = client.get(f"{ADMIN}{housing.pk}/change/").content.decode()
    assert "具體作法" in html or "Action items of this strategy" in html
    for action in actions:
        assert f"{ADMIN}{action.pk}/change/" in html
    add = re.search(r'<a class="addlink" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    form = client.get(add).content.decode()
    assert re.search(rf'<option value="{actions[-1].pk}" selected', form)
    assert re.search(r'<option value="action" selected', form)
    # A vision's form has no such list.
    vision = client.get(f"{ADMIN}{node(loaded, 'livable').pk}/change/").content.decode()
    assert "plan-children" not in vision


# ------------------------------------------------------------------------------------------
# Two staff members editing the same thing: the second save, made on an out-of-date copy, is
# REFUSED with a message saying so, and the first one's text stays (README: "Two people editing
# the same item: the second save is refused with a message saying so; nothing is overwritten").
# For the plan document (preamble, closing, chart texts) and for a plan item.


# The message, in the admin's language (Chinese by default) or in English.
STALE_MESSAGES = ("已有其他同仁儲存了這個項目", "Someone else saved this item after you opened it")


@pytest.fixture
def editors(db, editor_group):
    """Two plan editors, each in their own browser (client)."""
    clients = []
    for name in ("first-editor", "second-editor"):
        user = User.objects.create_user(name, password="a-long-test-password", is_staff=True)
        user.groups.add(editor_group)
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def stale_errors(response):
    """The form's non-field errors with the "stale" code, as ValidationErrors."""
    assert response.status_code == 200, (
        f"the out-of-date save was not refused: status {response.status_code}"
        + (f" → {response['Location']}" if response.has_header("Location") else "")
    )
    form = response.context["adminform"].form
    return [e for e in form.non_field_errors().as_data() if e.code == "stale"]


def assert_refused(response):
    errors = stale_errors(response)
    assert errors, (
        "the out-of-date save came back without the 'stale' error; form errors: "
        f"{response.context['adminform'].form.errors.as_data()}"
    )
    message = " ".join(errors[0].messages)
    assert any(text in message for text in STALE_MESSAGES), message
    # The staff member sees it on the page, not just in the form object.
    assert message in response.content.decode()


def test_second_save_of_the_plan_document_is_refused(editors, loaded):
    first, second = editors
    url = f"/admin/plan/plan/{loaded.pk}/change/"
    mine = form_data(first, url)
    theirs = form_data(second, url)  # opened at the same time: the same version
    assert mine["edit_version"] == theirs["edit_version"] != ""
    revisions = Version.objects.get_for_object(loaded).count()

    mine["closing_en"] = mine["closing_en"] + " (Corrected by the first editor.)"
    saved = first.post(url, mine)
    assert saved.status_code == 302, saved.context["adminform"].form.errors

    theirs["closing_en"] = "The second editor's older copy, which must not win."
    theirs["preamble_zh_hant"] = theirs["preamble_zh_hant"] + "（第二位編輯）"
    assert_refused(second.post(url, theirs))

    plan = Plan.objects.get(pk=loaded.pk)
    assert plan.closing_en.endswith("(Corrected by the first editor.)")
    assert "第二位編輯" not in plan.preamble_zh_hant
    assert Version.objects.get_for_object(plan).count() == revisions + 1  # the first save only
    page = second.get(f"/en/{SLUG}/closing/").content.decode()
    assert "(Corrected by the first editor.)" in page and "older copy" not in page

    # After reloading the form (the current version), the second editor can save.
    fresh = form_data(second, url)
    fresh["preamble_zh_hant"] = fresh["preamble_zh_hant"] + "（第二位編輯）"
    assert second.post(url, fresh).status_code == 302
    plan.refresh_from_db()
    assert plan.preamble_zh_hant.endswith("（第二位編輯）")
    assert plan.closing_en.endswith("(Corrected by the first editor.)")


def test_second_save_of_a_plan_item_is_refused(editors, loaded):
    first, second = editors
    mrt = PlanNode.objects.get(plan=loaded, ref="mrt-network")
    url = f"/admin/plan/plannode/{mrt.pk}/change/"
    mine = form_data(first, url)
    theirs = form_data(second, url)
    assert mine["edit_version"] == theirs["edit_version"] != ""
    revisions = Version.objects.get_for_object(mrt).count()

    mine["title_en"] = "The First Editor MRT Title"
    saved = first.post(url, mine)
    assert saved.status_code == 302, saved.context["adminform"].form.errors

    theirs["title_en"] = "The Second Editor MRT Title"
    theirs["body_zh_hant"] = theirs["body_zh_hant"] + "（第二位編輯）"
    assert_refused(second.post(url, theirs))

    mrt.refresh_from_db()
    assert mrt.title_en == "The First Editor MRT Title"
    assert "第二位編輯" not in mrt.body_zh_hant
    assert Version.objects.get_for_object(mrt).count() == revisions + 1
    page = second.get(f"/en/{SLUG}/mrt-network/").content.decode()
    assert "The First Editor MRT Title" in page and "Second Editor" not in page

    # The refusal is about the copy, not the person: a fresh form saves.
    fresh = form_data(second, url)
    fresh["title_en"] = "The Second Editor MRT Title"
    assert second.post(url, fresh).status_code == 302
    mrt.refresh_from_db()
    assert mrt.title_en == "The Second Editor MRT Title"


def test_a_form_without_its_version_is_refused_too(editors, loaded):
    """A form that lost its hidden version (an old tab, a hand-made POST) cannot overwrite."""
    first, _ = editors
    mrt = PlanNode.objects.get(plan=loaded, ref="mrt-network")
    url = f"/admin/plan/plannode/{mrt.pk}/change/"
    data = form_data(first, url)
    data["edit_version"] = ""
    data["title_en"] = "Saved without a version"
    assert_refused(first.post(url, data))
    mrt.refresh_from_db()
    assert mrt.title_en != "Saved without a version"


# ------------------------------------------------------------------------------------------
# Trust under change: what citizens see follows every write, on every server, under every host
# name and release; the tree's rules hold on every write path; nothing is lost on delete; dates
# are honest. Each test names the finding it guards (issue 11).


STRATEGY = f"/{SLUG}/mrt-network/"


def node_by_ref(ref, plan=None):
    nodes = PlanNode.objects.filter(ref=ref)
    return (nodes.filter(plan=plan) if plan else nodes).get()


def test_deleting_a_vision_hides_it_and_restoring_brings_everything_back(client, editor, loaded):
    """Finding 12: one confirmation deleted a vision with its strategies and action items
    for good."""
    before = export_data(Plan.objects.get())
    livable = node_by_ref("livable")
    response = client.post(f"{ADMIN}{livable.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    hidden = PlanNode.objects.filter(deleted=True)
    assert hidden.count() == 1 + PlanNode.objects.get_descendants(livable).count() > 7
    public = Client()
    assert public.get(f"/{SLUG}/livable/").status_code == 404
    assert public.get(STRATEGY).status_code == 404
    assert "健全大眾運輸捷運路網" not in public.get(f"/{SLUG}/full-text/").content.decode()
    assert "mrt-network" not in public.get(f"/data/{SLUG}.json").content.decode()
    assert "mrt-network" not in public.get("/search/?q=捷運").content.decode()
    assert "mrt-network" not in public.get("/changes/feed/").content.decode()
    # The ref stays reserved while the item is in the deleted items.
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanNode.objects.add_child(
            node_by_ref("goal"),
            {"plan": Plan.objects.get(), "kind": "vision", "ref": "livable", "title_zh_hant": "x"},
        )
    # An editor restores it from the deleted items, with its place, texts and history.
    deleted_items = "/admin/plan/deletedplannode/"
    assert "宜居高雄" in client.get(deleted_items).content.decode()
    client.post(
        deleted_items,
        {"action": "restore_selected", "_selected_action": [livable.pk]},
    )
    assert not PlanNode.objects.filter(deleted=True).exists()
    assert export_data(Plan.objects.get()) == before
    assert public.get(STRATEGY).status_code == 200
    history = public.get(f"/{SLUG}/livable/history/").content.decode()
    assert "自已刪除項目復原" in history


def test_editors_cannot_erase_only_superusers_can_and_it_is_logged(client, editor, loaded):
    from django.contrib.admin.models import DELETION, LogEntry

    solar = node_by_ref("animal-friendly")
    client.post(f"{ADMIN}{solar.pk}/delete/", {"post": "yes"})
    deleted_items = "/admin/plan/deletedplannode/"
    erase = {"action": "delete_selected", "_selected_action": [solar.pk], "post": "yes"}
    client.post(deleted_items, erase)
    assert PlanNode.objects.filter(pk=solar.pk).exists()
    assert client.post(f"{deleted_items}{solar.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/plan/plan/{Plan.objects.get().pk}/delete/", {"post": "yes"})
    assert Plan.objects.exists()

    boss = User.objects.create_superuser("boss", password="another-long-password")
    client.force_login(boss)
    client.post(deleted_items, erase)
    assert not PlanNode.objects.filter(pk=solar.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_id=str(solar.pk)).exists()


def test_restoring_under_a_deleted_item_asks_for_the_item_above_first(client, editor, loaded):
    livable, mrt = node_by_ref("livable"), node_by_ref("mrt-network")
    client.post(f"{ADMIN}{mrt.pk}/delete/", {"post": "yes"})
    client.post(f"{ADMIN}{livable.pk}/delete/", {"post": "yes"})
    response = client.post(
        "/admin/plan/deletedplannode/",
        {"action": "restore_selected", "_selected_action": [mrt.pk]},
        follow=True,
    )
    assert "請您先復原" in response.content.decode()
    assert node_by_ref("mrt-network").deleted
