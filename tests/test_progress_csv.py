"""Progress as CSV: export_progress and import_progress (docs/progress-csv.md).

The data is made up by the tests themselves (agencies called test-…), on the plan's real
tree: nothing here is progress of the real plan.
"""

import csv
import io
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from plan.models import PlanNode
from progress.models import Agency, Indicator, ProgressUpdate, Responsibility
from progress.spreadsheets.importer import import_csv
from progress.spreadsheets.values import parse_date, parse_percent

from .conftest import SLUG

STRATEGY = "mrt-network"
ACTION = "social-housing-supply"
OTHER = "net-zero"
UPDATE_HEADER = (
    "plan,ref,date,status,percent,summary_zh_hant,summary_en,source,agency,reason,remedy"
)


@pytest.fixture
def agencies(db):
    return make_agencies()


def make_agencies():
    a = Agency.objects.create(
        code="test-transport", name_zh_hant="測試交通機關", name_en="Test Transport Agency"
    )
    b = Agency.objects.create(
        code="test-housing",
        name_zh_hant="測試住宅機關",
        name_en="Test Housing Agency",
        url="https://housing.example.org/",
    )
    return a, b


def node(plan, ref):
    return PlanNode.objects.get(plan=plan, ref=ref)


@pytest.fixture
def progress(plan, agencies):
    return make_progress(plan, agencies)


def make_progress(plan, agencies):
    """Published responsibilities, indicators and updates, plus a draft of each fact."""
    transport, housing = agencies
    Responsibility.objects.create(node=node(plan, STRATEGY), agency=transport, role="lead")
    Responsibility.objects.create(node=node(plan, STRATEGY), agency=housing, role="support")
    Responsibility.objects.create(node=node(plan, ACTION), agency=housing, role="lead")
    now = timezone.now()
    published = {"state": "published", "published_at": now}
    Indicator.objects.create(
        node=node(plan, STRATEGY),
        key="test-ridership",
        name_zh_hant="測試運量",
        name_en="Test ridership",
        unit_zh_hant="人次",
        unit_en="trips",
        direction="increase",
        baseline_year=111,
        baseline=Decimal("1000.5"),
        values={
            "112": {"target": "1100", "actual": "1090", "source": "https://example.org/112"},
            "113": {"target": "1200"},
        },
        source="https://example.org/ridership",
        **published,
    )
    Indicator.objects.create(
        node=node(plan, ACTION),
        key="test-draft-indicator",
        name_zh_hant="草稿指標",
        direction="decrease",
        values={"114": {"target": "5"}},
    )
    ProgressUpdate.objects.create(
        node=node(plan, STRATEGY),
        date=date(2024, 6, 30),
        status="in_progress",
        percent=Decimal("40.5"),
        summary_zh_hant="測試：進行中，含逗號, 與\n換行",
        summary_en="Test: under way",
        source="府授研字第 1130000001 號",
        agency=transport,
        **published,
    )
    ProgressUpdate.objects.create(
        node=node(plan, ACTION),
        date=date(2024, 12, 31),
        status="behind",
        percent=Decimal("20"),
        summary_zh_hant="測試：落後",
        source="https://example.org/behind",
        reason="測試原因",
        remedy="測試對策",
        **published,
    )
    ProgressUpdate.objects.create(
        node=node(plan, STRATEGY),
        date=date(2025, 1, 31),
        status="in_progress",
        percent=Decimal("60"),
        summary_zh_hant="草稿，不可公開",
        source="https://example.org/draft",
    )
    return agencies


