"""test_plan_tree"""

import copy
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from plan.deletion import move_to_deleted
from plan.exchange import create_plan
from plan.models import Plan, PlanNode, TreeRuleError
from plan.numbering import chinese_numeral, node_number
from plan.tree import PlanTree, ancestors, number

from .factories import SLUG, form_data


def test_tree_is_sound(plan):
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])


def test_shape_of_the_plan(tree):
    kinds = [node.kind for node in tree]
    assert kinds.count("goal") == 1
    assert kinds.count("vision") == 4
    assert kinds.count("strategy") == 28
    assert kinds.count("action") == 13
    assert [len(vision.children) for vision in tree.visions] == [7, 7, 7, 7]
    assert tree.goal.title_zh_hant == "公平城市、社會共好"


def test_document_order_and_numbering(tree):
    assert [v.title_zh_hant for v in tree.visions] == [
        "科技高雄",
        "宜居高雄",
        "幸福高雄",
        "魅力高雄",
    ]
    livable = tree.visions[1]
    mrt = livable.children[5]
    assert mrt.title_zh_hant == "健全大眾運輸捷運路網"
    assert number(livable, "zh-hant") == "二、"
    assert number(mrt, "zh-hant") == "(六)"
    assert number(mrt, "en") == "(6)"
    housing = livable.children[1]
    assert [number(a, "zh-hant") for a in housing.children] == ["1.", "2."]
    assert [a.parent for a in housing.children] == [housing, housing]
    assert ancestors(mrt) == [tree.goal, livable]


def test_previous_and_next_strategy_cross_visions(tree):
    last_of_tech = tree.visions[0].children[-1]
    first_of_livable = tree.visions[1].children[0]
    assert last_of_tech.next is first_of_livable
    assert first_of_livable.previous is last_of_tech
    assert tree.strategies[0].previous is None
    assert tree.strategies[-1].next is None


def test_whole_tree_is_one_query(plan, django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = PlanTree.load(plan)
        assert len(tree) == 46


def test_moving_a_strategy_renumbers_it(plan):
    tree = PlanTree.load(plan)
    mrt = tree.visions[1].children[5]
    first = tree.visions[1].children[0]
    PlanNode.objects.move(
        PlanNode.objects.get(pk=mrt.pk), PlanNode.objects.get(pk=first.pk), "left"
    )
    tree = PlanTree.load(plan)
    moved = tree.get(mrt.ref)
    assert number(moved, "zh-hant") == "(一)"
    assert number(tree.get(first.ref), "zh-hant") == "(二)"
    assert moved.ref == mrt.ref
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])


def test_unpublished_node_hides_its_subtree(plan):
    housing = PlanNode.objects.get(plan=plan, title_zh_hant="增建社宅擴大租金補貼")
    housing.published = False
    housing.save()
    tree = PlanTree.load(plan)
    assert tree.get(housing.ref) is None
    assert len(tree) == 46 - 3
    assert number(tree.visions[1].children[1], "zh-hant") == "(二)"
    assert len(PlanTree.load(plan, include_unpublished=True)) == 46


def test_kind_is_validated_against_depth(tree):
    strategy = PlanNode.objects.get(pk=tree.strategies[0].pk)
    strategy.kind = PlanNode.Kind.VISION
    with pytest.raises(ValidationError) as error:
        strategy.full_clean()
    assert "kind" in error.value.message_dict


def test_refs_are_unique_within_a_plan(tree):
    strategy = PlanNode.objects.get(pk=tree.strategies[0].pk)
    strategy.ref = tree.strategies[1].ref
    with pytest.raises(IntegrityError), transaction.atomic():
        strategy.save()


def test_strategy_needs_a_title(tree):
    strategy = PlanNode.objects.get(pk=tree.strategies[0].pk)
    strategy.title_zh_hant = " "
    with pytest.raises(ValidationError):
        strategy.full_clean()


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (7, "七"), (10, "十"), (11, "十一"), (20, "二十"), (28, "二十八")]
)
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text


def test_numbering_shapes():
    assert node_number("vision", 3) == {"zh-hant": "三、", "en": "3."}
    assert node_number("strategy", 12) == {"zh-hant": "(十二)", "en": "(12)"}
    assert node_number("action", 2) == {"zh-hant": "2.", "en": "2."}
    assert node_number("goal", 1) is None


