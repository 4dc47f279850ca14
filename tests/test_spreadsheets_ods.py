"""Progress as ODS (and XLSX) spreadsheets: the CSV's contracts both ways (issue 23).

Every file is read back with an independent reader, python-calamine (the importer uses it
too, but only after its own checks; the tests compare what calamine sees with the CSV). The
"LibreOffice" file is built here as LibreOffice 24 saves one (calcext attributes, a
percentage cell with its style, a million trailing empty rows, a formula with its cached
value); the XLSX with openpyxl, as Excel users send them. Beside them, two files really
saved by LibreOffice Calc 7.4 (an .ods and an .xlsx) are committed under tests/files/
(tests/files/README.md says how each was made; Excel itself was not available).

Over 400 lines, one job: the spreadsheet contracts in both directions, whose tests share the
files they build.
"""

import csv
import io
import random
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import python_calamine
from defusedxml import ElementTree as SafeTree
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.serving.caching import clear_process_caches
from progress.models import ProgressUpdate
from progress.roles import REVIEWER
from progress.spreadsheets import workbook
from progress.spreadsheets.importer import import_csv
from progress.spreadsheets.ods import MEDIA_TYPE, write_ods

from .factories import (
    ACTION,
    SLUG,
    STRATEGY,
    UPDATE_HEADER,
    cold_count,
    run_import,
    snapshot,
    staff,
)

KINDS = ["agencies", "responsibilities", "indicators", "updates"]
ORIGIN = "https://example.org"
OFFICE = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)


def export(kind, tmp_path, file_format="ods"):
    path = tmp_path / f"{kind}.{file_format}"
    call_command(
        "export_progress", SLUG, kind=kind, format=file_format, output=str(path), stdout=StringIO()
    )
    return path.read_bytes()


def failing(tmp_path, data, name):
    """import_progress of a file that it refuses: (the summary, the problems printed)."""
    path = tmp_path / name
    path.write_bytes(data)
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_progress", str(path), stdout=StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


def calamine_rows(data):
    """The first sheet as python-calamine reads it (the independent reader)."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def as_text(value):
    """A calamine value as the CSV writes it."""
    if value in ("", None):
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# Hand-made spreadsheets ---------------------------------------------------------------------


def cell(value=None, kind="string", repeat=1, formula=None, style=None):
    """One <table:table-cell> as LibreOffice writes it."""
    attrs = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if style:
        attrs += f' table:style-name="{style}"'
    if formula:
        attrs += f' table:formula="{formula}"'
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if kind == "string":
        return (
            f'<table:table-cell{attrs} office:value-type="string" calcext:value-type="string">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if kind == "date":
        return (
            f'<table:table-cell{attrs} office:value-type="date" office:date-value="{value}" '
            f'calcext:value-type="date"><text:p>{value}</text:p></table:table-cell>'
        )
    if kind == "percentage":
        return (
            f'<table:table-cell{attrs} office:value-type="percentage" office:value="{value}" '
            f'calcext:value-type="percentage"><text:p>{Decimal(value) * 100}%</text:p>'
            "</table:table-cell>"
        )
    return (
        f'<table:table-cell{attrs} office:value-type="float" office:value="{value}" '
        f'calcext:value-type="float"><text:p>{value}</text:p></table:table-cell>'
    )


STYLES = (
    "<office:automatic-styles>"
    '<number:percentage-style style:name="N11"><number:number number:decimal-places="1" '
    'number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>'
    '<style:style style:name="ce1" style:family="table-cell" style:data-style-name="N11"/>'
    "</office:automatic-styles>"
)


def ods(rows_xml, *, manifest="", doctype="", mimetype=workbook.ODS_TYPE, extra=(), styles=True):
    """An ODS file around the rows' XML (LibreOffice's member order, mimetype stored first)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        f'<office:document-content {OFFICE} office:version="1.3">'
        f"{STYLES if styles else ''}<office:body>"
        '<office:spreadsheet><table:table table:name="工作表1">'
        '<table:table-column table:number-columns-repeated="1024"/>'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            f"{manifest}</manifest:manifest>",
        )
        for name, data in extra:
            archive.writestr(name, data)
    return out.getvalue()