def export(kind, slug=SLUG):
    out = StringIO()
    call_command("export_progress", slug, kind=kind, stdout=out)
    return out.getvalue()


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def run_import(tmp_path, content, *args, encoding="utf-8-sig", name="file.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    out, err = StringIO(), StringIO()
    call_command("import_progress", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(tmp_path, content, *args, **kwargs):
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode(kwargs.get("encoding", "utf-8")))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_progress", str(path), *args, stdout=StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


def snapshot():
    """Everything the importer could change, to compare before and after."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Agency, Responsibility, Indicator, ProgressUpdate)
    ]


# Parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2025-03-31", "114/03/31", "114/3/31", "2025/3/31", "2025/03/31 00:00", " 2025-3-31 "],
)
def test_dates(text):
    assert parse_date(text) == date(2025, 3, 31)


@pytest.mark.parametrize("text", ["31/03/2025", "2025-02-30", "明年", "114"])
def test_unreadable_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    "text,value",
    [
        ("55", Decimal(55)),
        ("55%", Decimal(55)),
        ("55.5", Decimal("55.5")),
        (" 55 % ", 55),
        ("", None),
    ],
)
def test_percentages(text, value):
    assert parse_percent(text) == value


# Export -----------------------------------------------------------------------------------


def test_export_is_excel_csv_of_published_data_only(progress):
    text = export("updates")
    assert text.startswith("\ufeff")
    assert text.endswith("\r\n") and "\r\n" in text.split("\ufeff")[1]
    rows = rows_of(text)
    assert list(rows[0]) == [*UPDATE_HEADER.split(","), "update_id"]
    # In the plan's order (social housing comes before the MRT), newest first within an item.
    assert [(r["ref"], r["date"], r["status"], r["percent"]) for r in rows] == [
        (ACTION, "2024-12-31", "behind", "20"),
        (STRATEGY, "2024-06-30", "in_progress", "40.5"),
    ]
    assert "草稿" not in text  # drafts never
    assert rows[1]["summary_zh_hant"] == "測試：進行中，含逗號, 與\n換行"
    assert rows[1]["agency"] == "test-transport"
    assert rows[1]["update_id"] == str(ProgressUpdate.objects.get(percent=Decimal("40.5")).pk)


def test_export_indicators_has_a_column_per_year_of_the_term(progress):
    rows = rows_of(export("indicators"))
    (row,) = rows  # the draft is not exported
    assert list(row)[:13] == [
        "plan",
        "ref",
        "indicator",
        "name_zh_hant",
        "name_en",
        "measure_zh_hant",
        "measure_en",
        "unit_zh_hant",
        "unit_en",
        "direction",
        "baseline_year",
        "baseline",
        "weight",
    ]
    years = [f"{name}_{year}" for year in range(112, 116) for name in ("target", "actual")]
    assert list(row)[13:21] == years
    assert list(row)[21:] == [
        "source",
        "target_change_reason",
        "source_112",
        "source_113",
        "source_114",
        "source_115",
    ]
    assert row["target_112"] == "1100" and row["actual_112"] == "1090"
    assert row["target_113"] == "1200" and row["actual_113"] == ""
    assert row["baseline"] == "1000.5" and row["baseline_year"] == "111" and row["weight"] == "1"
    assert row["source_112"] == "https://example.org/112"


def test_export_agencies_and_responsibilities(progress):
    agencies = rows_of(export("agencies"))
    assert agencies == [
        {
            "code": "test-housing",
            "name_zh_hant": "測試住宅機關",
            "name_en": "Test Housing Agency",
            "url": "https://housing.example.org/",
        },
        {
            "code": "test-transport",
            "name_zh_hant": "測試交通機關",
            "name_en": "Test Transport Agency",
            "url": "",
        },
    ]
    responsibilities = rows_of(export("responsibilities"))
    assert [list(r.values()) for r in responsibilities] == [
        [SLUG, ACTION, "test-housing", "lead"],
        [SLUG, STRATEGY, "test-transport", "lead"],
        [SLUG, STRATEGY, "test-housing", "support"],
    ]


def test_template_lists_every_strategy_and_action_item(plan):
    rows = rows_of(export("responsibilities"))
    expected = list(
        PlanNode.objects.for_plan(plan)
        .published()
        .filter(kind__in=["strategy", "action"])
        .values_list("ref", flat=True)
    )
    assert len(expected) == 28 + 13
    assert [r["ref"] for r in rows] == expected
    assert list(rows[0]) == ["plan", "ref", "agency", "role", "title_zh_hant"]
    assert all(r["agency"] == "" and r["role"] == "" and r["plan"] == SLUG for r in rows)
    assert rows[expected.index(STRATEGY)]["title_zh_hant"] == "健全大眾運輸捷運路網"


def test_export_of_an_unknown_plan_fails(db):
    with pytest.raises(CommandError):
        export("updates", slug="nowhere")


# Import: round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["agencies", "responsibilities", "indicators", "updates"])
def test_round_trip_changes_nothing(progress, tmp_path, kind):
    text = export(kind)
    before = snapshot()
    out, _ = run_import(tmp_path, text.lstrip("\ufeff"))
    assert "new 0, changed 0" in out
    assert snapshot() == before
    assert export(kind) == text


def test_filled_in_template_imports_and_empty_rows_are_skipped(plan, agencies, tmp_path):
    rows = rows_of(export("responsibilities"))
    rows[0].update(agency="test-transport", role="lead")
    rows[1].update(agency="test-housing", role="support")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    printed, _ = run_import(tmp_path, out.getvalue())
    assert "new 2" in printed and f"skipped {len(rows) - 2}" in printed
    assert Responsibility.objects.count() == 2
    again, _ = run_import(tmp_path, out.getvalue())
    assert "new 0, changed 0, unchanged 2" in again


def test_import_twice_changes_nothing(plan, agencies, tmp_path):
    content = (
        f"{UPDATE_HEADER}\r\n"
        f"{SLUG},{STRATEGY},2025-03-31,in_progress,55%,測試摘要,Test summary,https://example.org/a,"
        "test-transport,,\r\n"
        f"{SLUG},{ACTION},114/03/31,completed,100,測試完成,,https://example.org/b,,,\r\n"
    )
    out, _ = run_import(tmp_path, content)
    assert "new 2, changed 0, unchanged 0" in out
    assert ProgressUpdate.objects.filter(state="draft").count() == 2  # drafts, for review
    before = snapshot()
    out, _ = run_import(tmp_path, content)
    assert "new 0, changed 0, unchanged 2" in out
    assert snapshot() == before


def test_big5_file_from_excel(plan, agencies, tmp_path):
    content = (
        f"{UPDATE_HEADER}\r\n"
        f"{SLUG},{STRATEGY},114/3/31,in_progress,55.5%,捷運路網測試進度,,府授研字第1號,"
        "test-transport,,\r\n"
    )
    out, _ = run_import(tmp_path, content, encoding="cp950")
    assert "new 1" in out
    update = ProgressUpdate.objects.get()
    assert update.summary_zh_hant == "捷運路網測試進度"
    assert update.date == date(2025, 3, 31)
    assert update.percent == Decimal("55.5")
    assert update.source == "府授研字第1號"
    assert update.state == "draft"


@pytest.mark.parametrize(
    "written,expected",
    [
        ("2025-03-31", date(2025, 3, 31)),
        ("114/03/31", date(2025, 3, 31)),
        ("2025/3/1", date(2025, 3, 1)),
    ],
)
@pytest.mark.parametrize("percent,value", [("55", "55"), ("55%", "55"), ("55.5", "55.5")])
def test_dates_and_percentages_as_spreadsheets_write_them(
    plan, agencies, tmp_path, written, expected, percent, value
):
    content = f"{UPDATE_HEADER}\n{SLUG},{STRATEGY},{written},in_progress,{percent},測試,,來源,,,\n"
    run_import(tmp_path, content, encoding="utf-8")  # no BOM
    update = ProgressUpdate.objects.get()
    assert update.date == expected and update.percent == Decimal(value)


def test_dry_run_reports_and_writes_nothing(progress, tmp_path):
    rows = rows_of(export("updates"))
    rows[0]["percent"] = "45"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    writer.writerow({**rows[0], "update_id": "", "date": "2025-06-30"})
    before = snapshot()
    printed, _ = run_import(tmp_path, out.getvalue(), "--dry-run")
    assert "dry run, nothing written" in printed
    assert "new 1, changed 1, unchanged 1" in printed
    assert snapshot() == before


# Import: the review rule ------------------------------------------------------------------


def changed_update_file(percent="45", status=None, update=None):
    rows = rows_of(export("updates"))
    row = next(r for r in rows if r["percent"] == "40.5")
    row["percent"] = percent
    if status:
        row["status"] = status
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue(), int(row["update_id"])


def test_a_changed_published_update_becomes_a_draft_revision(progress, tmp_path):
    content, pk = changed_update_file()
    published = ProgressUpdate.objects.get(pk=pk)
    out, _ = run_import(tmp_path, content)
    assert "changed 1" in out
    published.refresh_from_db()
    assert published.state == "published" and published.percent == Decimal("40.5")
    draft = ProgressUpdate.objects.get(supersedes=published)
    assert draft.state == "draft" and draft.percent == Decimal("45")
    assert [r["percent"] for r in rows_of(export("updates"))] == ["20", "40.5"]
    # The same file again: the pending draft already says it.
    before = snapshot()
    out, _ = run_import(tmp_path, content)
    assert "changed 0, unchanged 1" in out
    assert snapshot() == before
    # Changed again: the draft is edited, no second draft.
    content, _ = changed_update_file("47")
    run_import(tmp_path, content)
    assert ProgressUpdate.objects.filter(supersedes=published).count() == 1
    assert ProgressUpdate.objects.get(supersedes=published).percent == Decimal(47)


def test_publish_replaces_the_published_update(progress, tmp_path):
    content, pk = changed_update_file()
    out, _ = run_import(tmp_path, content, "--publish")
    assert "changed 1" in out and "(published)" in out
    old = ProgressUpdate.objects.get(pk=pk)
    assert old.state == "superseded"
    new = ProgressUpdate.objects.get(supersedes=old)
    assert new.state == "published" and new.published_at is not None
    assert new.percent == Decimal(45)
    exported = rows_of(export("updates"))
    assert str(new.pk) in [r["update_id"] for r in exported]
    assert str(pk) not in [r["update_id"] for r in exported]
    # The old id, once superseded, is refused with the new one named.
    message, err = failing_import(tmp_path, content)
    assert f"({new.pk})" in err


def test_publish_turns_the_pending_draft_into_the_published_revision(progress, tmp_path):
    content, pk = changed_update_file()
    run_import(tmp_path, content)
    run_import(tmp_path, content, "--publish")
    assert ProgressUpdate.objects.get(pk=pk).state == "superseded"
    (new,) = ProgressUpdate.objects.filter(supersedes_id=pk)
    assert new.state == "published"


def test_import_is_recorded_as_a_revision(progress, tmp_path):
    from reversion.models import Version

    content, _ = changed_update_file()
    run_import(tmp_path, content)
    version = Version.objects.get_for_model(ProgressUpdate).order_by("-pk").first()
    assert "Imported updates from CSV" in version.revision.comment


def test_weakened_target_needs_a_reason(progress, tmp_path):
    rows = rows_of(export("indicators"))
    rows[0]["target_112"] = "900"  # increase: lower is weaker
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    before = snapshot()
    _, err = failing_import(tmp_path, out.getvalue())
    assert "第 2 列「target_change_reason」欄" in err
    assert "Row 2, column “target_change_reason”" in err and "112" in err
    assert snapshot() == before
    out2 = out.getvalue().replace(
        ",https://example.org/ridership,", ",https://example.org/ridership,測試：預算刪減"
    )
    assert out2 != out.getvalue()
    printed, _ = run_import(tmp_path, out2)
    assert "changed 1" in printed
    published = Indicator.objects.get(key="test-ridership", state="published")
    draft = Indicator.objects.get(key="test-ridership", state="draft")
    assert draft.supersedes == published and draft.values["112"]["target"] == "900"
    assert published.values["112"]["target"] == "1100"


def test_new_indicator_imported(plan, agencies, tmp_path):
    header = export("indicators").lstrip("\ufeff").split("\r\n")[0]
    assert header.endswith("source,target_change_reason")  # no year has its own source
    line = (
        f"{SLUG},{ACTION},test-units,測試戶數,Test units,,,戶,units,increase,111,0,2,"
        "100,50,200,,300,,400,,https://example.org/units,"
    )
    out, _ = run_import(tmp_path, f"{header}\r\n{line}\r\n")
    assert "new 1" in out
    indicator = Indicator.objects.get(key="test-units")
    assert indicator.state == "draft"
    assert indicator.values == {
        "112": {"target": "100", "actual": "50"},
        "113": {"target": "200"},
        "114": {"target": "300"},
        "115": {"target": "400"},
    }
    assert indicator.weight == 2 and indicator.baseline_year == 111


def test_agencies_import(db, tmp_path):
    content = (
        "code,name_zh_hant,name_en,url\r\n"
        "test-a,測試甲機關,Test Agency A,https://a.example.org/\r\n"
        "test-b,測試乙機關,,\r\n"
    )
    out, _ = run_import(tmp_path, content)
    assert "new 2" in out
    changed = content.replace("Test Agency A", "Test Agency Alpha")
    out, _ = run_import(tmp_path, changed)
    assert "new 0, changed 1, unchanged 1" in out
    assert Agency.objects.get(code="test-a").name_en == "Test Agency Alpha"


# Import: bad files --------------------------------------------------------------------------


def test_every_error_with_row_and_column_in_both_languages(progress, tmp_path):
    content = (
        f"{UPDATE_HEADER}\r\n"
        f"{SLUG},{STRATEGY},2025-03-31,in_progress,55,測試,,https://example.org/ok,,,\r\n"
        f"{SLUG},{STRATEGY},明年,in_progress,55,測試,,https://example.org/a,,,\r\n"
        f"{SLUG},no-such-item,2025-03-31,in_progress,55,測試,,https://example.org/b,,,\r\n"
        f"{SLUG},livable,2025-03-31,in_progress,55,測試,,https://example.org/c,,,\r\n"
        f"{SLUG},{STRATEGY},2025-03-31,behind,55,測試,,,,,\r\n"
        f"{SLUG},{STRATEGY},2025-03-31,late,abc,測試,,https://example.org/d,nobody,,\r\n"
        f"{SLUG},{STRATEGY},2025-03-31,in_progress,150,測試,,https://example.org/e,,,\r\n"
    )
    before = snapshot()
    message, err = failing_import(tmp_path, content)
    assert snapshot() == before  # nothing written
    assert "nothing was written" in message and "未寫入任何資料" in message
    expected = [
        ("3", "date", "日期", "unreadable date"),
        ("4", "ref", "no-such-item", "the plan has no item"),
        ("5", "ref", "不是策略或行動方案", "is not a strategy or an action item"),
        ("6", "source", "來源", "needs its source"),
        ("6", "reason", "原因", "needs the reason"),
        ("6", "remedy", "對策", "needs the remedy"),
        ("7", "status", "late", "not a known code"),
        ("7", "percent", "abc", "is not a number"),
        ("7", "agency", "nobody", "no agency"),
        ("8", "percent", "100", "100"),
    ]
    lines = err.strip().splitlines()
    assert len(lines) == len(expected), err
    for (row, column, chinese, english), line in zip(expected, lines, strict=True):
        zh, en = line.split(" / ", 1)
        assert zh.startswith(f"第 {row} 列「{column}」欄："), line
        assert en.startswith(f"Row {row}, column “{column}”: "), line
        assert chinese in zh and english in en, line


def test_bad_header_and_years(progress, tmp_path):
    header = export("indicators").lstrip("\ufeff").split("\r\n")[0]
    wrong = header.replace("target_115", "target_116").replace(",name_en,", ",name_english,")
    _, err = failing_import(tmp_path, wrong + "\r\n" + f"{SLUG},{STRATEGY},x" + "," * 26 + "\r\n")
    assert "第 1 列「target_116」欄" in err and "outside the plan's term" in err
    assert "第 1 列「name_english」欄" in err and "unknown column" in err
    assert "Row 1, column “target_115”: this column is missing" in err
    assert "Row 1, column “name_en”: this column is missing" in err


def test_unknown_kind_plan_and_encoding(db, tmp_path):
    _, err = failing_import(tmp_path, "foo,bar\r\n1,2\r\n")
    assert "第 1 列" in err and "Row 1" in err
    _, err = failing_import(
        tmp_path, f"{UPDATE_HEADER}\r\nnowhere,{STRATEGY},2025-01-01,,,,,,,,\r\n"
    )
    assert "Row 2, column “plan”: no plan “nowhere”" in err
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x00")
    with pytest.raises(CommandError):
        call_command("import_progress", str(path), stdout=StringIO(), stderr=StringIO())


def test_one_plan_per_file(plan, plan_file_data, agencies, tmp_path):
    from plan.exchange import create_plan

    create_plan({**plan_file_data, "slug": "other-plan"})
    content = (
        f"{UPDATE_HEADER}\r\n"
        f"{SLUG},{STRATEGY},2025-03-31,in_progress,55,測試,,來源,,,\r\n"
        f"other-plan,{STRATEGY},2025-03-31,in_progress,55,測試,,來源,,,\r\n"
    )
    _, err = failing_import(tmp_path, content)
    assert "Row 3, column “plan”: one plan per file" in err
    assert ProgressUpdate.objects.count() == 0


def test_a_deleted_item_is_refused(plan, agencies, tmp_path):
    PlanNode.objects.filter(plan=plan, ref=OTHER).update(deleted=True)
    _, err = failing_import(
        tmp_path, f"{UPDATE_HEADER}\r\n{SLUG},{OTHER},2025-03-31,in_progress,5,測試,,來源,,,\r\n"
    )
    assert f"Row 2, column “ref”: the plan has no item “{OTHER}”" in err


def test_duplicate_rows_and_unknown_update_ids(progress, tmp_path):
    line = f"{SLUG},{STRATEGY},2025-03-31,in_progress,5,測試,,來源,,,"
    header = UPDATE_HEADER + ",update_id"
    _, err = failing_import(tmp_path, f"{header}\r\n{line},\r\n{line},\r\n{line},99999\r\n")
    assert "Row 3, column “ref”: the same update as row 2" in err
    assert "Row 4, column “update_id”: the plan has no update 99999" in err


def test_all_errors_through_the_function(progress):
    result = import_csv(b"code,name_zh_hant,name_en,url\r\n,x,,\r\nbad code!,,,not-a-url\r\n")
    assert not result.applied
    assert any("Row 2, column “code”: required" in e for e in result.errors)
    assert any(e.startswith("第 3 列「code」欄") for e in result.errors)
    assert any(e.startswith("第 3 列「name_zh_hant」欄") for e in result.errors)
    assert any(e.startswith("第 3 列「url」欄") for e in result.errors)
