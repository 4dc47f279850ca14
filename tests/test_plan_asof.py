"""The plan at a date and what changed between two dates (plan.asof, plan.compare): a plan
edited on several days (through the admin where positions change); what the pages' tree gave
each day is kept, then compared with the tree rebuilt for that day after all later edits."""

import importlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import reversion
import time_machine
from django.apps import apps
from django.test import Client
from django.utils import timezone, translation

from plan.asof import PLAN_MODELS, earliest_date, end_of_day, latest_versions, plan_at
from plan.compare import compare_plans, full_number
from plan.deletion import move_to_deleted
from plan.history import record_loaded, text_diff
from plan.models import RESERVED_NAMES, PlanNode, TreePositions, validate_not_reserved
from plan.tree import FIELDS, PlanTree

from .factories import (
    add_action_in_admin,
    move_in_admin,
    node,
    save_in_admin_revision,
    signed_in_editor,
)
from .shared_scenario import shared_scenario

ADMIN = "/admin/plan/plannode/"
TAIPEI = ZoneInfo("Asia/Taipei")
LOADED, RETITLED, REGROUPED, WITHDRAWN, RESTORED = (
    date(2025, 1, 10),
    date(2025, 2, 3),
    date(2025, 3, 4),
    date(2025, 4, 7),
    date(2025, 5, 6),
)
LANGUAGES = ("zh-hant", "en")


def at(day, hour=10):
    return time_machine.travel(datetime.combine(day, time(hour), TAIPEI), tick=False)


def seen(tree, language):
    """What a page printed of each node, in document order."""
    return [
        (
            n.ref,
            n.kind,
            n.parent.ref if n.parent else None,
            n.number,
            full_number(n, language),
            n.title,
            n.body,
            n.chart_label,
        )
        for n in tree
    ]


def live_view(plan):
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = seen(PlanTree.load(plan).localize(language), language)
    return result


def dated_view(plan, day):
    state = plan_at(plan, end_of_day(day))
    return {language: seen(state.tree(language), language) for language in LANGUAGES}


def add_action(client, plan, strategy, position="first-child", ref_node=None):
    body = ("新增捷運路線的具體作法。", "A new action for the MRT.")
    add_action_in_admin(client, plan, strategy, position, ref_node, "new-mrt-action", body)


