"""Staff editing through Django admin, with the test client (real database)."""

import re

import pytest
from reversion.models import Version

from plan.models import Plan, PlanNode
from plan.tree import PlanTree, number
from portal.templatetags.plan_text import diff_html

from .conftest import SLUG

ADMIN = "/admin/plan/plannode/"


def node(plan, ref):
    return PlanNode.objects.get(plan=plan, ref=ref)


def form_data(client, url):
    """The admin change form's current values, as a browser would submit them."""
    html = client.get(url).content.decode()
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = (
            body.strip("\n").replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&")
        )
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = selected.group(1) if selected else ""
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', html):
        data[name] = "on"
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"(?![^>]*checked)', html):
        data.pop(name, None)
    data.pop("csrfmiddlewaretoken", None)
    return data


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
