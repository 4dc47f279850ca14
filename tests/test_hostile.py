"""What a hostile tester broke, each kept broken no more (a test each, failing before)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from plan.deletion import move_to_deleted
from plan.models import Plan, PlanNode, TreeRuleError
from progress.spreadsheets.values import parse_date, parse_percent

from .conftest import SLUG
from .test_progress_csv import UPDATE_HEADER, failing_import, make_agencies, snapshot
from .test_progress_pages import add_sample_progress

ADMIN = "/admin/plan/plannode/"


@pytest.fixture
def agencies(db):
    return make_agencies()


def node(ref):
    return PlanNode.objects.get(ref=ref)


# The page cache -----------------------------------------------------------------------


def test_made_up_filter_values_do_not_fill_the_page_cache(client, plan):
    """?agency=nosuch1, nosuch2, … each made a cached copy of the unfiltered overview."""
    add_sample_progress(plan)
    overview = f"/{SLUG}/progress/"
    client.get(overview)
    stored = len(cache._cache)
    for junk in ("?agency=nosuch1", "?agency=nosuch2", "?vision=nosuch", "?vision=x&sort=date"):
        response = client.get(overview + junk)
        assert response.status_code == 302
        assert response["Location"].startswith(overview) and "nosuch" not in response["Location"]
    assert len(cache._cache) == stored


# Tree rules ---------------------------------------------------------------------------


def test_nothing_moves_under_or_beside_a_deleted_item(client, editor, loaded):
    """A strategy moved under a deleted vision vanished from every list, and a superuser's
    erasing of the vision erased it with its text."""
    tech, livable = node("tech"), node("livable")
    move_to_deleted(livable)
    strategy = node("quality-jobs")
    with pytest.raises(TreeRuleError):
        PlanNode.objects.move(strategy, node("livable"), "last-child")
    response = client.post(
        f"{ADMIN}move/", {"node": strategy.pk, "target": livable.pk, "relation": "child"}
    )
    assert response.status_code == 400
    strategy.refresh_from_db()
    assert PlanNode.objects.get_parent(strategy).pk == tech.pk


def test_the_add_form_refuses_a_place_beside_a_deleted_item(client, editor, loaded):
    deleted = node("social-housing")
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
    from .test_admin import form_data

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
    goal = node("goal")
    url = f"{ADMIN}{goal.pk}/change/"
    data = form_data(client, url)
    data.update(plan=other.pk, treebeard_position="first-child", treebeard_ref_node="")
    assert client.post(url, data).status_code == 200  # refused
    goal.refresh_from_db()
    assert goal.plan_id == loaded.pk
    assert client.get(f"/{SLUG}/mrt-network/").status_code == 200


# CSV import ---------------------------------------------------------------------------


def update_row(**cells):
    row = {
        "plan": SLUG,
        "ref": "mrt-network",
        "date": "2025-03-31",
        "status": "in_progress",
        "percent": "50",
        "summary_zh_hant": "摘要",
        "summary_en": "",
        "source": "https://x.example/",
        "agency": "test-transport",
        "reason": "",
        "remedy": "",
        **cells,
    }
    header = UPDATE_HEADER.split(",") + [name for name in cells if name == "update_id"]
    return ",".join(header) + "\n" + ",".join(row.get(name, "") for name in header) + "\n"


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"update_id": "²"}, "update_id"),  # a superscript digit: crashed int()
        ({"summary_zh_hant": "摘\x00要"}, "summary_zh_hant"),  # NUL: PostgreSQL refused it
        ({"percent": "55.555"}, "percent"),  # too many decimals: an empty message
        ({"date": "25/3/31"}, "date"),  # ROC 25: written as 1936
        ({"percent": "5_0"}, "percent"),  # read as 50
    ],
)
def test_bad_cells_are_errors_with_row_and_column_and_nothing_is_written(
    plan,
    agencies,
    tmp_path,
    cells,
    column,
):
    before = snapshot()
    summary, message = failing_import(tmp_path, update_row(**cells))
    assert "1 個錯誤" in summary
    assert f"第 2 列「{column}」欄：" in message and f"Row 2, column “{column}”: " in message
    line = next(x for x in message.splitlines() if f"「{column}」" in x)
    zh, en = line.split(" / Row 2")
    assert zh.split("欄：", 1)[1].strip() and en.split(": ", 1)[1].strip()  # says what
    assert snapshot() == before


def test_mistyped_years_and_underscores_are_not_read():
    for text in ("25/3/31", "0/1/1", "1936-03-31"):
        with pytest.raises(ValueError):
            parse_date(text)
    with pytest.raises(ValidationError):
        parse_percent("5_0")