def edit_on_four_days(plan, client, editor):
    """The plan loaded, then edited on four days; {day: what the pages showed that day}."""
    views = {}
    with at(LOADED):
        record_loaded(plan, "kaohsiung-112-115.json")
        views[LOADED] = live_view(plan)
    with at(RETITLED):
        client.force_login(editor)
        save_in_admin_revision(node(plan, "mrt-network"), title_zh_hant="捷運路網", title_en="MRT")
        # Within its vision: the last strategy first.
        move_in_admin(client, node(plan, "regional-transport"), node(plan, "net-zero"))
        views[RETITLED] = live_view(plan)
    with at(REGROUPED):
        client.force_login(editor)
        # To another vision: the first of "tech" goes before "mrt-network" in "livable".
        move_in_admin(client, node(plan, "quality-jobs"), node(plan, "mrt-network"))
        add_action(client, plan, node(plan, "mrt-network"))
        views[REGROUPED] = live_view(plan)
    with at(WITHDRAWN):
        client.force_login(editor)
        save_in_admin_revision(node(plan, "pop-music"), published=False)
        response = client.post(f"{ADMIN}{node(plan, 'care-centers').pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        views[WITHDRAWN] = live_view(plan)
    with at(RESTORED):
        client.force_login(editor)
        action = {"action": "restore_selected", "_selected_action": [node(plan, "care-centers").pk]}
        assert client.post("/admin/plan/deletedplannode/", action).status_code == 302
        assert not node(plan, "care-centers").deleted
        views[RESTORED] = live_view(plan)
    return views


def build_edited(plan):
    """edit_on_four_days with module-scope stand-ins for the fixtures `client` and `editor`:
    a client of its own, an editor signed in on it."""
    client = Client()
    return edit_on_four_days(plan, client, signed_in_editor(client))


# Built once for the module; the tests that do not ask for `edited` come last (each switch
# between the two kinds rolls the scenario back, and the next `edited` builds it again).
_edited_scenario, _edited_for_its_tests, edited = shared_scenario("edited", build_edited)


@pytest.mark.parametrize("day", [LOADED, RETITLED, REGROUPED, WITHDRAWN, RESTORED])
def test_each_day_is_reproduced_with_its_numbering(edited, plan, day):
    assert dated_view(plan, day) == edited[day]
    state = plan_at(plan, end_of_day(day))
    assert state.positions_known and not state.unplaced
    assert all(set(row) == set(FIELDS) for row in state.rows)
    assert [row["path"] for row in state.rows] == sorted(row["path"] for row in state.rows)


def test_the_days_differ_where_the_edits_were(edited):
    def numbers(day, ref):
        return [row[4] for row in edited[day]["zh-hant"] if row[0] == ref]

    assert numbers(LOADED, "regional-transport") == ["二、(七)"]
    assert numbers(RETITLED, "regional-transport") == ["二、(一)"]
    assert numbers(RETITLED, "quality-jobs") == ["一、(一)"]
    assert numbers(REGROUPED, "quality-jobs") == ["二、(七)"]
    assert numbers(REGROUPED, "new-mrt-action") == ["二、(八) 1."]
    assert numbers(WITHDRAWN, "pop-music") == numbers(WITHDRAWN, "care-centers") == []
    assert numbers(RESTORED, "care-centers") == ["三、(三)"]
    english = [row[4] for row in edited[REGROUPED]["en"] if row[0] == "new-mrt-action"]
    assert english == ["2. (8) 1."]


def test_moves_deletions_and_restorations_record_positions(edited, plan):
    records = list(TreePositions.objects.filter(plan=plan))
    days = [timezone.localdate(r.recorded_at) for r in records]
    # The load; the move within a vision; the move to another vision and the addition; the
    # deletion; the restoration. The retitling and the unpublishing moved nothing.
    assert days == [LOADED, RETITLED, REGROUPED, REGROUPED, WITHDRAWN, RESTORED]
    assert records[0].baseline and not any(r.baseline for r in records[1:])
    assert all(r.revision is not None for r in records[1:])
    live = PlanNode.objects.filter(plan=plan, deleted=False).values_list("pk", "path")
    assert records[-1].paths == {str(pk): path for pk, path in live}
    assert str(node(plan, "care-centers").pk) not in records[-2].paths


def test_the_plan_texts_are_those_of_the_day(edited, plan):
    with at(RESTORED, 12):
        save_in_admin_revision(plan, title_zh_hant="新標題", title_en="New title")
    before = plan_at(plan, end_of_day(WITHDRAWN)).plan
    after = plan_at(plan, end_of_day(RESTORED)).plan
    assert before.pk == plan.pk and before.title_zh_hant != "新標題"
    with translation.override("en"):
        assert after.title == "New title"
    with translation.override("zh-hant"):
        assert after.title == "新標題"
    assert after.changed_at == after.edited_at


def test_an_unpublished_plan_is_not_shown(edited, plan):
    with at(RESTORED, 12):
        save_in_admin_revision(plan, published=False)
    assert plan_at(plan, end_of_day(RESTORED)) is None
    assert plan_at(plan, end_of_day(WITHDRAWN)) is not None


def test_before_anything_was_recorded_there_is_no_plan(edited, plan, django_assert_num_queries):
    assert plan_at(plan, end_of_day(date(2025, 1, 9))) is None
    with django_assert_num_queries(1):
        assert earliest_date(plan) == LOADED
    # A publication date before the first record is not a day the record can show; one
    # after it (the plan loaded before it was published) is the first day.
    plan.published_on = date(2023, 1, 1)
    assert earliest_date(plan) == LOADED
    plan.published_on = LOADED + timedelta(days=3)
    assert earliest_date(plan) == LOADED + timedelta(days=3)


def test_numbering_before_a_later_first_record_is_not_guessed(edited, plan):
    """As on a database whose first positions were recorded (by the migration) after the
    moves: the positions held before then are not known."""
    TreePositions.objects.filter(plan=plan).delete()
    with at(date(2025, 6, 1)):
        migration = importlib.import_module("plan.migrations.0012_tree_positions")
        migration.record_current_positions(apps, None)
    (baseline,) = TreePositions.objects.filter(plan=plan)
    assert baseline.baseline and baseline.revision is None
    live = PlanNode.objects.filter(plan=plan, deleted=False)
    assert baseline.paths == {str(n.pk): n.path for n in live}
    # Nothing moved since the restoration: its day is still known exactly.
    assert dated_view(plan, RESTORED) == edited[RESTORED]
    assert plan_at(plan, end_of_day(RESTORED)).positions_known
    # Before it, a restoration, a deletion, an addition and moves came before the record.
    for day in (LOADED, RETITLED, REGROUPED, WITHDRAWN):
        state = plan_at(plan, end_of_day(day))
        assert not state.positions_known, day


def test_what_no_record_places_is_handed_over_not_dropped(edited, plan):
    TreePositions.objects.filter(plan=plan).delete()
    with at(date(2025, 6, 2)):
        move_to_deleted(node(plan, "animal-friendly"))  # the first record, without it
    state = plan_at(plan, end_of_day(REGROUPED))
    assert not state.positions_known
    assert [row["ref"] for row in state.unplaced] == ["animal-friendly"]
    assert "animal-friendly" not in {row["ref"] for row in state.rows}
    assert not plan_at(plan, end_of_day(RESTORED)).positions_known  # a deletion came after


def test_the_cost_is_constant(edited, plan, django_assert_max_num_queries):
    for day in (LOADED, RESTORED):
        versions = latest_versions(end_of_day(day), PLAN_MODELS)
        with django_assert_max_num_queries(1):
            state = plan_at(plan, end_of_day(day), versions)
            state.tree("en")
    TreePositions.objects.filter(plan=plan, recorded_at__lt=end_of_day(REGROUPED)).delete()
    versions = latest_versions(end_of_day(LOADED), PLAN_MODELS)
    with django_assert_max_num_queries(2):
        assert not plan_at(plan, end_of_day(LOADED), versions).positions_known


def changes_between(plan, first, second, language="zh-hant"):
    return compare_plans(
        plan_at(plan, end_of_day(first)), plan_at(plan, end_of_day(second)), language
    )


def summary(changes):
    return [(c["kind"], c["ref"], c["before"], c["after"]) for c in changes]


def test_a_retitling_and_a_move_within_a_vision(edited, plan):
    changes = changes_between(plan, LOADED, RETITLED)
    assert summary(changes) == [
        ("moved", "regional-transport", "二、(七)", "二、(一)"),
        ("text", "mrt-network", "二、(六)", "二、(七)"),
    ]
    text = changes[1]["values"]
    assert (text["field"], text["before"], text["after"]) == (
        "title",
        "健全大眾運輸捷運路網",
        "捷運路網",
    )
    assert text["diff"] == text_diff("健全大眾運輸捷運路網", "捷運路網", "zh-hant")
    assert changes.positions_known


def test_a_move_to_another_vision_and_an_addition(edited, plan):
    changes = changes_between(plan, RETITLED, REGROUPED, "en")
    assert summary(changes) == [
        ("moved", "quality-jobs", "1. (1)", "2. (7)"),
        ("added", "new-mrt-action", None, "2. (8) 1."),
    ]
    assert changes[0]["values"] == {
        "from_parent": "tech",
        "from_parent_number": "1.",
        "to_parent": "livable",
        "to_parent_number": "2.",
    }
    assert changes[1]["values"]["parent"] == "mrt-network"


def test_withdrawn_items_are_listed_where_they_stood(edited, plan):
    changes = changes_between(plan, REGROUPED, WITHDRAWN)
    care = node(plan, "care-centers")
    actions = [n.ref for n in PlanNode.objects.get_children(care)]
    assert summary(changes) == [
        ("withdrawn", "care-centers", "三、(三)", None),
        *[("withdrawn", ref, f"三、(三) {i}.", None) for i, ref in enumerate(actions, 1)],
        ("withdrawn", "pop-music", "四、(二)", None),
    ]
    back = changes_between(plan, WITHDRAWN, RESTORED)
    assert [c["kind"] for c in back] == ["added"] * 3


def test_the_whole_period(edited, plan):
    changes = changes_between(plan, LOADED, RESTORED)
    assert summary(changes) == [
        ("moved", "regional-transport", "二、(七)", "二、(一)"),
        ("moved", "quality-jobs", "一、(一)", "二、(七)"),
        ("text", "mrt-network", "二、(六)", "二、(八)"),
        ("added", "new-mrt-action", None, "二、(八) 1."),
        ("withdrawn", "pop-music", "四、(二)", None),
    ]


def test_no_moves_and_no_numbers_when_the_positions_are_not_known(edited, plan):
    TreePositions.objects.filter(plan=plan, recorded_at__lt=end_of_day(WITHDRAWN)).delete()
    changes = changes_between(plan, LOADED, RESTORED)
    assert not changes.positions_known
    assert {c["kind"] for c in changes} == {"text", "added", "withdrawn"}
    assert all(c["before"] is None and c["after"] is None for c in changes)


def test_the_plans_own_texts_are_compared(edited, plan):
    with at(RESTORED, 12):
        save_in_admin_revision(plan, preamble_zh_hant=plan.preamble_zh_hant + "補充。")
    changes = changes_between(plan, WITHDRAWN, RESTORED)
    texts = [c for c in changes if c["ref"] is None]
    assert [(c["kind"], c["values"]["field"], c["after"]) for c in texts] == [
        ("text", "preamble", None)
    ]


# Without the scenario: the loaded plan alone.


def test_an_edit_alone_before_the_first_record_keeps_the_positions(plan):
    with at(LOADED):
        record_loaded(plan, "kaohsiung-112-115.json")
        loaded = live_view(plan)
    with at(RETITLED):
        save_in_admin_revision(node(plan, "mrt-network"), title_zh_hant="捷運路網")
    TreePositions.objects.filter(plan=plan).delete()
    with at(REGROUPED):
        importlib.import_module("plan.migrations.0012_tree_positions").record_current_positions(
            apps, None
        )
    assert plan_at(plan, end_of_day(LOADED)).positions_known
    assert dated_view(plan, LOADED) == loaded


def test_swapping_two_siblings_moves_one(plan):
    """The fewest moves that explain the new order: one of two swapped siblings moved."""
    with at(LOADED):
        record_loaded(plan, "kaohsiung-112-115.json")
    with at(RETITLED), reversion.create_revision():
        reversion.set_comment("移動位置")
        PlanNode.objects.move(node(plan, "asia-new-bay"), node(plan, "quality-jobs"), "left")
        reversion.add_to_revision(node(plan, "asia-new-bay"))
    changes = changes_between(plan, LOADED, RETITLED)
    assert [c["kind"] for c in changes] == ["moved"]
    assert (changes[0]["ref"], changes[0]["after"]) in {
        ("asia-new-bay", "一、(一)"),
        ("quality-jobs", "一、(二)"),
    }


@pytest.mark.parametrize("name", ["as-of", "compare"])
def test_the_dated_pages_names_are_reserved(name):
    assert name in RESERVED_NAMES
    with pytest.raises(Exception, match=name):
        validate_not_reserved(name)


def test_an_item_added_before_others_renumbers_them_on_that_day_only(plan, client, editor):
    with at(LOADED):
        record_loaded(plan, "kaohsiung-112-115.json")
        loaded = live_view(plan)
    strategy = node(plan, "social-housing")
    first, second = PlanNode.objects.get_children(strategy)
    with at(RETITLED):
        client.force_login(editor)
        add_action(client, plan, strategy, position="left", ref_node=first)
        added = live_view(plan)
    numbers = {row[0]: row[4] for row in added["zh-hant"]}
    assert numbers["new-mrt-action"] == "二、(二) 1."
    assert (numbers[first.ref], numbers[second.ref]) == ("二、(二) 2.", "二、(二) 3.")
    assert dated_view(plan, LOADED) == loaded
    assert dated_view(plan, RETITLED) == added
    changes = changes_between(plan, LOADED, RETITLED)
    assert summary(changes) == [("added", "new-mrt-action", None, "二、(二) 1.")]


def test_a_write_to_the_positions_changes_the_content_version(plan):
    from plan.content import missing_triggers, read_content_version

    assert earliest_date(plan) is None  # nothing recorded yet
    assert "plan_treepositions" not in missing_triggers()
    version = read_content_version()
    TreePositions.objects.create(plan=plan, recorded_at=timezone.now(), paths={})
    assert read_content_version() != version
