"""Writing rows (header first) as an ODS spreadsheet (ODF, CNS 15251 = ISO/IEC 26300): the
twin of every CSV file (`export_progress --format ods`, /data/…/<name>.ods).

The document, its sheet, columns and styles are odfdo's; the rows' cells are written here
as XML text (odfdo's cell objects cost 77 s for 10,000 rows; this, 0.8 s), typed as the rows
type them: Decimal, int and float as numbers, date as dates (shown YYYY-MM-DD), text as text
(exactly: spaces, tabs and line breaks kept; never neutralised: an ODS text cell is never
run as a formula; the CSV's apostrophe is a CSV rule). A string in a `date` column that is an ISO date (a period report's stored lines keep
dates as JSON text) is a date. The header row is bold and frozen, each column as wide as
its longest text (a Chinese character counted twice as wide as a Latin one), the sheet
named. The bytes depend on the rows and the metadata alone: meta.xml, settings.xml and the
manifest are written here without clocks, generator versions or random ids, and the zip's
members carry a fixed date, so every app server serves the same file (and ETag).
"""

import io
import re
import unicodedata
import zipfile
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from odfdo import Column, Document, Element, Row, Table

from plan.bundle import translated
from plan.exchange import texts

from ..numbers import format_number
from .contract import OPEN_DATA_LICENCE

MEDIA_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ROWS_MARK = "ods-rows-go-here"  # an empty row's style name: where the rows' XML goes
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_COLUMNS = {"date"}
# Column widths: centimetres per narrow and per wide (CJK) character, and the limits.
NARROW_CM, WIDE_CM, PADDING_CM, MIN_CM, MAX_CM = 0.21, 0.42, 0.3, 1.5, 12.0

STYLES = (
    '<number:date-style style:name="N_ISO"><number:year number:style="long"/>'
    '<number:text>-</number:text><number:month number:style="long"/>'
    '<number:text>-</number:text><number:day number:style="long"/></number:date-style>',
    '<style:style style:name="ce_date" style:family="table-cell" '
    'style:parent-style-name="Default" style:data-style-name="N_ISO"/>',
    '<style:style style:name="ce_head" style:family="table-cell" '
    'style:parent-style-name="Default"><style:text-properties fo:font-weight="bold" '
    'style:font-weight-asian="bold" style:font-weight-complex="bold"/></style:style>',
)
NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
)


def write_ods(rows, *, sheet, title, language, publisher="", licence="", modified=None):
    """The ODS file's bytes: `rows` (header first) in one sheet named `sheet`; document
    metadata `title`, `language` (a language tag), `publisher`, `licence` (its name and
    address) and `modified` (the data's version date, or None: no date at all).

    The document, its styles and columns are odfdo's; the rows are written here as XML text
    and put in its place in content.xml (odfdo builds a cell in about 0.1 ms and lxml takes
    as long again to move it into the document: 10,000 rows of 11 cells took 77 s so)."""
    rows = [list(row) for row in rows]
    header = [str(name) for name in rows[0]] if rows else []
    dated = {index for index, name in enumerate(header) if name in DATE_COLUMNS}
    document = Document("spreadsheet")
    for style in STYLES:
        document.insert_style(Element.from_tag(style), automatic=True)
    name = _sheet_name(sheet)
    table = Table(name)
    for index, width in enumerate(_widths(rows)):
        style = f"co{index + 1}"
        document.insert_style(
            Element.from_tag(
                f'<style:style style:name="{style}" style:family="table-column">'
                f'<style:table-column-properties style:column-width="{width:.2f}cm"/>'
                "</style:style>"
            ),
            automatic=True,
        )
        table.append(Column(style=style))
    table.append(Row(style=ROWS_MARK))
    body = document.body
    body.clear()
    body.append(table)
    lines = "".join(
        "<table:table-row>"
        + "".join(_cell(value, number == 0, index in dated) for index, value in enumerate(values))
        + "</table:table-row>"
        for number, values in enumerate(rows)
    )
    return _package(document, name, lines, title, language, publisher, licence, modified)


