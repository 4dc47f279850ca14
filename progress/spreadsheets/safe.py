"""The one CSV writer of the portal: every CSV file it writes (the progress files, the
plan's /data/<slug>.csv, the staff audit trail) goes through `writer()` or `write_csv()`.

Spreadsheet-safe (OWASP "CSV injection"): Excel and LibreOffice run a cell that starts with
`=`, `+`, `-` or `@` as a formula (tab and carriage return too, before one), so a TEXT cell
starting with one of those gets one leading apostrophe: the spreadsheet shows the text, and
runs nothing. A text that already starts with an apostrophe gets one as well, so that a
reader removing exactly one leading apostrophe from a text cell (the progress importer,
values.text) always gets the stored text back. Numbers and dates are typed values (int,
Decimal, float, date, datetime) and are never touched: a negative number stays `-5`.

Files are what Excel reads: UTF-8 with a byte order mark (Excel reads Chinese in a UTF-8
CSV only so), the csv module's excel dialect (commas, quoting where needed, CRLF).
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from ..numbers import format_number

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def cell(value):
    """One cell's text: typed values as written by the portal, text spreadsheet-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return format_number(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class writer:
    """csv.writer over `out` (any file-like object with write(), e.g. an HttpResponse),
    every cell through `cell()`. `bom`: start with the byte order mark."""

    def __init__(self, out, *, bom=True):
        if bom:
            out.write(BOM)
        self._writer = csv.writer(out)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def write_csv(rows):
    """The text of a whole file (BOM, excel dialect, CRLF), every cell through `cell()`."""
    out = io.StringIO()
    writer(out).writerows(rows)
    return out.getvalue()
