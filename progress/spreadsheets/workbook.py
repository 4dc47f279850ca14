"""Reading an ODS or XLSX file as the CSV's rows (the importer's `import_file`).

The type comes from the content, never the name: a zip whose `mimetype` member says
application/vnd.oasis.opendocument.spreadsheet is ODS; a zip with `[Content_Types].xml` and
`xl/workbook.xml` is XLSX. Anything else that is a zip, or an OLE container (an encrypted
.xlsx or an old .xls), is refused; a file named .ods/.xlsx/.xls whose content is neither is
refused too (a renamed CSV), rather than read as something its name does not say.

Hostile files are refused BEFORE a library reads them (python-calamine spent 7.7 s and 2.5 GB
on a few hundred bytes of ODS declaring a million repeated rows): `inspect()` checks the zip
(members' declared sizes at most MAX_UNPACKED in all, no encrypted member, every member's
size true: it is decompressed as a stream and its CRC checked, nothing written to disk), and
walks the sheets' XML with defusedxml (no DTD, no entities) counting the rows and columns
the file declares, repeats included (ODS table:number-rows-repeated and
number-columns-repeated; XLSX <dimension> and the row and cell references), up to the last
one holding anything: trailing empty rows and columns, which LibreOffice writes a million of,
cost nothing and are not counted.

Values: python-calamine (Rust; reads ODS and XLSX, formulas' cached values, never
evaluates). A "55 %" cell and a plain 0.55 are the same float to calamine, so the cell's
type is read from the file itself: ODS office:value-type="percentage" (collected in the same
walk), XLSX the cell's number format through openpyxl (read-only). Cells become the texts
the CSV rules read: a date cell its ISO date, a number its digits (15 significant, as the
spreadsheet shows it), a percentage cell its value times 100, a text cell as it is (a text
starting with an apostrophe keeps it: the CSV's neutralising apostrophe is a CSV rule).
"""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree as SafeTree
from django.utils.translation import gettext_lazy as _

from ..numbers import format_number

ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 10_000
MAX_COLUMNS = 60
MAX_UNPACKED = 50 * 1024 * 1024
MAX_MEMBERS = 1_000
# An ODS text's <text:s text:c="…"/> is that many spaces: a cell of a billion of them.
MAX_SPACES = 100_000
SPREADSHEET_NAMES = (".ods", ".xlsx", ".xls", ".xlsm", ".fods")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
SHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class Refused(Exception):
    """The file is not read: a gettext message and its parameters (shown in both languages
    as a problem of the whole file)."""

    def __init__(self, message, **params):
        super().__init__(str(message))
        self.message = message
        self.params = params


@dataclass
class Sheet:
    """The first sheet as the CSV's rows (lists of texts), and the cells the CSV rules cannot
    judge: (row number, column index) → (message, params)."""

    rows: list
    refused: dict = field(default_factory=dict)


def kind_of(data, name=""):
    """ "ods", "xlsx" or "csv" from the content; Refused for a zip or OLE file that is no
    spreadsheet this reads, and for a file named as a spreadsheet that is not one."""
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                if archive.read("mimetype").strip() == ODS_TYPE.encode():
                    return "ods"
            elif "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return "xlsx"
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as error:
            raise Refused(_("not a readable zip file (%(error)s)"), error=str(error)) from error
        raise Refused(
            _("a zip file that is no ODS or XLSX spreadsheet: save it as .ods, .xlsx or .csv")
        )
    if data[:8] == OLE_MAGIC:
        raise Refused(
            _(
                "a password-protected file or an old Excel (.xls) file: save it without a "
                "password as .ods, .xlsx or .csv"
            )
        )
    if name.lower().endswith(SPREADSHEET_NAMES):
        raise Refused(
            _(
                "the file is named “%(name)s” but is no ODS or XLSX spreadsheet: save it "
                "from the spreadsheet program again"
            ),
            name=name.rsplit("/", 1)[-1][:80],
        )
    return "csv"


