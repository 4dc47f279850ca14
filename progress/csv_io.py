"""Progress as spreadsheets: the four CSV files (a public contract, docs/progress-csv.md),
their export and their import.

Export: only PUBLISHED facts, UTF-8 with a byte order mark (Excel reads Chinese only so),
the csv module's excel dialect (CRLF, quoting where needed).

Import (`import_csv`): the kind of file is recognised from its header row; one plan per
file; every row is checked before anything is written, every problem is collected and named
by its spreadsheet row (the header is row 1) and column, in Chinese and in English; the whole
file is applied in one transaction or not at all. Rows identical to what is stored change
nothing; rows missing from a file are never deleted.

The review rule (one place: `Revise`): imported progress facts are drafts unless `publish`;
a row that changes a PUBLISHED fact makes a new draft revision that supersedes it (with
`publish`: the new revision is published at once and the old one marked superseded).
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from plan.models import ROC_OFFSET, Plan, PlanNode

from .models import Agency, Indicator, ProgressUpdate, Responsibility, Reviewed

BOM = "\ufeff"
KINDS = ("agencies", "responsibilities", "indicators", "updates")
ENCODINGS = ("utf-8-sig", "cp950", "big5hkscs")
ITEM_KINDS = (PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION)
State = Reviewed.State

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
INDICATOR_TAIL = ["source", "target_change_reason"]
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
UPDATE_EXPORT_COLUMNS = [*UPDATE_COLUMNS, "update_id"]
# Columns an import accepts but does not read.
IGNORED = {"responsibilities": {"title_zh_hant"}}
YEAR_COLUMN = re.compile(r"^(target|actual|source)_(\d+)$")


def indicator_columns(plan, year_sources=False):
    years = plan_years(plan)
    columns = [*INDICATOR_HEAD]
    for year in years:
        columns += [f"target_{year}", f"actual_{year}"]
    columns += INDICATOR_TAIL
    if year_sources:
        columns += [f"source_{year}" for year in years]
    return columns


def plan_years(plan):
    return list(range(plan.term_start_roc, plan.term_end_roc + 1))


# Values ---------------------------------------------------------------------------------


def format_decimal(value):
    """55.0 → "55", 55.5 → "55.5", None → ""."""
    if value in (None, ""):
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def parse_decimal(text):
    """A number as a spreadsheet writes it ("1,234.5", " 55 "); None when empty."""
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    if "_" in text:
        raise InvalidOperation(text)  # Python reads 5_0 as 50; a spreadsheet never writes it
    value = Decimal(text)  # InvalidOperation for anything else
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def parse_percent(text):
    """55, 55%, 55.5 (and 55.5 %); None when empty."""
    text = (text or "").strip()
    if text.endswith(("%", "％")):
        text = text[:-1].strip()
    return parse_decimal(text)


# Progress is reported in these years; anything else is a mistyped year.
EARLIEST_YEAR, LATEST_YEAR = 1990, 2200
DATE_PARTS = re.compile(r"^(\d{1,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")


def parse_date(text):
    """2025-03-31, ROC 114/03/31, Excel's 2025/3/31 (a time after it is dropped)."""
    text = (text or "").strip().split(" ")[0].split("T")[0]
    match = DATE_PARTS.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    if year < 1000:  # ROC year
        year += ROC_OFFSET
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        # "25/3/31" read as ROC 25 (1936) is a mistyped year, not a report from then.
        raise ValueError(text)
    return date(year, month, day)


def _text(value):
    return (value or "").strip()


# Characters no spreadsheet cell holds (PostgreSQL refuses NUL): tab and line breaks pass.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Errors in both languages ---------------------------------------------------------------


@dataclass
class Problem:
    row: int  # the spreadsheet's row: the header is row 1; 0 for the file as a whole
    column: str
    zh: str
    en: str

    def __str__(self):
        if not self.row:
            return f"檔案：{self.zh} / File: {self.en}"
        if not self.column:
            return f"第 {self.row} 列：{self.zh} / Row {self.row}: {self.en}"
        return (
            f"第 {self.row} 列「{self.column}」欄：{self.zh} / "
            f"Row {self.row}, column “{self.column}”: {self.en}"
        )


def _render(error, language):
    with translation.override(language):
        message = error.message
        if error.params:
            # Before str(): a lazy plural message picks its form from the parameters.
            message = message % error.params
        return str(message)


