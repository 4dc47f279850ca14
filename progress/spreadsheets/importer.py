"""Reading a progress CSV file back (`import_csv`): the admin's upload and `import_progress`.
An ODS or XLSX file (recognised from its content) is read by workbook.read_sheet into the
same rows of texts, and checked by the same rules.

The kind of file is recognised from its header row; one plan per file; every row is checked
before anything is written, every problem is collected and named by its spreadsheet row (the
header is row 1) and column, in Chinese and in English (each message a gettext message of the
catalogue, rendered in both languages: `Problem`); the whole file is applied in one
transaction and one revision, or not at all. Rows identical to what is stored change
nothing; rows missing from a file are never deleted. Rows are matched to what is stored by
their keys in one pass (dicts by update_id, by indicator key, by an update's content), so a
file of thousands of rows against thousands of stored ones takes seconds
(bench/import_bench.py).

Who may import what is progress.rules' (`may_import`, the items a user reports on, the
agencies they may name as the reporter); publishing is progress.review's `publish()`.

The review rule (one place: `Importer.revise`): imported progress facts are drafts unless
`publish`; a row that changes a PUBLISHED fact makes a new draft revision that supersedes it
(with `publish`: the new revision is published at once and the old one marked superseded).
A superseded or withdrawn update's id is refused.

Over 400 lines, one job: one checker per kind of file, each naming every problem by row
and column; split further, the shared row checks would be passed around instead.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from plan.models import Plan, PlanNode

from .. import review, rules
from ..models import Agency, Indicator, ProgressUpdate, Responsibility, Reviewed
from ..numbers import format_number, stored_number
from . import workbook
from .contract import (
    ENGLISH_COLUMNS,
    INDICATOR_ENGLISH,
    ITEM_KINDS,
    TEXT_FIELDS,
    UPDATE_ENGLISH,
    YEAR_COLUMN,
    columns_of,
    plan_years,
    recognise,
)
from .safe import BOM
from .values import (
    CONTROL,
    EARLIEST_YEAR,
    LATEST_YEAR,
    NoSuchDate,
    UnlikelyYear,
    parse_cell_number,
    parse_date,
    parse_id,
    parse_roc_year,
    text,
)

ENCODINGS = ("utf-8-sig", "cp950", "big5hkscs")
# A file is checked up to this many problems: a file of nothing but bad cells (a control
# character in each of a million) would otherwise make a page of a hundred megabytes.
MAX_PROBLEMS = 200
State = Reviewed.State
REQUIRED = _("required")
LANGUAGES = ("zh_hant", "en")  # the field suffixes of a translated text


# Problems, in both languages ----------------------------------------------------------------

# The names of the kinds of file, as a message says them.
KIND_NAMES = {
    "agencies": _("agencies"),
    "responsibilities": _("responsibilities"),
    "indicators": _("indicators"),
    "updates": _("progress updates"),
}


class Listed:
    """Several values in a message, joined as the language lists them (、 in Chinese)."""

    def __init__(self, values):
        self.values = [str(value) for value in values]

    def __str__(self):
        return pgettext("list separator", ", ").join(self.values)


def render(message, params, language):
    """A gettext message (lazy) with its parameters, in `language`. A parameter that is a
    message itself, or a Listed, is rendered in that language too; numbers stay numbers (a
    plural message picks its form from them, before str())."""
    with translation.override(language):
        if params:
            values = {
                name: str(value) if isinstance(value, Promise | Listed) else value
                for name, value in params.items()
            }
            message = message % values
        return str(message)


def bilingual(message, **params):
    """A message to staff in Chinese and English, as every importer message is shown."""
    return f"{render(message, params, 'zh-hant')} / {render(message, params, 'en')}"


@dataclass
class Problem:
    """A problem of the file, at a row (the header is row 1; 0: the file as a whole) and a
    column ("": the whole row): a gettext message and its parameters, shown in both
    languages (`zh`, `en`: the message alone; str(): with where it is)."""

    row: int
    column: str
    message: object
    params: dict = field(default_factory=dict)

    @property
    def zh(self):
        return render(self.message, self.params, "zh-hant")

    @property
    def en(self):
        return render(self.message, self.params, "en")

    def where(self):
        if not self.row:
            return _("File: %(problem)s"), {}
        if not self.column:
            return _("Row %(row)s: %(problem)s"), {"row": self.row}
        return _("Row %(row)s, column “%(column)s”: %(problem)s"), {
            "row": self.row,
            "column": self.column,
        }

    def __str__(self):
        place, params = self.where()
        zh = render(place, {**params, "problem": self.zh}, "zh-hant")
        en = render(place, {**params, "problem": self.en}, "en")
        return f"{zh} / {en}"


class _TooManyProblems(Exception):
    """Stop checking: MAX_PROBLEMS found."""


# What an import does ------------------------------------------------------------------------


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
    source: str = "CSV"  # the file's type: CSV, ODS or XLSX

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


def import_csv(data, *, publish=False, dry_run=False, user=None, name=""):
    """Check a CSV, ODS or XLSX file (bytes; the type from its content: workbook.kind_of)
    and, when nothing is wrong and not `dry_run`, apply it in one transaction. `user`: None
    for the command line (everything allowed), else the staff member whose rules
    (progress.rules) limit what the file may change. `name`: the file's name, only to refuse
    a file named as a spreadsheet that is none."""
    importer = Importer(publish=publish, user=user)
    result = importer.check(data, name)
    if result.problems or dry_run:
        return result
    now = timezone.now()
    change = None
    try:
        with transaction.atomic(), reversion.create_revision():
            for change in result.changes:
                if change.apply is not None and change.action != "unchanged":
                    change.apply(now)
            counts = result.counts
            # After the changes: review.publish() joins this revision and sets its comment.
            reversion.set_comment(
                f"Imported {result.kind} from {result.source}: {counts['new']} new, "
                f"{counts['changed']} changed" + (" (published)" if publish else " (drafts)")
            )
            if user is not None:
                reversion.set_user(user)
    except ValidationError as error:
        # review.publish() refused a row (what is stored changed since it was checked):
        # nothing is written, and the row says why.
        importer.validation(change.row if change else 0, error, {})
        result.changes = []
        return result
    result.applied = True
    return result


class Importer:
    def __init__(self, publish=False, user=None):
        self.publish = publish
        self.user = user
        self.result = Result()
        self.plan = None
        self.nodes = {}
        self.allowed_nodes = None  # rules.editable_node_ids: None = every item
        self.allowed_agencies = None  # ids of the agencies the user may name; None = any
        self.header = []
        self.kept = []  # fields whose optional column the file lacks: kept as stored

    # Problems

    def problem(self, row, column, message, params=None):
        """Note a problem: `message` a gettext message (lazy), `params` its parameters."""
        problems = self.result.problems
        if len(problems) >= MAX_PROBLEMS:
            problems.append(
                Problem(
                    0,
                    "",
                    _(
                        "more than %(count)s problems: the first %(count)s are listed above, "
                        "the rest of the file was not checked"
                    ),
                    {"count": MAX_PROBLEMS},
                )
            )
            raise _TooManyProblems
        problems.append(Problem(row, column, message, params or {}))

    def validation(self, row, error, columns):
        """A ValidationError, each message in both languages. `columns` maps a model field
        to the file's column (unknown fields: the row's key column)."""
        items = (
            error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]
        )
        for name, errors in items:
            column = columns.get(name) or (name if name in self.header else columns.get(None, ""))
            for item in errors:
                self.problem(row, column, item.message, item.params)

    # The file

    def check(self, data, name=""):
        try:
            return self._check(data, name)
        except _TooManyProblems:
            self.result.changes = []
            return self.result

    def _check(self, data, name=""):
        result = self.result
        refused = {}
        try:
            kind = workbook.kind_of(data, name)
            result.source = kind.upper()
            if kind != "csv":
                sheet = workbook.read_sheet(data, kind)
                rows, refused = sheet.rows, sheet.refused
        except workbook.Refused as error:
            self.problem(0, "", error.message, error.params)
            return result
        if kind == "csv":
            content = decode(data)
            if content is None:
                self.problem(0, "", _("unreadable encoding: save the file as CSV in UTF-8 or Big5"))
                return result
            try:
                rows = list(csv.reader(io.StringIO(content, newline="")))
            except csv.Error as error:
                self.problem(0, "", _("not a readable CSV file (%(error)s)"), {"error": str(error)})
                return result
        return self.check_rows(rows, refused)

    def check_rows(self, rows, refused):
        """The rows of a CSV file, or of a spreadsheet as texts the CSV rules read
        (workbook.read_sheet); `refused`: cells the spreadsheet reader refused, by (row
        number, column index)."""
        result = self.result
        if not rows or not any(cell.strip() for cell in rows[0]):
            self.problem(1, "", _("no header row"))
            return result
        header = self.header = [cell.strip() for cell in rows[0]]
        kind = recognise(header)
        if kind is None:
            self.problem(
                1,
                "",
                _(
                    "the header row is not that of an agencies, responsibilities, indicators "
                    "or updates file"
                ),
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
                self.problem(number, "", _("more cells than the header row has"))
            for index, (name, cell) in enumerate(zip(header, cells, strict=False)):
                if CONTROL.search(cell):
                    self.problem(number, name, _("holds a control character (e.g. NUL)"))
                if (number, index) in refused:
                    self.problem(number, name, *refused[(number, index)])
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
        """progress.rules: may the user import this kind of file (and publish at once)?
        Also which items and reporting agencies their rows may name."""
        user = self.user
        if self.publish and user is not None and not rules.may_publish(user):
            self.problem(0, "", _("only reviewers may publish at once"))
        if not rules.may_import(user, kind):
            self.problem(0, "", _("you may not import %(kind)s files"), {"kind": KIND_NAMES[kind]})
            return False
        if user is not None and not rules.is_reviewer(user):
            self.allowed_nodes = rules.editable_node_ids(user)
            self.allowed_agencies = set(rules.reporting_agencies(user).values_list("pk", flat=True))
        return not self.result.problems

    def find_plan(self, header, records):
        if "plan" not in header:
            self.problem(1, "plan", _("this column is missing"))
            return False
        slugs = {}
        for number, record in records:
            slugs.setdefault(text(record.get("plan")), number)
        if not records:
            self.problem(2, "plan", _("the file has no rows"))
            return False
        first = next(iter(slugs))
        for _slug, number in list(slugs.items())[1:]:
            self.problem(
                number,
                "plan",
                _("one plan per file (the rows above are “%(plan)s”)"),
                {"plan": first},
            )
        self.plan = Plan.objects.filter(slug=first).first()
        if self.plan is None:
            self.problem(slugs[first], "plan", _("no plan “%(plan)s”"), {"plan": first})
            return False
        self.result.plan = self.plan
        self.nodes = {}
        for node in PlanNode.objects.for_plan(self.plan).only(
            "id", "ref", "kind", "deleted", "plan_id", "path", "depth"
        ):
            node.plan = self.plan  # an indicator's years come from it: no query a row
            self.nodes[node.ref] = node
        return not self.result.problems

    def check_columns(self, kind, header):
        required, optional = columns_of(kind, self.plan)
        ok = True
        seen = set()
        for name in header:
            if not name:
                continue
            if name in seen:
                self.problem(1, name, _("this column appears twice"))
                ok = False
            seen.add(name)
            if name in required or name in optional:
                continue
            if kind == "indicators" and YEAR_COLUMN.match(name):
                start, end = self.plan.term_start_roc, self.plan.term_end_roc
                self.problem(
                    1,
                    name,
                    _("the year is outside the plan's term (ROC %(start)s–%(end)s)"),
                    {"start": start, "end": end},
                )
            else:
                self.problem(1, name, _("unknown column"))
            ok = False
        for name in required:
            if name not in seen:
                self.problem(1, name, _("this column is missing"))
                ok = False
        return ok

    # Shared row checks

    def node(self, number, record, column="ref"):
        ref = text(record.get(column))
        node = self.nodes.get(ref)
        if not ref:
            self.problem(number, column, REQUIRED)
        elif node is None or node.deleted:
            self.problem(number, column, _("the plan has no item “%(ref)s”"), {"ref": ref})
        elif node.kind not in ITEM_KINDS:
            self.problem(
                number, column, _("“%(ref)s” is not a strategy or an action item"), {"ref": ref}
            )
        elif not self.node_allowed(node.pk):
            self.problem(
                number, column, _("none of your agencies leads or supports “%(ref)s”"), {"ref": ref}
            )
        else:
            return node
        return None

    def node_allowed(self, node_id):
        return self.user is None or rules.may_report_on(self.user, node_id, self.allowed_nodes)

    def agency_allowed(self, agency):
        if self.user is None or agency is None:
            return True
        return rules.may_name_agency(self.user, agency.pk, self.allowed_agencies)

    def agency(self, number, record, agencies, column="agency", required=False):
        code = text(record.get(column))
        if not code:
            if required:
                self.problem(number, column, REQUIRED)
            return None, not required
        agency = agencies.get(code)
        if agency is None:
            self.problem(number, column, _("no agency “%(code)s”"), {"code": code})
            return None, False
        return agency, True

    def choice(self, number, record, column, choices):
        value = text(record.get(column))
        if value in choices.values:
            return value
        known = Listed(choices.values)
        if not value:
            self.problem(number, column, _("required (%(known)s)"), {"known": known})
        else:
            self.problem(
                number,
                column,
                _("“%(value)s” is not a known code (%(known)s)"),
                {"value": value, "known": known},
            )
        return None

    def number(self, row, record, column):
        """A number column's value within the limits of the field it lands in (the one
        grammar: progress.numbers); a refusal names the row and column."""
        try:
            return parse_cell_number(column, record.get(column)), True
        except ValidationError as error:
            self.validation(row, error, {None: column})
            return None, False

    def texts(self, record, columns):
        """Text columns' values by model field (a translated text's Chinese column by its
        `_zh_hant` field); an optional column the file does not have is left out."""
        return {
            TEXT_FIELDS.get(column, column): text(record.get(column))
            for column in columns
            if column in self.header or column not in ENGLISH_COLUMNS
        }

    def keep_english(self, columns):
        """The optional English columns this file lacks: each fact keeps the English it has
        (`revise`), and a row is matched without them. Returns their field names."""
        self.kept = [name for name in columns if name not in self.header]
        return set(self.kept)

    def date(self, number, record, column):
        """A date column's date, or None with the problem noted: a date the calendar does
        not have (114/02/30) is named as such, not as an unreadable format."""
        raw = (record.get(column) or "").strip()
        try:
            return parse_date(raw)
        except NoSuchDate as error:
            if error.days is None:
                message = _("the date “%(value)s” does not exist: there is no month %(month)s")
            else:
                message = _(
                    "the date “%(value)s” does not exist: month %(month)s has %(days)s days"
                )
            params = {"value": raw, "month": error.month, "days": error.days}
        except UnlikelyYear:
            message = _(
                "the year of the date “%(value)s” is not between %(earliest)s and %(latest)s "
                "(an ROC year is below 1000: 114/03/31)"
            )
            params = {"value": raw, "earliest": EARLIEST_YEAR, "latest": LATEST_YEAR}
        except ValueError:
            message = _("unreadable date “%(value)s” (use 2025-03-31 or 114/03/31)")
            params = {"value": raw}
        self.problem(number, column, message, params)
        return None

    def duplicate(self, seen, key, number, column, what):
        """Has an earlier row the same `key`? `what`: the key's columns, or "update" (an
        update's whole content)."""
        if key in seen:
            if what == "update":
                message, params = _("the same update as row %(row)s"), {"row": seen[key]}
            else:
                message = _("the same %(what)s as row %(row)s")
                params = {"what": what, "row": seen[key]}
            self.problem(number, column, message, params)
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
        codes = [text(record.get("code")) for _number, record in records]
        existing = {agency.code: agency for agency in Agency.objects.filter(code__in=codes)}
        seen = {}
        columns = {"name": "name_zh_hant", None: "code"}
        for number, record in records:
            code = text(record.get("code"))
            if not code:
                self.problem(number, "code", REQUIRED)
                continue
            if self.duplicate(seen, code, number, "code", "code"):
                continue
            values = {
                "name_zh_hant": text(record.get("name_zh_hant")),
                "name_en": text(record.get("name_en")),
                "url": text(record.get("url")),
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
            if not text(record.get("agency")) and not text(record.get("role")):
                self.result.skipped += 1  # a template row left empty
                continue
            node = self.node(number, record)
            agency, _found = self.agency(number, record, agencies, required=True)
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
        stored = {}  # key → its revisions that are not superseded, oldest first
        revisions = (
            Indicator.objects.filter(node__plan=self.plan)
            .exclude(state=State.SUPERSEDED)
            .select_related("node", "node__plan")
            .order_by("pk")
        )
        for indicator in revisions:
            stored.setdefault(indicator.key, []).append(indicator)
        self.keep_english(INDICATOR_ENGLISH)
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
            key = text(record.get("indicator"))
            node = self.node(number, record)
            direction = self.choice(number, record, "direction", Indicator.Direction)
            if not key:
                self.problem(number, "indicator", REQUIRED)
            elif self.duplicate(seen, key, number, "indicator", "indicator"):
                continue
            fields = {
                "key": key,
                "name_zh_hant": text(record.get("name_zh_hant")),
                "name_en": text(record.get("name_en")),
                "measure_zh_hant": text(record.get("measure_zh_hant")),
                "measure_en": text(record.get("measure_en")),
                "unit_zh_hant": text(record.get("unit_zh_hant")),
                "unit_en": text(record.get("unit_en")),
                "direction": direction,
                "source": text(record.get("source")),
                **self.texts(record, ["target_change_reason", *INDICATOR_ENGLISH]),
            }
            ok = node is not None and direction is not None and bool(key)
            try:
                fields["baseline_year"] = parse_roc_year(record.get("baseline_year"))
            except ValueError:
                raw = (record.get("baseline_year") or "").strip()
                self.problem(
                    number,
                    "baseline_year",
                    _("“%(value)s” is not an ROC year (e.g. %(example)s)"),
                    {"value": raw, "example": years[0] - 1},
                )
                ok = False
            fields["baseline"], good = self.number(number, record, "baseline")
            ok &= good
            weight, good = self.number(number, record, "weight")
            ok &= good
            fields["weight"] = Decimal(1) if weight is None else weight
            revisions = stored.get(key, [])
            published = next((i for i in revisions if i.state == State.PUBLISHED), None)
            draft = next((i for i in reversed(revisions) if i.state in Reviewed.PENDING), None)
            working = draft or published
            values = {}
            for year in years:
                entry = {}
                for name in ("target", "actual"):
                    value, good = self.number(number, record, f"{name}_{year}")
                    ok &= good
                    if value is not None:
                        entry[name] = format_number(value)
                if f"source_{year}" in record:
                    source = text(record.get(f"source_{year}"))
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
                        _("the actual of %(year)s needs its source"),
                        {"year": year},
                    )
                    ok = False
            fields["values"] = values
            if not ok:
                continue
            if (
                working is not None
                and working.node_id != node.pk
                and not self.node_allowed(working.node_id)
            ):
                self.problem(
                    number,
                    "indicator",
                    _("this indicator belongs to an item none of your agencies is responsible for"),
                )
                continue
            fields["node"] = node
            self.revise(number, key, Indicator, fields, published, draft, columns)

    # Updates

    def check_updates(self, records):
        agencies = {a.code: a for a in Agency.objects.all()}
        ids = {}
        for number, record in records:
            try:
                found = parse_id(record.get("update_id"))
            except ValueError:
                raw = (record.get("update_id") or "").strip()
                self.problem(number, "update_id", _("“%(value)s” is not an id"), {"value": raw})
                continue
            if found is not None:
                ids[number] = found
        stored = {u.pk: u for u in ProgressUpdate.objects.filter(node__plan=self.plan)}
        # Without the English columns, an update is recognised by the rest of its content.
        skipped = self.keep_english(UPDATE_ENGLISH)
        pending = {}  # a published update's id → its pending correction (draft or returned)
        replaced_by = {}  # an update's id → the revision that replaced it once published
        by_content = {}  # an update's content (_signature) → the update that says it
        for update in sorted(stored.values(), key=lambda u: u.pk):
            if update.supersedes_id:
                if update.state in Reviewed.PENDING:
                    pending[update.supersedes_id] = update
                else:
                    replaced_by[update.supersedes_id] = update
            if update.state != State.SUPERSEDED:
                signature = _signature(ProgressUpdate, update, skipped)
                known = by_content.get(signature)
                if known is None or (
                    known.state == State.WITHDRAWN and update.state != State.WITHDRAWN
                ):
                    by_content[signature] = update
        seen = {}
        columns = {None: "ref", "node": "ref", "summary": "summary_zh_hant"}
        for number, record in records:
            node = self.node(number, record)
            status = self.choice(number, record, "status", ProgressUpdate.Status)
            ok = node is not None and status is not None
            when = self.date(number, record, "date")
            ok &= when is not None
            percent, good = self.number(number, record, "percent")
            ok &= good
            agency, good = self.agency(number, record, agencies)
            ok &= good
            fields = {
                "date": when,
                "status": status,
                "percent": percent,
                "summary_zh_hant": text(record.get("summary_zh_hant")),
                "summary_en": text(record.get("summary_en")),
                "source": text(record.get("source")),
                "agency": agency,
                **self.texts(record, ["reason", "remedy", *UPDATE_ENGLISH]),
            }
            reported = set()
            if not fields["summary_zh_hant"]:
                self.problem(number, "summary_zh_hant", REQUIRED)
                reported.add("summary_zh_hant")
            if not fields["source"]:
                self.problem(
                    number,
                    "source",
                    _("every update needs its source: a web address or a document number"),
                )
                reported.add("source")
            if status == ProgressUpdate.Status.BEHIND:
                for name, message in (
                    ("reason", _("an update behind schedule needs the reason")),
                    ("remedy", _("an update behind schedule needs the remedy")),
                ):
                    if not fields[TEXT_FIELDS[name]]:
                        self.problem(number, name, message)
                        reported.add(name)
            if not ok or reported:
                continue
            fields["node"] = node
            what = f"{node.ref} {when}"
            if number in ids:
                update = stored.get(ids[number])
                if update is None:
                    self.problem(
                        number, "update_id", _("the plan has no update %(id)s"), {"id": ids[number]}
                    )
                    continue
                if self.retired(number, "update_id", update, stored, replaced_by):
                    continue
                if not self.node_allowed(update.node_id):
                    self.problem(
                        number,
                        "update_id",
                        _(
                            "this update belongs to an item none of your agencies is responsible for"
                        ),
                    )
                    continue
                if self.duplicate(seen, update.pk, number, "update_id", "update_id"):
                    continue
                if update.state == State.PUBLISHED:
                    published, draft = update, pending.get(update.pk)
                else:
                    published, draft = stored.get(update.supersedes_id), update
                self.revise(number, what, ProgressUpdate, fields, published, draft, columns)
                continue
            # No id: a new update, unless the same one is stored already.
            signature = _signature(ProgressUpdate, fields, skipped)
            if self.duplicate(seen, signature, number, "ref", "update"):
                continue
            same = by_content.get(signature)
            if same is not None:
                if self.retired(number, "ref", same, stored, replaced_by):
                    continue
                if same.state == State.PUBLISHED or not self.publish:
                    self.add(number, "unchanged", what)
                    continue
                published = stored.get(same.supersedes_id)
                self.revise(number, what, ProgressUpdate, fields, published, same, columns)
                continue
            self.revise(number, what, ProgressUpdate, fields, None, None, columns)

    def retired(self, number, column, update, stored, replaced_by):
        """Refuse a row naming a superseded update (export again) or a withdrawn one."""
        if update.state == State.SUPERSEDED:
            newer, hops = replaced_by.get(update.pk), 0
            while newer is not None and newer.state == State.SUPERSEDED and hops < 1000:
                newer, hops = replaced_by.get(newer.pk), hops + 1
            if newer is not None:
                message = _("update %(id)s was replaced by a correction (%(newer)s): export again")
            else:
                message = _("update %(id)s was replaced by a correction: export again")
            self.problem(
                number, column, message, {"id": update.pk, "newer": newer.pk if newer else ""}
            )
            return True
        if update.state == State.WITHDRAWN:
            reason = (update.withdrawal_reason or "").strip()
            if len(reason) > 80:
                reason = reason[:79] + "…"
            self.problem(
                number,
                column,
                _(
                    "update %(id)s was withdrawn (%(reason)s) and cannot be imported again; to "
                    "report it anew, leave update_id empty and change the row"
                ),
                {"id": update.pk, "reason": reason},
            )
            return True
        return False

    # The review rule, in one place

    def revise(self, number, what, model, fields, published, draft, columns):
        """Apply a row's `fields` to a progress fact whose published revision is `published`
        and pending revision (draft or returned) is `draft` (either may be None):

        - identical to the pending revision, or (without one) to the published one:
          unchanged (with `publish`, a pending draft identical to the row is published);
        - a pending revision: edited in place (and published with `publish`);
        - only a published one: a new draft revision superseding it (with `publish`:
          published at once, the old one marked superseded);
        - nothing: a new draft (published with `publish`).

        Publishing is review.publish(), inside the import's revision and transaction."""
        working = draft or published
        for name in self.kept:
            # Its column is not in the file: the text stays as stored (a new fact has none).
            fields[name] = (getattr(working, name) or "") if working is not None else ""
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
        if model is ProgressUpdate and not self.agency_allowed(fields["agency"]):
            self.problem(
                number,
                "agency",
                _("name one of your own agencies as the reporter, not “%(code)s”"),
                {"code": fields["agency"].code},
            )
            return
        for name, value in fields.items():
            setattr(instance, name, value)
        if (
            published is not None
            and instance is not published
            and instance.supersedes_id in (None, published.pk)
        ):
            instance.supersedes = published  # (also: no query for it below)
        if model is Indicator and instance.supersedes is not None:
            weakened = instance.weakened_targets(instance.supersedes)
            if weakened and not (instance.target_change_reason_zh_hant or "").strip():
                self.problem(
                    number,
                    "target_change_reason",
                    _("a published target was weakened (%(years)s): say why"),
                    {"years": Listed(weakened)},
                )
                return
        self.full_clean(number, instance, columns, exclude=["node", "agency"])
        user = self.user

        def apply(now):
            if instance.pk is None and user is not None:
                instance.submitted_by = user
            if publish:
                review.publish(instance, user, comment="匯入並發布", now=now, validate=False)
            else:
                instance.state = State.DRAFT
                instance.save()

        self.add(number, action, what, apply)


def _saver(instance):
    def apply(now):
        instance.save()

    return apply


def _normal_values(values):
    normal = {}
    for year, entry in (values or {}).items():
        item = {}
        for name in ("target", "actual"):
            value = stored_number(entry.get(name))
            if value is not None:
                item[name] = value
        if entry.get("source"):
            item["source"] = entry["source"]
        if item:
            normal[str(year)] = item
    return normal


def _signature(model, source, skipped=()):
    """What a row says about a fact, comparable with what is stored (`source`: an instance
    or a dict of the import's fields). `skipped`: fields left out (a file without their
    columns says nothing about them). Translated texts by their own language's field."""

    def get(name):
        if name in skipped:
            return None
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
            stored_number(get("percent")),
            get("summary_zh_hant") or "",
            get("summary_en") or "",
            get("source") or "",
            agency_id,
            *(
                get(f"{name}_{language}") or ""
                for name in ("reason", "remedy")
                for language in LANGUAGES
            ),
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
        stored_number(get("baseline")),
        stored_number(get("weight")),
        _normal_values(get("values")),
        get("source") or "",
        *(get(f"target_change_reason_{language}") or "" for language in LANGUAGES),
    )