def test_each_vision_has_its_own_colour_even_a_fifth(plan):
    goal = PlanNode.objects.get(plan=plan, kind="goal")
    PlanNode.objects.add_child(
        goal, {"plan": plan, "kind": "vision", "ref": "green", "title_zh_hant": "永續高雄"}
    )
    from portal.published import link

    tree = link(PlanTree.load(plan), "zh-hant")
    assert [vision.hue for vision in tree.visions] == [1, 2, 3, 4, 5]
    assert all(strategy.hue == strategy.parent.hue for strategy in tree.strategies)


# ------------------------------------------------------------------------------------------
# Trust under change: what citizens see follows every write, on every server, under every host
# name and release; the tree's rules hold on every write path; nothing is lost on delete; dates
# are honest. Each test names the finding it guards (issue 11).


ADMIN = "/admin/plan/plannode/"


def node_by_ref(ref, plan=None):
    nodes = PlanNode.objects.filter(ref=ref)
    return (nodes.filter(plan=plan) if plan else nodes).get()


def test_a_move_from_code_that_breaks_the_tree_is_refused(loaded):
    """Finding 5: `move(goal, "last-child")` put a strategy directly under the goal."""
    mrt, goal = node_by_ref("mrt-network"), node_by_ref("goal")
    path = mrt.path
    with pytest.raises(TreeRuleError):
        PlanNode.objects.move(mrt, goal, "last-child")
    mrt.refresh_from_db()
    assert (mrt.path, mrt.depth) == (path, 3)
    with pytest.raises(TreeRuleError):
        PlanNode.objects.move(node_by_ref("livable"), node_by_ref("mrt-network"), "first-child")
    call_command("check_tree", stdout=StringIO())


def test_the_admins_drag_and_drop_cannot_break_the_tree(client, editor, loaded):
    """Finding 5: the admin's drag-and-drop POST put a strategy under the goal."""
    mrt, goal = node_by_ref("mrt-network"), node_by_ref("goal")
    response = client.post(
        f"{ADMIN}move/", {"node": mrt.pk, "target": goal.pk, "relation": "child"}
    )
    assert response.status_code == 400
    mrt.refresh_from_db()
    assert mrt.depth == 3
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("推動策略在施政願景之下" in m for m in messages), messages


def test_the_database_refuses_a_node_at_the_wrong_level(loaded):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanNode.objects.filter(ref="mrt-network").update(depth=2)


def test_load_plan_refuses_a_file_that_breaks_the_tree(db, plan_file_data, tmp_path):
    data = copy.deepcopy(plan_file_data)
    data["slug"] = "broken-plan"
    strategy = data["tree"]["children"][0]["children"].pop()
    data["tree"]["children"].append(strategy)  # a strategy beside the visions
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(ValidationError):
        call_command("load_plan", str(path), stdout=StringIO())
    assert not Plan.objects.filter(slug="broken-plan").exists()


def backup_with(loaded, tmp_path, change):
    path = tmp_path / "backup.json"
    call_command("backup_site", str(path), stdout=StringIO())
    rows = json.loads(path.read_text("utf-8"))
    for row in rows:
        if row["model"] == "plan.plannode" and row["fields"]["ref"] == "mrt-network":
            change(row["fields"])
    path.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    Plan.objects.all().delete()
    return path


@pytest.mark.django_db(transaction=True)
def test_restore_site_refuses_a_backup_that_breaks_the_tree(without_plan, plan_file_data, tmp_path):
    loaded = create_plan(plan_file_data)
    path = backup_with(loaded, tmp_path, lambda fields: fields.update(kind="vision"))
    with pytest.raises(Exception):  # noqa: B017 - the database's IntegrityError, wrapped
        call_command("restore_site", str(path), stdout=StringIO())
    assert not Plan.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_restore_site_refuses_a_reserved_ref(without_plan, plan_file_data, tmp_path):
    loaded = create_plan(plan_file_data)
    path = backup_with(loaded, tmp_path, lambda fields: fields.update(ref="progress"))
    with pytest.raises(CommandError, match="progress"):
        call_command("restore_site", str(path), stdout=StringIO())
    assert not Plan.objects.exists()


@pytest.mark.parametrize("name", ["progress", "agencies", "glossary", "zh-hans", "search"])
def test_load_plan_refuses_reserved_names(db, plan_file_data, name):
    data = copy.deepcopy(plan_file_data)
    data["tree"]["children"][0]["ref"] = name
    with pytest.raises(ValidationError, match=name):
        create_plan(data)
    with pytest.raises(ValidationError):
        create_plan({**plan_file_data, "slug": name})