def row(*cells, repeat=1):
    attrs = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-row table:style-name="ro1"{attrs}>{"".join(cells)}</table:table-row>'


HEADER = UPDATE_HEADER.split(",")


def update_row(ref, date_cell, percent_cell, summary, **texts):
    values = {
        "plan": cell(SLUG),
        "ref": cell(ref),
        "date": date_cell,
        "status": cell("in_progress"),
        "percent": percent_cell,
        "summary_zh_hant": cell(summary),
        "source": cell("https://example.org/ods"),
    }
    values.update({name: cell(value) for name, value in texts.items()})
    # Every column, empty ones as LibreOffice writes them, then the sheet's empty rest.
    return row(*(values.get(name, cell()) for name in HEADER), cell(repeat=1013))


def libreoffice_file():
    """Updates as LibreOffice saves them: a date cell and a percentage cell (55.5 %), a text
    date 114/03/31 and a formula's cached value (=50+5 → 55), a date cell and a plain number
    (40) with a text starting with an apostrophe; a million empty rows after them."""
    return ods(
        row(*(cell(name) for name in HEADER), cell(repeat=1013))
        + update_row(
            STRATEGY, cell("2025-03-31", "date"), cell("0.555", "percentage", style="ce1"), "甲"
        )
        + update_row(
            ACTION,
            cell("114/03/31"),
            cell("55", "float", formula="of:=50+5"),
            "乙",
        )
        + update_row(STRATEGY, cell("2025-04-30", "date"), cell("40", "float"), "'丙 =1+1")
        + row(cell(repeat=1024), repeat=1048572)
    )


def test_an_ods_as_libreoffice_saves_it_imports(plan, tmp_path):
    data = libreoffice_file()
    out, _ = run_import(tmp_path, data, name="updates.ods")
    assert "updates: new 3, changed 0" in out, out
    found = {
        update.summary_zh_hant: (update.date, update.percent)
        for update in ProgressUpdate.objects.all()
    }
    assert found == {
        "甲": (date(2025, 3, 31), Decimal("55.5")),  # the percentage cell, scaled
        "乙": (date(2025, 3, 31), Decimal(55)),  # the text date, the formula's value
        "'丙 =1+1": (date(2025, 4, 30), Decimal(40)),  # the apostrophe is the text's own
    }
    # Again: nothing changes (the same rules as the CSV's).
    again, _ = run_import(tmp_path, data, name="updates.ods")
    assert "new 0, changed 0, unchanged 3" in again


FILES = Path(__file__).resolve().parent / "files"
# What tests/files/updates-libreoffice.fods holds, as the importer must read it from the
# .ods and the .xlsx LibreOffice saved: a date cell and a 55 % cell; a text ROC date and a
# formula (=50+5, its cached value 55); a date cell and a plain number.
SAVED_BY_LIBREOFFICE = {
    "LibreOffice 甲": (date(2025, 3, 31), Decimal(55)),
    "LibreOffice 乙": (date(2025, 3, 31), Decimal(55)),
    "LibreOffice 丙": (date(2025, 4, 30), Decimal(40)),
}


def test_the_committed_files_were_saved_by_libreoffice_with_a_formula_and_a_percentage():
    with zipfile.ZipFile(FILES / "updates-libreoffice.ods") as ods_file:
        assert b"<meta:generator>LibreOffice/" in ods_file.read("meta.xml")
        content = ods_file.read("content.xml").decode()
        assert 'table:formula="of:=50+5"' in content and 'office:value="55"' in content
        assert 'office:value-type="percentage" office:value="0.55"' in content
    with zipfile.ZipFile(FILES / "updates-libreoffice.xlsx") as xlsx:
        assert b"<Application>LibreOffice/" in xlsx.read("docProps/app.xml")
        sheet = xlsx.read("xl/worksheets/sheet1.xml").decode()
        assert '<f aca="false">50+5</f><v>55</v>' in sheet
        assert 'formatCode="0%"' in xlsx.read("xl/styles.xml").decode()


