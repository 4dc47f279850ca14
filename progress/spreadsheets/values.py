"""Reading one cell of a progress CSV file: dates (ISO, ROC, as Excel re-saves them),
numbers and percentages (progress.numbers, the one number grammar, within the limits of the
database field each column lands in), ROC years, and text (trimmed, with the one protective
apostrophe the export puts before a formula-like text removed: see safe.py).
"""

import calendar
import re
from datetime import date

from plan.models import ROC_OFFSET

from ..models import Indicator, ProgressUpdate
from ..numbers import FULL_WIDTH, field_limits, parse_number
from .contract import YEARLY_NUMBER

# Characters no spreadsheet cell holds (PostgreSQL refuses NUL): tab and line breaks pass.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Progress is reported in these years; anything else is a mistyped year.
EARLIEST_YEAR, LATEST_YEAR = 1990, 2200
DATE_PARTS = re.compile(r"^(\d{1,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$", re.ASCII)


def text(raw):
    """A text cell as stored: trimmed, and without one leading apostrophe (the export puts
    one before a text that a spreadsheet would take for a formula, and before a text that
    starts with an apostrophe itself, so that this removes exactly what it added)."""
    value = (raw or "").strip()
    return value[1:] if value.startswith("'") else value


class UnlikelyYear(ValueError):
    """A date in a readable format whose year is outside EARLIEST_YEAR–LATEST_YEAR."""


class NoSuchDate(ValueError):
    """A date in a readable format that the calendar does not have (114/02/30, 2025-13-01):
    a typing slip the importer names as such, not as an unreadable format."""

    def __init__(self, value, month, days=None):
        super().__init__(value)
        self.month = month
        self.days = days  # how many days the month has; None when the month does not exist


def parse_date(raw):
    """2025-03-31, ROC 114/03/31, Excel's 2025/3/31 (a time after it is dropped); ValueError
    for anything else: NoSuchDate for a day or month the calendar does not have, UnlikelyYear
    for a year outside EARLIEST_YEAR–LATEST_YEAR. Full-width digits (as Chinese input methods
    type them) are read as ASCII; other scripts' digits are not."""
    value = (raw or "").translate(FULL_WIDTH).strip().split(" ")[0].split("T")[0]
    match = DATE_PARTS.match(value)
    if not match:
        raise ValueError(value)
    year, month, day = (int(part) for part in match.groups())
    if year < 1000:  # ROC year
        year += ROC_OFFSET
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        # "25/3/31" read as ROC 25 (1936) is a mistyped year, not a report from then.
        raise UnlikelyYear(value)
    if not 1 <= month <= 12:
        raise NoSuchDate(value, month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise NoSuchDate(value, month, days)
    return date(year, month, day)


def column_limits(column):
    """(digits before the point, decimals) of the field a number column lands in: percent in
    ProgressUpdate.percent; baseline, and every year's target and actual, in
    Indicator.baseline (the same quantities); weight in Indicator.weight."""
    if column == "percent":
        field = ProgressUpdate._meta.get_field("percent")
    elif column == "weight":
        field = Indicator._meta.get_field("weight")
    elif column == "baseline" or YEARLY_NUMBER.match(column):
        field = Indicator._meta.get_field("baseline")
    else:
        raise KeyError(column)
    return field_limits(field)


def parse_percent(raw):
    """55, 55%, 55.5 (and 55 %, full-width ５５％); None when empty; ValidationError for
    anything else or more than the field holds (55.55: one decimal, never rounded)."""
    return parse_number(raw, column_limits("percent"), percent=True)


def parse_cell_number(column, raw):
    """A number column's Decimal (None when empty) within its field's limits, or
    ValidationError (progress.numbers' messages)."""
    if column == "percent":
        return parse_percent(raw)
    return parse_number(raw, column_limits(column))


def parse_roc_year(raw):
    """An ROC year (e.g. 111) as int, None when empty; ValueError otherwise."""
    value = (raw or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > ROC_OFFSET:
        raise ValueError(value)
    return int(value)


def parse_id(raw):
    """A stored row's id (ASCII digits) as int, None when empty; ValueError otherwise."""
    value = (raw or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ValueError(value)
    return int(value)