def test_every_route_name_is_reserved_and_a_new_one_is_caught(settings):
    from portal.checks import check_reserved_route_names, route_names

    assert check_reserved_route_names(None) == []
    assert {"search", "changes", "chart", "full-text", "open-data", "en"} <= route_names()
    settings.ROOT_URLCONF = "tests.urls_with_a_new_route"
    errors = check_reserved_route_names(None)
    assert [e.id for e in errors] == ["portal.E001"] and "dashboard" in errors[0].msg


def test_stored_rows_with_reserved_names_are_reported(loaded):
    from plan.checks import check_reserved_names

    assert check_reserved_names(None, databases=["default"]) == []
    PlanNode.objects.filter(ref="mrt-network").update(ref="glossary")
    errors = check_reserved_names(None, databases=["default"])
    assert [e.id for e in errors] == ["plan.W001"] and "glossary" in errors[0].msg


def test_stored_refs_shaped_like_a_reporting_period_are_reported(loaded):
    from plan.checks import check_reserved_names

    PlanNode.objects.filter(ref="mrt-network").update(ref="115q3")
    errors = check_reserved_names(None, databases=["default"])
    assert [e.id for e in errors] == ["plan.W001"] and "115q3" in errors[0].msg


# ------------------------------------------------------------------------------------------
# Security headers, deployment checks, login lockout, escaping, backups, tree checks.


def test_check_tree_passes_on_the_fixture_and_finds_damage(plan):
    out = StringIO()
    call_command("check_tree", stdout=out)
    assert "no problems" in out.getvalue()
    PlanNode.objects.filter(ref="mrt-network").update(numchild=5)
    with pytest.raises(CommandError, match="problem"):
        call_command("check_tree", stdout=StringIO(), stderr=StringIO())


# ------------------------------------------------------------------------------------------
# What a hostile tester broke, each kept broken no more (a test each, failing before).


def node_of_plan(ref):
    return PlanNode.objects.get(ref=ref)


def test_nothing_moves_under_or_beside_a_deleted_item(client, editor, loaded):
    """A strategy moved under a deleted vision vanished from every list, and a superuser's
    erasing of the vision erased it with its text."""
    tech, livable = node_of_plan("tech"), node_of_plan("livable")
    move_to_deleted(livable)
    strategy = node_of_plan("quality-jobs")
    with pytest.raises(TreeRuleError):
        PlanNode.objects.move(strategy, node_of_plan("livable"), "last-child")
    response = client.post(
        f"{ADMIN}move/", {"node": strategy.pk, "target": livable.pk, "relation": "child"}
    )
    assert response.status_code == 400
    strategy.refresh_from_db()
    assert PlanNode.objects.get_parent(strategy).pk == tech.pk


def test_the_add_form_refuses_a_place_beside_a_deleted_item(client, editor, loaded):
    deleted = node_of_plan("social-housing")
    move_to_deleted(deleted)
    response = client.post(
        f"{ADMIN}add/",
        {
            "plan": loaded.pk,
            "kind": "action",
            "ref": "under-deleted",
            "published": "on",
            "body_zh_hant": "刪除項目之下的新作法。",
            "treebeard_position": "first-child",
            "treebeard_ref_node": deleted.pk,
        },
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert not PlanNode.objects.filter(ref="under-deleted").exists()


def test_a_goal_cannot_move_to_another_plan_without_its_tree(client, editor, loaded):

    other = Plan.objects.create(
        slug="other-plan",
        title_zh_hant="另一份計畫",
        authority_zh_hant="某市政府",
        term_start_roc=116,
        term_end_roc=119,
        preamble_heading_zh_hant="壹",
        preamble_zh_hant="—",
        visions_heading_zh_hant="貳",
        closing_heading_zh_hant="參",
        closing_zh_hant="—",
        chart_title_zh_hant="圖",
        chart_goal_row_zh_hant="目標",
        chart_visions_row_zh_hant="願景",
        chart_strategies_row_zh_hant="策略",
    )
    goal = node_of_plan("goal")
    url = f"{ADMIN}{goal.pk}/change/"
    data = form_data(client, url)
    data.update(plan=other.pk, treebeard_position="first-child", treebeard_ref_node="")
    assert client.post(url, data).status_code == 200  # refused
    goal.refresh_from_db()
    assert goal.plan_id == loaded.pk
    assert client.get(f"/{SLUG}/mrt-network/").status_code == 200