@pytest.mark.parametrize("name", ["updates-libreoffice.ods", "updates-libreoffice.xlsx"])
def test_files_saved_by_libreoffice_import(plan, tmp_path, name):
    data = (FILES / name).read_bytes()
    out, _ = run_import(tmp_path, data, name=name)
    assert "updates: new 3, changed 0" in out, out
    found = {u.summary_zh_hant: (u.date, u.percent) for u in ProgressUpdate.objects.all()}
    # 55 % → 55, the date cells, the ROC text date, the formula's cached value.
    assert found == SAVED_BY_LIBREOFFICE
    again, _ = run_import(tmp_path, data, name=name)
    assert "new 0, changed 0, unchanged 3" in again


@pytest.mark.parametrize("name", ["updates-libreoffice.ods", "updates-libreoffice.xlsx"])
def test_files_saved_by_libreoffice_import_through_the_admin_upload(client, plan, name):
    """The staff's way in: the upload previews the file, the confirmation applies it."""
    client.force_login(staff("reviewer", REVIEWER))
    upload = SimpleUploadedFile(name, (FILES / name).read_bytes())
    html = client.post("/admin/progress/import/", {"file": upload}).content.decode()
    assert 'name="token"' in html, html[-2000:]
    token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post("/admin/progress/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    found = {u.summary_zh_hant: (u.date, u.percent) for u in ProgressUpdate.objects.all()}
    assert found == SAVED_BY_LIBREOFFICE


def test_a_file_is_recognised_by_its_content_not_its_name(plan, tmp_path):
    out, _ = run_import(tmp_path, libreoffice_file(), name="updates.csv")
    assert "new 3" in out


def xlsx_file(percent_format="0%", percent=0.55):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "進度"
    sheet.append(HEADER)
    values = {
        "plan": SLUG,
        "ref": STRATEGY,
        "date": datetime(2025, 3, 31),
        "status": "in_progress",
        "percent": percent,
        "summary_zh_hant": "Excel 甲",
        "source": "https://example.org/xlsx",
    }
    sheet.append([values.get(name) for name in HEADER])
    sheet.cell(row=2, column=HEADER.index("date") + 1).number_format = "yyyy/mm/dd"
    sheet.cell(row=2, column=HEADER.index("percent") + 1).number_format = percent_format
    values.update(ref=ACTION, date="114/03/31", percent=40, summary_zh_hant="Excel 乙")
    sheet.append([values.get(name) for name in HEADER])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_made_by_openpyxl_imports(plan, tmp_path):
    out, _ = run_import(tmp_path, xlsx_file(), name="updates.xlsx")
    assert "updates: new 2" in out, out
    found = {u.summary_zh_hant: (u.date, u.percent) for u in ProgressUpdate.objects.all()}
    assert found == {
        "Excel 甲": (date(2025, 3, 31), Decimal(55)),
        "Excel 乙": (date(2025, 3, 31), Decimal(40)),
    }


def test_a_bare_number_below_one_in_the_percent_column_is_refused(plan, tmp_path):
    bare = ods(
        row(*(cell(name) for name in HEADER))
        + update_row(STRATEGY, cell("2025-03-31", "date"), cell("0.55", "float"), "甲")
    )
    for data, name in ((bare, "u.ods"), (xlsx_file(percent_format="General"), "u.xlsx")):
        summary, err = failing(tmp_path, data, name)
        assert "Row 2, column “percent”: 0.55 is not a percentage: type 55 or 55 %" in err, err
        assert "第 2 列「percent」欄" in err
    assert not ProgressUpdate.objects.exists()


def test_errors_name_the_row_and_the_column_header(plan, tmp_path):
    data = ods(
        row(*(cell(name) for name in HEADER))
        + update_row(STRATEGY, cell("2025-03-31", "date"), cell("40", "float"), "甲")
        + update_row("no-such-item", cell("2025-02-30"), cell("40", "float"), "乙")
    )
    _summary, err = failing(tmp_path, data, "u.ods")
    assert "Row 3, column “ref”: the plan has no item “no-such-item”" in err, err
    assert "Row 3, column “date”: the date “2025-02-30” does not exist" in err, err


# Export, and the round trip ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_changes_nothing(progress, tmp_path, kind):
    data = export(kind, tmp_path)
    assert data[:4] == b"PK\x03\x04" and zipfile.ZipFile(io.BytesIO(data)).read("mimetype") == (
        MEDIA_TYPE.encode()
    )
    before = snapshot()
    out, _ = run_import(tmp_path, data, name=f"{kind}.ods")
    assert "new 0, changed 0" in out, out
    assert snapshot() == before
    assert export(kind, tmp_path) == data  # and byte for byte the same file again


@pytest.mark.parametrize("kind", KINDS)
def test_the_ods_and_the_csv_of_the_same_data_read_the_same(progress, tmp_path, kind):
    ods_data, csv_data = export(kind, tmp_path), export(kind, tmp_path, "csv")
    # The independent reader sees the CSV's cells, typed.
    seen = [[as_text(value) for value in values] for values in calamine_rows(ods_data)]
    assert seen == csv_rows(csv_data)
    # The importer reads both alike.
    as_ods = import_csv(ods_data, dry_run=True)
    as_csv = import_csv(csv_data, dry_run=True)
    assert not as_ods.problems and as_ods.kind == kind and as_ods.source == "ODS"
    assert [(c.row, c.action, c.what) for c in as_ods.changes] == [
        (c.row, c.action, c.what) for c in as_csv.changes
    ]


def test_cells_are_typed_and_the_sheet_is_described(progress, tmp_path):
    data = export("updates", tmp_path)
    values = calamine_rows(data)
    header = values[0]
    first = dict(zip(header, values[1], strict=True))
    assert isinstance(first["date"], date) and isinstance(first["percent"], float)
    assert isinstance(first["summary_zh_hant"], str)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist()[0] == "mimetype"
    assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["updates"]
    meta = archive.read("meta.xml").decode()
    assert "：進度更新</dc:title>" in meta  # the plan's title: the file's
    assert "<dc:language>zh-Hant-TW</dc:language>" in meta
    assert "高雄市政府" in meta and "https://data.gov.tw/license" in meta
    assert "odfdo" not in meta  # no generator version: the same bytes on every server
    settings = archive.read("settings.xml").decode()
    assert 'config:name="VerticalSplitMode" config:type="short">2<' in settings
    content = archive.read("content.xml").decode()
    for name in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
        SafeTree.fromstring(archive.read(name))  # well-formed XML, every part
    assert 'office:value-type="date"' in content and 'office:value-type="float"' in content
    # A column of Chinese summaries is wider than the plan's slug column.
    assert 'style:column-width="' in content


def test_export_to_standard_output(progress, tmp_path, capfdbinary):
    class Out(io.StringIO):
        buffer = io.BytesIO()

        def isatty(self):
            return False

    out = Out()
    call_command("export_progress", SLUG, kind="updates", format="ods", stdout=out)
    assert out.buffer.getvalue() == export("updates", tmp_path)


def test_texts_are_kept_exactly():
    texts = [
        "  lead",
        "tab\there",
        "two  spaces",
        "trail ",
        "line\r\nbreak\nagain",
        "<&>\"'",
        "=1+2",
    ]
    data = write_ods([["text"], *([text] for text in texts)], sheet="s", title="t", language="en")
    assert [values[0] for values in calamine_rows(data)[1:]] == texts


def test_the_same_rows_make_the_same_bytes():
    rows = [["plan", "date", "percent", "text"], ["x", date(2025, 3, 31), Decimal("1.5"), "甲"]]
    first = write_ods(rows, sheet="s", title="t", language="zh-Hant-TW", modified=None)
    time.sleep(1.1)  # a zip member dated by the clock would differ now
    assert write_ods(rows, sheet="s", title="t", language="zh-Hant-TW", modified=None) == first


# Hostile files --------------------------------------------------------------------------------


def refused(data, name="file.ods"):
    result = import_csv(data, dry_run=True, name=name)
    assert result.problems and not result.changes
    return str(result.problems[0])


def test_a_repeated_rows_bomb_is_refused_before_calamine_reads_it(db, monkeypatch):
    bomb = ods(row(cell("plan")) + row(cell(SLUG), repeat=1_000_000), styles=False)
    assert len(bomb) < 1000  # a few hundred bytes (the test's namespaces are most of it)

    def never(*args, **kwargs):
        raise AssertionError("calamine read the bomb")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    started = time.perf_counter()
    message = refused(bomb)
    elapsed = time.perf_counter() - started
    assert "declares 1000001 rows, more than 10000" in message
    assert elapsed < 0.5, elapsed


def test_more_than_sixty_columns_are_refused(db):
    wide = ods(row(cell("plan"), cell("x", repeat=60)))
    assert "declares 61 columns, more than 60" in refused(wide)
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["plan", *(f"c{n}" for n in range(70))])
    out = io.BytesIO()
    book.save(out)
    assert "declares 71 columns, more than 60" in refused(out.getvalue(), "x.xlsx")