def _sheet_name(name):
    # A sheet name may not hold []*?:/\ and has at most 31 characters (Excel's rule).
    return re.sub(r"[\[\]*?:/\\]", "-", name)[:31] or "Sheet1"


# Characters XML 1.0 cannot hold (a text typed before the importer refused them).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Spaces ODF would collapse: at the start or end of a paragraph, or more than one.
SPACES = re.compile(r"^ +| +$| {2,}")


def _spaces(match):
    run = match.group(0)
    if match.start() == 0 or match.end() == len(match.string):
        return f'<text:s text:c="{len(run)}"/>'
    return f' <text:s text:c="{len(run) - 1}"/>'


def _paragraphs(text):
    """A text as ODF paragraphs: a line each, spaces and tabs kept."""
    return "".join(
        "<text:p>" + SPACES.sub(_spaces, escape(line)).replace("\t", "<text:tab/>") + "</text:p>"
        for line in re.split(r"\r\n|\r|\n", text)
    )


def _string(text, style=""):
    text = NOT_XML.sub("\ufffd", text)
    # The exact text as the cell's value too (line breaks and tabs as character references).
    value = quoteattr(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    return (
        f'<table:table-cell{style} office:value-type="string" calcext:value-type="string" '
        f"office:string-value={value}>{_paragraphs(text)}</table:table-cell>"
    )


def _cell(value, header, dated):
    """One cell's XML, typed as the value is."""
    if header:
        return _string(str(value), ' table:style-name="ce_head"')
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        return _string(str(value).lower())
    if isinstance(value, Decimal | int | float):
        number = format_number(value)
        return (
            f'<table:table-cell office:value-type="float" calcext:value-type="float" '
            f'office:value="{number}"><text:p>{number}</text:p></table:table-cell>'
        )
    if isinstance(value, datetime):
        value = value.date()
    if dated and isinstance(value, str) and ISO_DATE.match(value):
        value = date.fromisoformat(value)
    if isinstance(value, date):
        day = value.isoformat()
        return (
            f'<table:table-cell table:style-name="ce_date" office:value-type="date" '
            f'calcext:value-type="date" office:date-value="{day}"><text:p>{day}</text:p>'
            "</table:table-cell>"
        )
    return _string(str(value))


def _display(value):
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _widths(rows):
    """Each column's width in cm, from its longest text (a line of it)."""
    widths = []
    for row in rows:
        for index, value in enumerate(row):
            longest = max(
                (
                    sum(
                        WIDE_CM if unicodedata.east_asian_width(c) in "WF" else NARROW_CM
                        for c in line
                    )
                    for line in _display(value).splitlines() or [""]
                ),
                default=0,
            )
            if index >= len(widths):
                widths.append(0)
            widths[index] = max(widths[index], longest)
    return [min(max(width + PADDING_CM, MIN_CM), MAX_CM) for width in widths]


def _meta(title, language, publisher, licence, modified):
    lines = [
        f"<dc:title>{escape(title)}</dc:title>",
        f"<dc:language>{escape(language)}</dc:language>",
    ]
    if publisher:
        lines += [
            f"<meta:initial-creator>{escape(publisher)}</meta:initial-creator>",
            f"<dc:creator>{escape(publisher)}</dc:creator>",
            f'<meta:user-defined meta:name="Publisher">{escape(publisher)}</meta:user-defined>',
        ]
    if licence:
        lines.append(
            f'<meta:user-defined meta:name="License">{escape(licence)}</meta:user-defined>'
        )
    if modified is not None:
        stamp = f"{modified.isoformat()}T00:00:00"
        lines += [
            f"<meta:creation-date>{stamp}</meta:creation-date>",
            f"<dc:date>{stamp}</dc:date>",
        ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-meta {NAMESPACES} office:version="1.3"><office:meta>'
        + "".join(lines)
        + "</office:meta></office:document-meta>"
    )


def _settings(sheet):
    """The view: the header row frozen (the split below row 1) on the sheet."""

    def item(name, kind, value):
        return f'<config:config-item config:name="{name}" config:type="{kind}">{value}</config:config-item>'

    frozen = "".join(
        (
            item("HorizontalSplitMode", "short", 0),
            item("VerticalSplitMode", "short", 2),
            item("HorizontalSplitPosition", "int", 0),
            item("VerticalSplitPosition", "int", 1),
            item("ActiveSplitRange", "short", 2),
            item("PositionLeft", "int", 0),
            item("PositionRight", "int", 0),
            item("PositionTop", "int", 0),
            item("PositionBottom", "int", 1),
        )
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-settings {NAMESPACES} office:version="1.3"><office:settings>'
        '<config:config-item-set config:name="ooo:view-settings">'
        '<config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>'
        + item("ViewId", "string", "view1")
        + '<config:config-item-map-named config:name="Tables">'
        f"<config:config-item-map-entry config:name={quoteattr(sheet)}>{frozen}"
        "</config:config-item-map-entry></config:config-item-map-named>"
        + item("ActiveTable", "string", escape(sheet))
        + "</config:config-item-map-entry></config:config-item-map-indexed>"
        "</config:config-item-set></office:settings></office:document-settings>"
    )


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.3">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
    f'manifest:media-type="{MEDIA_TYPE}"/>'
    + "".join(
        f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="text/xml"/>'
        for name in ("content.xml", "styles.xml", "meta.xml", "settings.xml")
    )
    + "</manifest:manifest>"
)