def inspect(data, kind):
    """Refuse a hostile zip before any library reads it; for ODS, also return the first
    sheet's percentage cells {(row index, column index): office:value} (0-based)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refused(_("the file holds too many parts (%(count)s)"), count=len(infos))
    if any(info.flag_bits & 0x1 for info in infos):
        raise Refused(_("the file is encrypted: save it without a password"))
    declared = sum(info.file_size for info in infos)
    if declared > MAX_UNPACKED:
        raise Refused(
            _("the file unpacks to %(size)s MB, more than %(limit)s MB"),
            size=declared // (1024 * 1024),
            limit=MAX_UNPACKED // (1024 * 1024),
        )
    try:
        for info in infos:
            _check_member(archive, info)
        if kind == "ods":
            if "META-INF/manifest.xml" in archive.namelist():
                with archive.open("META-INF/manifest.xml") as stream:
                    for _event, element in SafeTree.iterparse(stream):
                        if element.tag == f"{{{MANIFEST}}}encryption-data":
                            raise Refused(_("the file is encrypted: save it without a password"))
            with archive.open("content.xml") as stream:
                return _walk_ods(stream)
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as stream:
                    _walk_xlsx(stream)
        return {}
    except KeyError as error:
        raise Refused(_("a part of the spreadsheet is missing (%(error)s)"), error=error) from error
    except (zipfile.BadZipFile, SafeTree.ParseError, OSError, ValueError) as error:
        raise Refused(
            _("not a readable spreadsheet (%(error)s)"), error=str(error)[:200]
        ) from error
    except Exception as error:
        # defusedxml's refusals (DTDForbidden, EntitiesForbidden, …) are DefusedXmlException.
        if type(error).__module__.startswith("defusedxml"):
            raise Refused(
                _("the file's XML declares a DTD or entities, which spreadsheets never do")
            ) from error
        raise


def _check_member(archive, info):
    """Decompress a member as a stream: its size must be what it declares (zipfile stops at
    the declared size and checks the CRC), an XML part must have no DTD."""
    with archive.open(info) as stream:
        head = stream.read(4096)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise Refused(
                _("the file's XML declares a DTD or entities, which spreadsheets never do")
            )
        while stream.read(1 << 20):
            pass


def _too_large(rows, columns):
    if rows > MAX_ROWS:
        raise Refused(
            _("the sheet declares %(count)s rows, more than %(limit)s"),
            count=rows,
            limit=MAX_ROWS,
        )
    if columns > MAX_COLUMNS:
        raise Refused(
            _("the sheet declares %(count)s columns, more than %(limit)s"),
            count=columns,
            limit=MAX_COLUMNS,
        )


def _repeat(element, name):
    raw = element.get(f"{{{TABLE}}}{name}") or "1"
    try:
        return max(int(raw), 1)
    except ValueError:
        raise Refused(_("not a readable spreadsheet (%(error)s)"), error=raw[:40]) from None


def _walk_ods(stream):
    """Every table's declared rows and columns (up to the last holding anything), and the
    first table's percentage cells."""
    percentages = {}
    table = -1  # the index of the table being read
    depth = 0  # tables inside cells (sub-tables) belong to their table
    row = column = 0  # the next row's index; the next cell's column
    last_row = 0  # rows up to the last holding anything
    spaces = 0
    row_tag, cell_tags = (
        f"{{{TABLE}}}table-row",
        {
            f"{{{TABLE}}}table-cell",
            f"{{{TABLE}}}covered-table-cell",
        },
    )
    row_content = False
    row_last_column = 0
    for event, element in SafeTree.iterparse(stream, events=("start", "end")):
        tag = element.tag
        if tag == f"{{{TABLE}}}table":
            if event == "start":
                depth += 1
                if depth == 1:
                    table += 1
                    row = last_row = 0
            else:
                depth -= 1
            continue
        if depth != 1:
            if event == "end" and tag == f"{{{TEXT}}}s":
                spaces += int(element.get(f"{{{TEXT}}}c") or 1)
                if spaces > MAX_SPACES:
                    raise Refused(_("the file's texts hold too many repeated spaces"))
            continue
        if event == "start":
            if tag == row_tag:
                column = 0
                row_content = False
                row_last_column = 0
            continue
        if tag == f"{{{TEXT}}}s":
            spaces += int(element.get(f"{{{TEXT}}}c") or 1)
            if spaces > MAX_SPACES:
                raise Refused(_("the file's texts hold too many repeated spaces"))
        elif tag in cell_tags:
            repeat = _repeat(element, "number-columns-repeated")
            kind = element.get(f"{{{OFFICE}}}value-type")
            if kind is not None or len(element):
                row_content = True
                row_last_column = column + repeat
                _too_large(row + 1, row_last_column)
                if kind == "percentage" and table == 0:
                    for offset in range(repeat):
                        percentages[(row, column + offset)] = element.get(f"{{{OFFICE}}}value")
            column += repeat
            element.clear()
        elif tag == row_tag:
            repeat = _repeat(element, "number-rows-repeated")
            if row_content:
                last_row = row + repeat
                _too_large(last_row, row_last_column)
            row += repeat
            element.clear()
    return percentages