def test_more_than_ten_thousand_xlsx_rows_are_refused(db):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["plan"])
    sheet.cell(row=10_001, column=1, value="x")
    out = io.BytesIO()
    book.save(out)
    assert "declares 10001 rows, more than 10000" in refused(out.getvalue(), "x.xlsx")


def test_a_file_unpacking_to_more_than_fifty_megabytes_is_refused(db):
    big = ods(row(cell("plan")), extra=[("Thumbnails/big.bin", b"\0" * (51 * 1024 * 1024))])
    assert len(big) < 200_000
    started = time.perf_counter()
    assert "unpacks to 51 MB, more than 50 MB" in refused(big)
    assert time.perf_counter() - started < 0.5


def test_xml_entities_and_encrypted_files_are_refused(db):
    doctype = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    assert "DTD or entities" in refused(ods(row(cell("&b;")), doctype=doctype))
    manifest = (
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1" manifest:checksum="x"/>'
        "</manifest:file-entry>"
    )
    assert "encrypted" in refused(ods(row(cell("plan")), manifest=manifest))
    # A password-protected .xlsx is an OLE container, not a zip.
    ole = workbook.OLE_MAGIC + bytes(512)
    assert "password-protected" in refused(ole, "protected.xlsx")


def test_files_that_are_no_spreadsheet_are_refused(db, tmp_path):
    renamed = (UPDATE_HEADER + "\r\n").encode("utf-8-sig")
    assert "is named “updates.ods” but is no ODS or XLSX spreadsheet" in refused(
        renamed, "updates.ods"
    )
    noise = random.Random(23).randbytes(4096)
    assert "no ODS or XLSX spreadsheet" in refused(noise, "noise.xlsx")
    assert "unreadable encoding" in refused(noise, "noise.csv")
    other_zip = ods(row(cell("plan")), mimetype="application/vnd.oasis.opendocument.text")
    assert "a zip file that is no ODS or XLSX spreadsheet" in refused(other_zip)
    summary, err = failing(tmp_path, renamed, "updates.ods")
    assert "nothing was written" in summary and "updates.ods" in err