# Export ---------------------------------------------------------------------------------


def write_csv(rows):
    """CSV text as Excel reads it: a BOM, the excel dialect, CRLF."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerows(rows)
    return out.getvalue()


def export_rows(kind, plan, nodes):
    """The rows (header first) of a kind of file for a plan's PUBLISHED data. `nodes`: the
    plan's published items (objects with pk, ref, kind, title_zh_hant), in document order;
    facts about other nodes (unpublished, deleted) are not exported. One query."""
    nodes = {node.pk: node for node in nodes}
    return {
        "agencies": _export_agencies,
        "responsibilities": _export_responsibilities,
        "indicators": _export_indicators,
        "updates": _export_updates,
    }[kind](plan, nodes)


def _export_agencies(plan, nodes):
    rows = (
        Responsibility.objects.filter(node__plan=plan, node_id__in=list(nodes))
        .order_by("agency__code")
        .values_list("agency__code", "agency__name_zh_hant", "agency__name_en", "agency__url")
        .distinct()
    )
    return [AGENCY_COLUMNS, *(list(row) for row in rows)]


def _export_responsibilities(plan, nodes):
    found = list(
        Responsibility.objects.filter(node__plan=plan)
        .order_by("node__path", "role", "agency__code")
        .values_list("node_id", "agency__code", "role")
    )
    if not found:
        # A template: one row for every strategy and action item, agency and role to fill in.
        rows = [TEMPLATE_COLUMNS]
        rows += [
            [plan.slug, node.ref, "", "", node.title_zh_hant or ""]
            for node in nodes.values()
            if node.kind in ITEM_KINDS
        ]
        return rows
    return [
        RESPONSIBILITY_COLUMNS,
        *(
            [plan.slug, nodes[node_id].ref, code, role]
            for node_id, code, role in found
            if node_id in nodes
        ),
    ]


def _export_indicators(plan, nodes):
    # The file's own columns, with the item's id for its ref and the yearly values whole.
    fields = ["node_id", "key", *INDICATOR_HEAD[3:], "values", *INDICATOR_TAIL]
    found = [
        row
        for row in Indicator.objects.filter(node__plan=plan, state=State.PUBLISHED)
        .order_by("node__path", "key", "pk")
        .values(*fields)
        if row["node_id"] in nodes
    ]
    years = plan_years(plan)
    year_sources = any(
        (row["values"] or {}).get(str(year), {}).get("source") for row in found for year in years
    )
    rows = [indicator_columns(plan, year_sources)]
    for row in found:
        values = row["values"] or {}
        line = [plan.slug, nodes[row["node_id"]].ref, row["key"]]
        line += [row[name] or "" for name in INDICATOR_HEAD[3:10]]
        line += [
            "" if row["baseline_year"] is None else row["baseline_year"],
            format_decimal(row["baseline"]),
            format_decimal(row["weight"]),
        ]
        for year in years:
            entry = values.get(str(year), {})
            line += [_value_text(entry.get("target")), _value_text(entry.get("actual"))]
        line += [row[name] or "" for name in INDICATOR_TAIL]
        if year_sources:
            line += [values.get(str(year), {}).get("source") or "" for year in years]
        rows.append(line)
    return rows


def _value_text(value):
    if value in (None, ""):
        return ""
    try:
        return format_decimal(value)
    except InvalidOperation:
        return str(value)


def _export_updates(plan, nodes):
    found = (
        ProgressUpdate.objects.filter(node__plan=plan, state=State.PUBLISHED)
        .order_by("node__path", "-date", "-pk")
        .values(
            "pk",
            "node_id",
            "date",
            "status",
            "percent",
            "summary_zh_hant",
            "summary_en",
            "source",
            "agency__code",
            "reason",
            "remedy",
        )
    )
    rows = [UPDATE_EXPORT_COLUMNS]
    for row in found:
        if row["node_id"] not in nodes:
            continue
        rows.append(
            [
                plan.slug,
                nodes[row["node_id"]].ref,
                row["date"].isoformat(),
                row["status"],
                format_decimal(row["percent"]),
                row["summary_zh_hant"] or "",
                row["summary_en"] or "",
                row["source"] or "",
                row["agency__code"] or "",
                row["reason"] or "",
                row["remedy"] or "",
                row["pk"],
            ]
        )
    return rows


# Import ---------------------------------------------------------------------------------


@dataclass
class Change:
    row: int
    action: str  # "new" | "changed" | "unchanged"
    what: str  # a short description (the key)
    apply: object = None  # callable writing it


@dataclass
class Result:
    kind: str = ""
    plan: Plan = None
    changes: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    skipped: int = 0  # empty template rows
    applied: bool = False

    @property
    def errors(self):
        return [str(problem) for problem in self.problems]

    def count(self, action):
        return sum(1 for change in self.changes if change.action == action)

    @property
    def counts(self):
        return {action: self.count(action) for action in ("new", "changed", "unchanged")}

    def summary(self):
        counts = self.counts
        return (
            f"{self.kind}: new {counts['new']}, changed {counts['changed']}, "
            f"unchanged {counts['unchanged']}"
            + (f", skipped {self.skipped} empty template rows" if self.skipped else "")
        )


def decode(data):
    """The file's text: UTF-8 (with or without BOM), else Big5 as Windows (cp950) or Hong
    Kong (big5hkscs) write it. None when it is none of them."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding).lstrip(BOM)
        except UnicodeDecodeError:
            continue
    return None


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