def _cell_position(reference):
    """ "AB12" → (12, 28)."""
    letters = reference.rstrip("0123456789")
    number = int(reference[len(letters) :] or 0)
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return number, column


def _walk_xlsx(stream):
    """A worksheet's declared size (<dimension>) and its last row and column holding a
    value (rows are numbered on their start tag, before their cells)."""
    row = column = 0
    for event, element in SafeTree.iterparse(stream, events=("start", "end")):
        tag = element.tag
        if tag == f"{{{SHEET}}}row":
            if event == "start":
                row = int(element.get("r") or row + 1)
                column = 0
            else:
                element.clear()
        elif event == "start":
            continue
        elif tag == f"{{{SHEET}}}dimension":
            last = (element.get("ref") or "A1").split(":")[-1]
            _too_large(*_cell_position(last))
        elif tag == f"{{{SHEET}}}c":
            reference = element.get("r")
            if reference:
                _ignored, column = _cell_position(reference)
            else:
                column += 1
            if len(element):
                _too_large(row, column)
            element.clear()


def read_sheet(data, kind, percent_header="percent"):
    """The first sheet as the CSV's rows of texts (after `inspect`), header in row 1."""
    import python_calamine  # imported here: only an ODS or XLSX upload needs it

    percentages = inspect(data, kind)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise Refused(_("the file has no sheet"))
        cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except python_calamine.PasswordError as error:
        raise Refused(_("the file is encrypted: save it without a password")) from error
    except python_calamine.CalamineError as error:
        raise Refused(
            _("not a readable spreadsheet (%(error)s)"), error=str(error)[:200]
        ) from error
    header = [_text(value) for value in cells[0]] if cells else []
    percent = header.index(percent_header) if percent_header in header else None
    if kind == "xlsx" and percent is not None:
        percentages = _xlsx_percentages(data, percent, len(cells))
    sheet = Sheet(rows=[])
    for index, values in enumerate(cells):
        texts = []
        for column, value in enumerate(values):
            if index and column == percent:
                texts.append(_percent(sheet, index, column, value, percentages))
            else:
                texts.append(_text(value))
        sheet.rows.append(texts)
    return sheet


def _xlsx_percentages(data, column, rows):
    """The percent column's cells formatted as percentages {(row index, column): None}."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        found = {}
        for index, (cell,) in enumerate(
            sheet.iter_rows(min_row=1, max_row=rows, min_col=column + 1, max_col=column + 1)
        ):
            if "%" in (getattr(cell, "number_format", "") or ""):
                found[(index, column)] = None
        return found
    finally:
        workbook.close()


def _percent(sheet, index, column, value, percentages):
    """A percent cell's text: a percentage cell times 100; a bare number below 1 refused
    (0.55 is 55 % formatted as a percentage, or a mistyped 0.55 %: not guessed)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _text(value)
    if (index, column) in percentages:
        raw = percentages[(index, column)]
        try:
            number = Decimal(raw) if raw else _decimal(value)
        except InvalidOperation:
            number = _decimal(value)
        return format_number(number * 100)
    if 0 < value < 1:
        sheet.refused[(index + 1, column)] = (
            _("%(value)s is not a percentage: type 55 or 55 %% for 55 percent"),
            {"value": _text(value)},
        )
        return ""
    return _text(value)


def _decimal(value):
    """A float as the spreadsheet shows it (15 significant digits: 0.1+0.2 is 0.3)."""
    return Decimal(f"{value:.15g}")


def _text(value):
    """A typed cell as the text the CSV rules read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return format_number(_decimal(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta | time):
        return str(value)
    text = str(value).strip()
    # The CSV reader removes one leading apostrophe (its neutralising mark); a spreadsheet's
    # text keeps its own, so it is given one more for that reader to remove.
    return "'" + text if text.startswith("'") else text