# The admin upload ----------------------------------------------------------------------------


def test_the_admin_upload_previews_and_applies_an_ods(client, plan):
    client.force_login(staff("reviewer", REVIEWER))
    upload = SimpleUploadedFile("進度.ods", libreoffice_file(), content_type=MEDIA_TYPE)
    response = client.post("/admin/progress/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and 'name="token"' in html, html[-2000:]
    token = html.split('name="token" value="')[1].split('"')[0]
    response = client.post("/admin/progress/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert ProgressUpdate.objects.count() == 3


def test_the_admin_upload_refuses_a_bomb_with_its_message(client, plan):
    client.force_login(staff("reviewer", REVIEWER))
    bomb = ods(row(cell("plan"), cell("x")) + row(cell("x"), repeat=1_000_000))
    upload = SimpleUploadedFile("bomb.ods", bomb, content_type=MEDIA_TYPE)
    html = client.post("/admin/progress/import/", {"file": upload}).content.decode()
    assert "more than 10000" in html and 'name="token"' not in html


# Downloads -----------------------------------------------------------------------------------


def ods_urls(client):
    """Every ODS download the open data page links (with a period report's)."""
    import re

    html = client.get("/open-data/").content.decode()
    return sorted(set(re.findall(r'href="(/data/[^"#]+\.ods)"', html)))


def test_every_csv_download_has_its_ods_twin(client, progress):
    urls = ods_urls(client)
    assert f"/data/{SLUG}.ods" in urls
    for kind in KINDS:
        assert f"/data/{SLUG}/{kind}.ods" in urls
    for url in urls:
        response = client.get(url, headers={"Origin": ORIGIN})
        assert response.status_code == 200, url
        assert response["Content-Type"] == MEDIA_TYPE
        assert response["Access-Control-Allow-Origin"] == "*"
        assert ".ods" in response["Content-Disposition"]
        assert response["Content-Disposition"].startswith("attachment")
        etag = response["ETag"]
        assert etag.startswith('"')
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        # What the independent reader sees is the CSV twin, cell by cell.
        twin = client.get(url.removesuffix(".ods") + ".csv")
        seen = [[as_text(v) for v in values] for values in calamine_rows(response.content)]
        assert seen == csv_rows(twin.content), url


def test_the_period_reports_ods_is_the_csvs_twin(client, plan):
    ods_response = client.get(f"/data/{SLUG}/periods/115q3.ods")
    csv_response = client.get(f"/data/{SLUG}/periods/115q3.csv")
    assert ods_response.status_code == 200
    assert f'filename="{SLUG}-115q3.ods"' in ods_response["Content-Disposition"]
    seen = [[as_text(v) for v in values] for values in calamine_rows(ods_response.content)]
    assert seen == csv_rows(csv_response.content)
    assert client.get(f"/data/{SLUG}/periods/115q9.ods").status_code == 404


def test_the_download_is_the_same_bytes_on_every_server(client, progress, tmp_path):
    url = f"/data/{SLUG}/updates.ods"
    first = client.get(url)
    cache.clear()
    clear_process_caches()
    time.sleep(1.1)
    second = client.get(url)
    assert first.content == second.content and first["ETag"] == second["ETag"]
    assert first.content == export("updates", tmp_path)  # the command's file is the same


def test_an_ods_download_costs_what_its_csv_twin_costs(client, progress):
    for path in (
        f"/data/{SLUG}",
        *(f"/data/{SLUG}/{kind}" for kind in KINDS),
        f"/data/{SLUG}/periods/115q3",
    ):
        assert cold_count(client, path + ".ods") == cold_count(client, path + ".csv"), path


def test_the_catalog_lists_every_ods_download(client, progress):
    import json

    catalog = json.loads(client.get("/data/catalog.json").content)
    listed = {
        d["dcat:downloadURL"]["@id"].removeprefix("http://testserver"): d
        for dataset in catalog["dcat:dataset"]
        for d in dataset["dcat:distribution"]
    }
    for url in ods_urls(client):
        distribution = listed[url]
        assert distribution["dct:format"] == "ODS"
        assert distribution["dcat:mediaType"]["@id"].endswith("/" + MEDIA_TYPE)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_open_data_page_links_the_ods_files(client, plan, prefix):
    html = client.get(f"{prefix}/open-data/").content.decode()
    assert f'href="/data/{SLUG}.ods" type="{MEDIA_TYPE}" download' in html
    for kind in KINDS:
        assert f'href="/data/{SLUG}/{kind}.ods"' in html
