import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from plan.exchange import comparable, create_plan, plan_data
from plan.models import Plan, PlanNode

from .conftest import PLAN_FILE, SLUG

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def walk(node):
    yield node
    for child in node["children"]:
        yield from walk(child)


@pytest.mark.django_db
def test_load_plan_loads_every_fixture_once():
    out, _ = run("load_plan")
    assert f"{SLUG}: loaded 46 nodes" in out
    before = list(PlanNode.objects.values_list("pk", "path", "updated_at"))
    out, _ = run("load_plan")
    assert f"{SLUG}: already loaded, unchanged" in out
    assert list(PlanNode.objects.values_list("pk", "path", "updated_at")) == before
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_load_plan_never_overwrites_staff_edits():
    run("load_plan", str(PLAN_FILE))
    node = PlanNode.objects.get(title_zh_hant="健全大眾運輸捷運路網")
    node.title_en = "An edited title"
    node.save()
    with pytest.raises(CommandError, match="nothing was overwritten"):
        run("load_plan")
    node.refresh_from_db()
    assert node.title_en == "An edited title"


@pytest.mark.django_db
def test_load_plan_lists_what_differs():
    run("load_plan")
    node = PlanNode.objects.get(title_zh_hant="健全大眾運輸捷運路網")
    node.title_en = "An edited title"
    node.save()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_plan", stdout=StringIO(), stderr=err)
    assert f"/tree/children/livable/children/{node.ref}/title/en" in err.getvalue()
    assert "in 1 place(s)" in err.getvalue()


@pytest.mark.django_db
def test_load_plan_replace_restores_the_file():
    run("load_plan")
    PlanNode.objects.filter(title_zh_hant="健全大眾運輸捷運路網").update(title_en="Edited")
    out, _ = run("load_plan", "--replace")
    assert "replaced" in out
    assert PlanNode.objects.get(title_zh_hant="健全大眾運輸捷運路網").title_en != "Edited"
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])
    assert PlanNode.objects.count() == 46


@pytest.mark.django_db
def test_load_plan_rejects_a_file_that_is_not_a_plan(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(CommandError, match="not a plan file"):
        run("load_plan", str(bad))


@pytest.mark.django_db
def test_two_plans_live_side_by_side(plan_file_data):
    first = create_plan(plan_file_data)
    second = create_plan(
        {**plan_file_data, "slug": "kaohsiung-116-119", "term": {"roc": [116, 119]}}
    )
    assert (
        PlanNode.objects.for_plan(first).count() == PlanNode.objects.for_plan(second).count() == 46
    )
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])
    assert not set(PlanNode.objects.for_plan(first).values_list("path", flat=True)) & set(
        PlanNode.objects.for_plan(second).values_list("path", flat=True)
    )


def test_export_format(plan):
    out, _ = run("export_plan", SLUG)
    data = json.loads(out)
    for key in ("slug", "title", "preamble", "closing", "tree"):
        assert key in data
    assert data["slug"] == SLUG
    assert data["title"]["zh-hant"] == "高雄市政府112至115年度中程施政計畫"
    assert data["preamble"]["zh-hant"].startswith("帶領高雄轉型")
    goal = data["tree"]
    assert goal["kind"] == "goal"
    assert goal["url"] == f"/{SLUG}/"
    nodes = list(walk(goal))
    assert len(nodes) == 46
    for node in nodes:
        assert set(node) >= {
            "kind",
            "ref",
            "number",
            "title",
            "body",
            "chart_label",
            "url",
            "children",
        }
        for field in ("title", "body"):
            assert set(node[field]) == {"zh-hant", "en"}
    strategy = goal["children"][1]["children"][5]
    assert strategy["title"]["zh-hant"] == "健全大眾運輸捷運路網"
    assert strategy["number"] == {"zh-hant": "(六)", "en": "(6)"}
    assert strategy["url"] == f"/{SLUG}/{strategy['ref']}/"
    action = goal["children"][1]["children"][1]["children"][0]
    assert action["kind"] == "action"
    assert action["body"]["zh-hant"].startswith("攜手中央合力規劃興辦社會住宅")
    assert action["url"].endswith(f"#{action['ref']}")


def test_export_round_trips_into_an_empty_database(plan):
    exported = plan_data(plan)
    Plan.objects.all().delete()
    again = create_plan(exported)
    assert comparable(plan_data(again)) == comparable(exported)


def test_english_is_complete_and_free_of_chinese(plan):
    data = plan_data(plan)
    texts = [data[k] for k in ("title", "authority", "preamble", "closing", "preamble_heading")]
    texts += [data["chart"]["title"], *data["chart"]["rows"].values()]
    for node in walk(data["tree"]):
        texts += [node["title"], node["body"]]
        if node["chart_label"]:
            texts.append(node["chart_label"])
    for text in texts:
        if text["zh-hant"]:
            assert text["en"].strip(), f"no English for {text['zh-hant'][:20]}"
        assert not CJK.search(text["en"]), f"Chinese in English text: {text['en'][:40]}"
    assert not CJK.search(json.dumps([t["en"] for t in texts], ensure_ascii=False))


def test_export_unknown_plan_fails_clearly(db):
    with pytest.raises(CommandError, match="no published plan"):
        run("export_plan", "nowhere")