def _package(document, sheet, rows, title, language, publisher, licence, modified):
    """The zip: odfdo's content (the `rows` XML in place of the mark) and styles, this
    module's meta, settings and manifest, members in a fixed order with a fixed date (the
    mimetype first, stored)."""
    saved = io.BytesIO()
    document.save(saved)
    with zipfile.ZipFile(saved) as source:
        content = source.read("content.xml")
        styles = source.read("styles.xml")
    mark = f'<table:table-row table:style-name="{ROWS_MARK}"/>'.encode()
    if content.count(mark) != 1:
        raise ValueError("the rows' place is not in odfdo's content.xml")
    content = content.replace(mark, rows.encode())
    members = [
        ("mimetype", MEDIA_TYPE.encode("ascii"), zipfile.ZIP_STORED),
        ("content.xml", content, zipfile.ZIP_DEFLATED),
        ("styles.xml", styles, zipfile.ZIP_DEFLATED),
        (
            "meta.xml",
            _meta(title, language, publisher, licence, modified).encode(),
            zipfile.ZIP_DEFLATED,
        ),
        ("settings.xml", _settings(sheet).encode(), zipfile.ZIP_DEFLATED),
        ("META-INF/manifest.xml", MANIFEST.encode(), zipfile.ZIP_DEFLATED),
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


# A plan's files ------------------------------------------------------------------------------

LANGUAGE = "zh-Hant-TW"  # the official text's; the files hold both languages' columns
TITLES = {
    "agencies": _("Agencies"),
    "responsibilities": _("Responsibilities"),
    "indicators": _("Performance indicators"),
    "updates": _("Progress updates"),
    "periods": _("Period reports"),
}


def plan_ods(plan, rows, kind=None, period_label=""):
    """A plan's file as ODS with its metadata: `kind` a key of TITLES (with "periods", the
    period's `period_label`), None for the plan itself (/data/<slug>.ods). The download and
    `export_progress --format ods` both write it here: the same bytes."""
    plan_title = translated(plan, "title", "zh-hant")
    with translation.override("zh-hant"):
        if kind is None:
            title, sheet = plan_title, plan.slug
        elif kind == "periods":
            title, sheet = f"{plan_title}：{TITLES[kind]}：{period_label}", period_label
        else:
            title, sheet = f"{plan_title}：{TITLES[kind]}", kind
    return write_ods(
        rows,
        sheet=sheet,
        title=title,
        language=LANGUAGE,
        publisher=texts(plan, "authority")["zh-hant"],
        licence=f"{OPEN_DATA_LICENCE['name']['zh-hant']} {OPEN_DATA_LICENCE['url']}",
        modified=plan.version_date,
    )
