"""The columns of the four CSV files (agencies, responsibilities, indicators, updates): the
public contract of docs/progress-csv.md, defined once for the export and the import. Columns
may be added, never renamed or removed.

Columns holding numbers (percent, baseline_year, baseline, weight, target_<year>,
actual_<year>, update_id) and the date column are written as typed values and read with the
number grammar (progress.numbers) or the date rule (values); every other column is text,
written spreadsheet-safe and read back without its protective apostrophe (safe.py).
"""

import re

from plan.models import PlanNode

KINDS = ("agencies", "responsibilities", "indicators", "updates")
# The licence every published file is under (the open data page shows it; an ODS file
# names it in its metadata).
OPEN_DATA_LICENCE = {
    "name": {
        "zh-hant": "政府資料開放授權條款－第1版",
        "en": "Open Government Data License, version 1.0",
    },
    "url": "https://data.gov.tw/license",
}
ITEM_KINDS = (PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION)

AGENCY_COLUMNS = ["code", "name_zh_hant", "name_en", "url"]
RESPONSIBILITY_COLUMNS = ["plan", "ref", "agency", "role"]
# The template (a plan without responsibilities yet) adds the item's title; import ignores it.
TEMPLATE_COLUMNS = [*RESPONSIBILITY_COLUMNS, "title_zh_hant"]
INDICATOR_HEAD = [
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
# The English of a translated text (added later, so OPTIONAL on import: a file without the
# column imports as before, and each fact keeps the English it has). Each comes right after
# its Chinese column, which keeps its name (it was the only one).
INDICATOR_ENGLISH = ["target_change_reason_en"]
UPDATE_ENGLISH = ["reason_en", "remedy_en"]
ENGLISH_COLUMNS = {*INDICATOR_ENGLISH, *UPDATE_ENGLISH}
# Then target_<year>, actual_<year> for each year of the plan's term (indicator_columns).
INDICATOR_TAIL = ["source", "target_change_reason", *INDICATOR_ENGLISH]
UPDATE_COLUMNS = [
    "plan",
    "ref",
    "date",
    "status",
    "percent",
    "summary_zh_hant",
    "summary_en",
    "source",
    "agency",
    "reason",
    "remedy",
]
# Added columns go last: a program that reads the download by position keeps working.
UPDATE_EXPORT_COLUMNS = [*UPDATE_COLUMNS, "update_id", *UPDATE_ENGLISH]
# The model field of a translated text's column: the Chinese columns were named before the
# texts had languages; `<name>_en` is the model's own field name.
TEXT_FIELDS = {
    "reason": "reason_zh_hant",
    "remedy": "remedy_zh_hant",
    "target_change_reason": "target_change_reason_zh_hant",
}
# Columns an import accepts but does not read.
IGNORED = {"responsibilities": {"title_zh_hant"}}
YEAR_COLUMN = re.compile(r"^(target|actual|source)_(\d+)$")
# A yearly number column (its values land where the baseline does).
YEARLY_NUMBER = re.compile(r"^(target|actual)_\d+$")


def plan_years(plan):
    return list(range(plan.term_start_roc, plan.term_end_roc + 1))


def indicator_columns(plan, year_sources=False):
    """The indicators file's columns for `plan` (its term's years), with the optional
    source_<year> columns when `year_sources`."""
    years = plan_years(plan)
    columns = [*INDICATOR_HEAD]
    for year in years:
        columns += [f"target_{year}", f"actual_{year}"]
    columns += INDICATOR_TAIL
    if year_sources:
        columns += [f"source_{year}" for year in years]
    return columns


def columns_of(kind, plan=None):
    """(required columns, optional columns) an import of this kind reads."""
    if kind == "agencies":
        return AGENCY_COLUMNS, set()
    if kind == "responsibilities":
        return RESPONSIBILITY_COLUMNS, IGNORED["responsibilities"]
    if kind == "updates":
        return UPDATE_COLUMNS, {"update_id", *UPDATE_ENGLISH}
    required = [name for name in indicator_columns(plan) if name not in ENGLISH_COLUMNS]
    return required, {*INDICATOR_ENGLISH, *(f"source_{year}" for year in plan_years(plan))}


def recognise(header):
    """The kind of file from its header row (None when unknown)."""
    names = set(header)
    if "indicator" in names:
        return "indicators"
    if "status" in names or "update_id" in names:
        return "updates"
    if "role" in names:
        return "responsibilities"
    if "code" in names and "plan" not in names:
        return "agencies"
    return None


# A period's report (docs/progress-csv.md, "periods"): a public contract, columns only added.
PERIOD_COLUMNS = [
    "plan",
    "period",
    "ref",
    "agency",
    "obligation",
    "status",
    "percent",
    "light",
    "date",
    "reason",
    "remedy",
]
