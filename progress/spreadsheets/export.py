"""The rows of each kind of progress file (header first), from a plan's PUBLISHED data about
its published items: what `export_progress` prints and /data/<slug>/<kind>.csv serves (both
write them with safe.write_csv).

Numbers and dates are typed values in the rows (Decimal, int, date), text is str: the
writer neutralises formula-like text and never a number (safe.py).
"""

from ..models import Indicator, ProgressUpdate, Responsibility, Reviewed
from ..numbers import stored_number
from .contract import (
    AGENCY_COLUMNS,
    INDICATOR_HEAD,
    INDICATOR_TAIL,
    ITEM_KINDS,
    PERIOD_COLUMNS,
    RESPONSIBILITY_COLUMNS,
    TEMPLATE_COLUMNS,
    TEXT_FIELDS,
    UPDATE_EXPORT_COLUMNS,
    indicator_columns,
    plan_years,
)

State = Reviewed.State


def export_rows(kind, plan, nodes):
    """The rows (header first) of a kind of file for a plan's PUBLISHED data. `nodes`: the
    plan's published items (objects with pk, ref, kind, title_zh_hant), in document order;
    facts about other nodes (unpublished, deleted) are not exported. One query."""
    nodes = {node.pk: node for node in nodes}
    return {
        "agencies": _agencies,
        "responsibilities": _responsibilities,
        "indicators": _indicators,
        "updates": _updates,
    }[kind](plan, nodes)


def _agencies(plan, nodes):
    rows = (
        Responsibility.objects.filter(node__plan=plan, node_id__in=list(nodes))
        .order_by("agency__code")
        .values_list("agency__code", "agency__name_zh_hant", "agency__name_en", "agency__url")
        .distinct()
    )
    return [AGENCY_COLUMNS, *(list(row) for row in rows)]


def _responsibilities(plan, nodes):
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


def _field(column):
    """The model field a column is read from (a translated text's Chinese column by its own
    field, never through modeltranslation's active language)."""
    return TEXT_FIELDS.get(column, column)


def _indicators(plan, nodes):
    # The file's own columns, with the item's id for its ref and the yearly values whole.
    tail = [_field(name) for name in INDICATOR_TAIL]
    fields = ["node_id", "key", *INDICATOR_HEAD[3:], "values", *tail]
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
        line += [row["baseline_year"], row["baseline"], row["weight"]]
        for year in years:
            entry = values.get(str(year), {})
            line += [stored_number(entry.get("target")), stored_number(entry.get("actual"))]
        line += [row[name] or "" for name in tail]
        if year_sources:
            line += [values.get(str(year), {}).get("source") or "" for year in years]
        rows.append(line)
    return rows


def _updates(plan, nodes):
    # The file's own columns, each from its field; the item's id stands for plan and ref.
    read_from = {"agency": "agency__code", "update_id": "pk"}
    fields = [read_from.get(name) or _field(name) for name in UPDATE_EXPORT_COLUMNS[2:]]
    found = (
        ProgressUpdate.objects.filter(node__plan=plan, state=State.PUBLISHED)
        .order_by("node__path", "-date", "-pk")
        .values_list("node_id", *fields)
    )
    rows = [UPDATE_EXPORT_COLUMNS]
    for node_id, *values in found:
        # None (no percent, no agency, a text never written) is an empty cell.
        if node_id in nodes:
            rows.append([plan.slug, nodes[node_id].ref, *values])
    return rows


def period_rows(plan, period, lines):
    """The CSV's rows, header first, of a period's report lines: live ones
    (progress.periods.report_lines) or those stored at sign-off (typed as JSON keeps them,
    written alike: a number as 35, a date as 2026-09-30)."""
    yield PERIOD_COLUMNS
    for line in lines:
        yield [
            plan.slug,
            period["slug"],
            line["ref"],
            line["agency"],
            line["obligation"],
            line["status"],
            line["percent"],
            line["light"],
            line["date"],
            line["reason"],
            line["remedy"],
        ]