def import_csv(data, *, publish=False, dry_run=False, user=None):
    """Check a CSV file (bytes) and, when nothing is wrong and not `dry_run`, apply it in
    one transaction. `user`: None for the command line (everything allowed), else the staff
    member whose permissions (and agencies) limit what the file may change."""
    importer = Importer(publish=publish, user=user)
    result = importer.check(data)
    if result.problems or dry_run:
        return result
    now = timezone.now()
    with transaction.atomic(), reversion.create_revision():
        for change in result.changes:
            if change.apply is not None and change.action != "unchanged":
                change.apply(now)
        counts = result.counts
        reversion.set_comment(
            f"Imported {result.kind} from CSV: {counts['new']} new, {counts['changed']} changed"
            + (" (published)" if publish else " (drafts)")
        )
        if user is not None:
            reversion.set_user(user)
    result.applied = True
    return result


class Importer:
    def __init__(self, publish=False, user=None):
        self.publish = publish
        self.user = user
        self.result = Result()
        self.plan = None
        self.nodes = {}
        self.allowed_nodes = None  # None: every node
        self.header = []

    # Problems

    def problem(self, row, column, zh, en):
        self.result.problems.append(Problem(row, column, zh, en))

    def validation(self, row, error, columns):
        """A model's ValidationError, each message in both languages. `columns` maps a
        model field to the file's column (unknown fields: the row's key column)."""
        items = (
            error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]
        )
        for name, errors in items:
            column = columns.get(name) or (name if name in self.header else columns.get(None, ""))
            for item in errors:
                self.problem(row, column, _render(item, "zh-hant"), _render(item, "en"))

    # The file

    def check(self, data):
        result = self.result
        text = decode(data)
        if text is None:
            self.problem(
                0,
                "",
                "無法辨識檔案編碼，請存成 UTF-8 或 Big5 的 CSV",
                "unreadable encoding: save the file as CSV in UTF-8 or Big5",
            )
            return result
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as error:
            self.problem(
                0, "", f"不是可讀的 CSV 檔（{error}）", f"not a readable CSV file ({error})"
            )
            return result
        if not rows or not any(cell.strip() for cell in rows[0]):
            self.problem(1, "", "找不到標題列", "no header row")
            return result
        header = self.header = [cell.strip() for cell in rows[0]]
        kind = recognise(header)
        if kind is None:
            self.problem(
                1,
                "",
                "無法由標題列辨識檔案種類（機關、權責、指標或進度）",
                "the header row is not that of an agencies, responsibilities, indicators or "
                "updates file",
            )
            return result
        result.kind = kind
        if not self.may_import(kind):
            return result
        records = []
        for number, cells in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue  # an empty line (spreadsheets leave them at the end)
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                self.problem(number, "", "欄位比標題列多", "more cells than the header row has")
            for name, cell in zip(header, cells, strict=False):
                if CONTROL.search(cell):
                    self.problem(
                        number,
                        name,
                        "含有控制字元（如 NUL）",
                        "holds a control character (e.g. NUL)",
                    )
            cells = cells + [""] * (len(header) - len(cells))
            records.append((number, {name: cells[i] for i, name in enumerate(header) if name}))
        if kind != "agencies" and not self.find_plan(header, records):
            return result
        if not self.check_columns(kind, header):
            return result
        getattr(self, f"check_{kind}")(records)
        if result.problems:
            result.changes = []
        return result

    def may_import(self, kind):
        user = self.user
        if self.publish and user is not None and not user.has_perm("progress.review_progress"):
            self.problem(
                0,
                "",
                "只有研考人員可以直接發布",
                "only reviewers may publish at once",
            )
        if user is None:
            return True
        permission = {
            "agencies": ("progress.add_agency", "progress.change_agency"),
            "responsibilities": ("progress.add_responsibility", "progress.change_responsibility"),
            "indicators": ("progress.add_indicator", "progress.change_indicator"),
            "updates": ("progress.add_progressupdate", "progress.change_progressupdate"),
        }[kind]
        if not user.has_perms(permission):
            self.problem(
                0,
                "",
                "你沒有匯入這種檔案的權限",
                f"you may not import {kind} files",
            )
            return False
        if not (user.is_superuser or user.has_perm("progress.review_progress")):
            self.allowed_nodes = set(
                Responsibility.objects.filter(agency__editors=user).values_list(
                    "node_id", flat=True
                )
            )
        return not self.result.problems

    def find_plan(self, header, records):
        if "plan" not in header:
            self.problem(1, "plan", "缺少這一欄", "this column is missing")
            return False
        slugs = {}
        for number, record in records:
            slugs.setdefault(_text(record.get("plan")), number)
        if not records:
            self.problem(2, "plan", "檔案沒有資料列", "the file has no rows")
            return False
        first = next(iter(slugs))
        for _slug, number in list(slugs.items())[1:]:
            self.problem(
                number,
                "plan",
                f"一個檔案只能有一個計畫（前面的列是「{first}」）",
                f"one plan per file (the rows above are “{first}”)",
            )
        self.plan = Plan.objects.filter(slug=first).first()
        if self.plan is None:
            self.problem(slugs[first], "plan", f"沒有代號為「{first}」的計畫", f"no plan “{first}”")
            return False
        self.result.plan = self.plan
        self.nodes = {
            node.ref: node
            for node in PlanNode.objects.for_plan(self.plan).only(
                "id", "ref", "kind", "deleted", "plan_id", "path", "depth"
            )
        }
        return not self.result.problems

    def check_columns(self, kind, header):
        if kind == "agencies":
            required, optional = AGENCY_COLUMNS, set()
        elif kind == "responsibilities":
            required, optional = RESPONSIBILITY_COLUMNS, IGNORED["responsibilities"]
        elif kind == "updates":
            required, optional = UPDATE_COLUMNS, {"update_id"}
        else:
            years = plan_years(self.plan)
            required = indicator_columns(self.plan)
            optional = {f"source_{year}" for year in years}
        ok = True
        seen = set()
        for name in header:
            if not name:
                continue
            if name in seen:
                self.problem(1, name, "這一欄重複了", "this column appears twice")
                ok = False
            seen.add(name)
            if name in required or name in optional:
                continue
            match = YEAR_COLUMN.match(name)
            if kind == "indicators" and match:
                self.problem(
                    1,
                    name,
                    f"年度不在計畫期間（民國 {self.plan.term_start_roc}–{self.plan.term_end_roc} 年）內",
                    f"the year is outside the plan's term (ROC {self.plan.term_start_roc}–"
                    f"{self.plan.term_end_roc})",
                )
            else:
                self.problem(1, name, "不認得這一欄", "unknown column")
            ok = False
        for name in required:
            if name not in seen:
                self.problem(1, name, "缺少這一欄", "this column is missing")
                ok = False
        return ok

    # Shared row checks

    def node(self, number, record, column="ref"):
        ref = _text(record.get(column))
        node = self.nodes.get(ref)
        if not ref:
            self.problem(number, column, "必須填寫", "required")
        elif node is None or node.deleted:
            self.problem(
                number,
                column,
                f"計畫中沒有「{ref}」這個項目",
                f"the plan has no item “{ref}”",
            )
        elif node.kind not in ITEM_KINDS:
            self.problem(
                number,
                column,
                f"「{ref}」不是策略或行動方案",
                f"“{ref}” is not a strategy or an action item",
            )
        elif not self.node_allowed(node):
            self.problem(
                number,
                column,
                f"你所屬的機關並未主辦或協辦「{ref}」",
                f"none of your agencies leads or supports “{ref}”",
            )
        else:
            return node
        return None

    def node_allowed(self, node):
        return self.allowed_nodes is None or node.pk in self.allowed_nodes

    def agency(self, number, record, agencies, column="agency", required=False):
        code = _text(record.get(column))
        if not code:
            if required:
                self.problem(number, column, "必須填寫", "required")
            return None, not required
        agency = agencies.get(code)
        if agency is None:
            self.problem(number, column, f"沒有代號為「{code}」的機關", f"no agency “{code}”")
            return None, False
        return agency, True

    def choice(self, number, record, column, choices):
        value = _text(record.get(column))
        if value in choices.values:
            return value
        known = "、".join(choices.values)
        if not value:
            self.problem(
                number, column, f"必須填寫（{known}）", f"required ({', '.join(choices.values)})"
            )
        else:
            self.problem(
                number,
                column,
                f"「{value}」不是可用的代碼（{known}）",
                f"“{value}” is not a known code ({', '.join(choices.values)})",
            )
        return None

    def decimal(self, number, record, column, parse=parse_decimal):
        try:
            return parse(record.get(column)), True
        except (InvalidOperation, ValueError):
            self.problem(
                number,
                column,
                f"「{_text(record.get(column))}」不是數字",
                f"“{_text(record.get(column))}” is not a number",
            )
            return None, False

    def duplicate(self, seen, key, number, column, what):
        if key in seen:
            self.problem(
                number,
                column,
                f"與第 {seen[key]} 列重複（{what}）",
                f"the same {what} as row {seen[key]}",
            )
            return True
        seen[key] = number
        return False

    def add(self, number, action, what, apply=None):
        self.result.changes.append(Change(number, action, what, apply))

    def full_clean(self, number, instance, columns, exclude=(), reported=()):
        try:
            instance.full_clean(exclude=[*exclude, "supersedes"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name in list(error.error_dict):
                    if columns.get(name, name) in reported:
                        del error.error_dict[name]
                if not error.error_dict:
                    return
            self.validation(number, error, columns)

    # Agencies

    def check_agencies(self, records):
        codes = [_text(record.get("code")) for _, record in records]
        existing = {agency.code: agency for agency in Agency.objects.filter(code__in=codes)}
        seen = {}
        columns = {"name": "name_zh_hant", None: "code"}
        for number, record in records:
            code = _text(record.get("code"))
            if not code:
                self.problem(number, "code", "必須填寫", "required")
                continue
            if self.duplicate(seen, code, number, "code", "code"):
                continue
            values = {
                "name_zh_hant": _text(record.get("name_zh_hant")),
                "name_en": _text(record.get("name_en")),
                "url": _text(record.get("url")),
            }
            agency = existing.get(code)
            if agency is not None and all(
                (getattr(agency, k) or "") == v for k, v in values.items()
            ):
                self.add(number, "unchanged", code)
                continue
            instance = agency or Agency(code=code)
            for name, value in values.items():
                setattr(instance, name, value)
            self.full_clean(number, instance, columns, exclude=["editors"])
            self.add(number, "changed" if agency else "new", code, _saver(instance))

    # Responsibilities

    def check_responsibilities(self, records):
        agencies = {a.code: a for a in Agency.objects.all()}
        existing = {
            (r.node_id, r.agency_id): r for r in Responsibility.objects.filter(node__plan=self.plan)
        }
        seen = {}
        for number, record in records:
            if not _text(record.get("agency")) and not _text(record.get("role")):
                self.result.skipped += 1  # a template row left empty
                continue
            node = self.node(number, record)
            agency, _ = self.agency(number, record, agencies, required=True)
            role = self.choice(number, record, "role", Responsibility.Role)
            if node is None or agency is None or role is None:
                continue
            what = f"{node.ref} {agency.code}"
            if self.duplicate(seen, (node.pk, agency.pk), number, "agency", "ref + agency"):
                continue
            found = existing.get((node.pk, agency.pk))
            if found is not None and found.role == role:
                self.add(number, "unchanged", what)
                continue
            instance = found or Responsibility(node=node, agency=agency)
            instance.role = role
            self.add(number, "changed" if found else "new", what, _saver(instance))

    # Indicators

    def check_indicators(self, records):
        years = plan_years(self.plan)
        stored = {}
        revisions = (
            Indicator.objects.filter(node__plan=self.plan)
            .exclude(state=State.SUPERSEDED)
            .select_related("node", "node__plan")
            .order_by("pk")
        )
        for indicator in revisions:
            stored.setdefault(indicator.key, []).append(indicator)
        seen = {}
        columns = {
            None: "indicator",
            "node": "ref",
            "key": "indicator",
            "name": "name_zh_hant",
            "measure": "measure_zh_hant",
            "unit": "unit_zh_hant",
            "values": f"target_{years[0]}" if years else "indicator",
        }
        for number, record in records:
            key = _text(record.get("indicator"))
            node = self.node(number, record)
            direction = self.choice(number, record, "direction", Indicator.Direction)
            if not key:
                self.problem(number, "indicator", "必須填寫", "required")
            elif self.duplicate(seen, key, number, "indicator", "indicator"):
                continue
            fields = {
                "key": key,
                "name_zh_hant": _text(record.get("name_zh_hant")),
                "name_en": _text(record.get("name_en")),
                "measure_zh_hant": _text(record.get("measure_zh_hant")),
                "measure_en": _text(record.get("measure_en")),
                "unit_zh_hant": _text(record.get("unit_zh_hant")),
                "unit_en": _text(record.get("unit_en")),
                "direction": direction,
                "source": _text(record.get("source")),
                "target_change_reason": _text(record.get("target_change_reason")),
            }
            ok = node is not None and direction is not None and bool(key)
            baseline_year = _text(record.get("baseline_year"))
            if baseline_year:
                if (
                    not (baseline_year.isascii() and baseline_year.isdigit())
                    or int(baseline_year) > ROC_OFFSET
                ):
                    self.problem(
                        number,
                        "baseline_year",
                        f"「{baseline_year}」不是民國年（例如 {years[0] - 1}）",
                        f"“{baseline_year}” is not an ROC year (e.g. {years[0] - 1})",
                    )
                    ok = False
                else:
                    fields["baseline_year"] = int(baseline_year)
            else:
                fields["baseline_year"] = None
            fields["baseline"], good = self.decimal(number, record, "baseline")
            ok &= good
            weight, good = self.decimal(number, record, "weight")
            ok &= good
            fields["weight"] = Decimal(1) if weight is None else weight
            revisions = stored.get(key, [])
            published = next((i for i in revisions if i.state == State.PUBLISHED), None)
            draft = next(
                (i for i in reversed(revisions) if i.state in (State.DRAFT, State.RETURNED)),
                None,
            )
            working = draft or published
            values = {}
            for year in years:
                entry = {}
                for name in ("target", "actual"):
                    value, good = self.decimal(number, record, f"{name}_{year}")
                    ok &= good
                    if value is not None:
                        entry[name] = format_decimal(value)
                if f"source_{year}" in record:
                    source = _text(record.get(f"source_{year}"))
                else:  # no such column: the stored year's own source stays
                    source = ((working.values or {}) if working else {}).get(str(year), {})
                    source = source.get("source", "")
                if source:
                    entry["source"] = source
                if entry:
                    values[str(year)] = entry
                if entry.get("actual") and not (source or fields["source"]):
                    self.problem(
                        number,
                        "source",
                        f"民國 {year} 年的實際值需要來源",
                        f"the actual of {year} needs its source",
                    )
                    ok = False
            fields["values"] = values
            if not ok:
                continue
            if (
                working is not None
                and working.node_id != node.pk
                and not self.node_allowed(working.node)
            ):
                self.problem(
                    number,
                    "indicator",
                    "這個指標屬於你所屬機關未負責的項目",
                    "this indicator belongs to an item none of your agencies is responsible for",
                )
                continue
            fields["node"] = node
            self.revise(number, key, Indicator, fields, published, draft, columns)

    # Updates

    def check_updates(self, records):
        agencies = {a.code: a for a in Agency.objects.all()}
        ids = {}
        for number, record in records:
            raw = _text(record.get("update_id"))
            if raw:
                if raw.isascii() and raw.isdigit():
                    ids[number] = int(raw)
                else:
                    self.problem(number, "update_id", f"「{raw}」不是編號", f"“{raw}” is not an id")
        stored = {
            u.pk: u
            for u in ProgressUpdate.objects.filter(node__plan=self.plan).select_related("node")
        }
        corrections = {}
        for update in sorted(stored.values(), key=lambda u: u.pk):
            if update.supersedes_id and update.state in (State.DRAFT, State.RETURNED):
                corrections[update.supersedes_id] = update
        seen = {}
        columns = {None: "ref", "node": "ref", "summary": "summary_zh_hant"}
        for number, record in records:
            node = self.node(number, record)
            status = self.choice(number, record, "status", ProgressUpdate.Status)
            ok = node is not None and status is not None
            when = None
            try:
                when = parse_date(record.get("date"))
            except ValueError:
                self.problem(
                    number,
                    "date",
                    f"日期「{_text(record.get('date'))}」無法辨識（請用 2025-03-31 或 114/03/31）",
                    f"unreadable date “{_text(record.get('date'))}” (use 2025-03-31 or 114/03/31)",
                )
                ok = False
            percent, good = self.decimal(number, record, "percent", parse_percent)
            ok &= good
            agency, good = self.agency(number, record, agencies)
            ok &= good
            fields = {
                "date": when,
                "status": status,
                "percent": percent,
                "summary_zh_hant": _text(record.get("summary_zh_hant")),
                "summary_en": _text(record.get("summary_en")),
                "source": _text(record.get("source")),
                "agency": agency,
                "reason": _text(record.get("reason")),
                "remedy": _text(record.get("remedy")),
            }
            reported = set()
            if not fields["summary_zh_hant"]:
                self.problem(number, "summary_zh_hant", "必須填寫", "required")
                reported.add("summary_zh_hant")
            if not fields["source"]:
                self.problem(
                    number,
                    "source",
                    "每筆進度都要有來源：網址或公文字號",
                    "every update needs its source: a web address or a document number",
                )
                reported.add("source")
            if status == ProgressUpdate.Status.BEHIND:
                for name, zh, en in (
                    (
                        "reason",
                        "落後的進度要說明原因",
                        "an update behind schedule needs the reason",
                    ),
                    (
                        "remedy",
                        "落後的進度要說明因應對策",
                        "an update behind schedule needs the remedy",
                    ),
                ):
                    if not fields[name]:
                        self.problem(number, name, zh, en)
                        reported.add(name)
            if not ok or reported:
                continue
            fields["node"] = node
            if number in ids:
                update = stored.get(ids[number])
                if update is None:
                    self.problem(
                        number,
                        "update_id",
                        f"此計畫沒有編號 {ids[number]} 的進度",
                        f"the plan has no update {ids[number]}",
                    )
                    continue
                if update.state == State.SUPERSEDED:
                    newer = update.corrections.exclude(state=State.SUPERSEDED).first()
                    self.problem(
                        number,
                        "update_id",
                        f"編號 {update.pk} 的進度已被更正"
                        + (f"（現為 {newer.pk}）" if newer else "")
                        + "，請重新匯出",
                        f"update {update.pk} was replaced by a correction"
                        + (f" ({newer.pk})" if newer else "")
                        + ": export again",
                    )
                    continue
                if not self.node_allowed(update.node):
                    self.problem(
                        number,
                        "update_id",
                        "這筆進度屬於你所屬機關未負責的項目",
                        "this update belongs to an item none of your agencies is responsible for",
                    )
                    continue
                if self.duplicate(seen, update.pk, number, "update_id", "update_id"):
                    continue
                if update.state == State.PUBLISHED:
                    published, draft = update, corrections.get(update.pk)
                else:
                    published, draft = update.supersedes, update
                self.revise(
                    number, f"{node.ref} {when}", ProgressUpdate, fields, published, draft, columns
                )
                continue
            # No id: a new update, unless the same one is stored already.
            signature = _signature(ProgressUpdate, fields)
            if self.duplicate(seen, signature, number, "ref", "update"):
                continue
            same = next(
                (
                    u
                    for u in stored.values()
                    if u.state != State.SUPERSEDED and _signature(ProgressUpdate, u) == signature
                ),
                None,
            )
            if same is not None:
                if same.state == State.PUBLISHED or not self.publish:
                    self.add(number, "unchanged", f"{node.ref} {when}")
                    continue
                self.revise(
                    number,
                    f"{node.ref} {when}",
                    ProgressUpdate,
                    fields,
                    same.supersedes,
                    same,
                    columns,
                )
                continue
            self.revise(number, f"{node.ref} {when}", ProgressUpdate, fields, None, None, columns)

    # The review rule, in one place

    def revise(self, number, what, model, fields, published, draft, columns):
        """Apply a row's `fields` to a progress fact whose published revision is `published`
        and pending revision (draft or returned) is `draft` (either may be None):

        - identical to the pending revision, or (without one) to the published one:
          unchanged (with `publish`, a pending draft identical to the row is published);
        - a pending revision: edited in place (and published with `publish`);
        - only a published one: a new draft revision superseding it (with `publish`:
          published at once, the old one marked superseded);
        - nothing: a new draft (published with `publish`)."""
        working = draft or published
        signature = _signature(model, fields)
        publish = self.publish
        if working is not None and _signature(model, working) == signature:
            if working.state == State.PUBLISHED or not publish:
                self.add(number, "unchanged", what)
                return
            instance = working  # a pending draft, as it is: publish it
            action = "changed"
        elif draft is not None:
            instance = draft
            action = "changed"
        elif published is not None:
            instance = model(supersedes=published)
            action = "changed"
        else:
            instance = model()
            action = "new"
        for name, value in fields.items():
            setattr(instance, name, value)
        if instance.supersedes_id is None and published is not None and instance is not published:
            instance.supersedes = published
        reported = set()
        if model is Indicator and instance.supersedes is not None:
            instance.node = fields["node"]
            weakened = instance.weakened_targets(instance.supersedes)
            if weakened and not (instance.target_change_reason or "").strip():
                years = "、".join(map(str, weakened))
                self.problem(
                    number,
                    "target_change_reason",
                    f"已發布的目標值被調降（民國 {years} 年），請說明原因",
                    f"a published target was weakened ({', '.join(map(str, weakened))}): say why",
                )
                return
        self.full_clean(number, instance, columns, exclude=["node", "agency"], reported=reported)
        user = self.user

        def apply(now):
            if instance.pk is None and user is not None:
                instance.submitted_by = user
            if publish:
                instance.state = State.PUBLISHED
                instance.published_at = now
                instance.reviewed_by = user
            else:
                instance.state = State.DRAFT
            instance.save()
            old = instance.supersedes
            if publish and old is not None and old.state == State.PUBLISHED:
                old.state = State.SUPERSEDED
                old.save(update_fields=["state"])

        self.add(number, action, what, apply)


def _saver(instance):
    def apply(now):
        instance.save()

    return apply


def _decimal_or_none(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return str(value)


def _normal_values(values):
    normal = {}
    for year, entry in (values or {}).items():
        item = {}
        for name in ("target", "actual"):
            value = _decimal_or_none(entry.get(name))
            if value is not None:
                item[name] = value
        if entry.get("source"):
            item["source"] = entry["source"]
        if item:
            normal[str(year)] = item
    return normal


def _signature(model, source):
    """What a row says about a fact, comparable with what is stored (`source`: an instance
    or a dict of the import's fields)."""

    def get(name):
        return source.get(name) if isinstance(source, dict) else getattr(source, name)

    def node_id():
        node = get("node") if isinstance(source, dict) else None
        return node.pk if node is not None else getattr(source, "node_id", None)

    if model is ProgressUpdate:
        agency = source.get("agency") if isinstance(source, dict) else None
        agency_id = (
            agency.pk if agency else (None if isinstance(source, dict) else source.agency_id)
        )
        return (
            node_id(),
            get("date"),
            get("status"),
            _decimal_or_none(get("percent")),
            get("summary_zh_hant") or "",
            get("summary_en") or "",
            get("source") or "",
            agency_id,
            get("reason") or "",
            get("remedy") or "",
        )
    return (
        node_id(),
        get("key"),
        *(
            get(f"{name}_{language}") or ""
            for name in ("name", "measure", "unit")
            for language in ("zh_hant", "en")
        ),
        get("direction"),
        get("baseline_year"),
        _decimal_or_none(get("baseline")),
        _decimal_or_none(get("weight")),
        _normal_values(get("values")),
        get("source") or "",
        get("target_change_reason") or "",
    )
