"""A plan's progress as it was published at a moment, rebuilt from django-reversion's stored
versions (plan.asof.latest_versions), never from today's rows.

`progress_rows_at` gives the rows `plan.bundle.read(progress.rollup.bundle_parts(plan))`
gave at that moment, in the same shape (kind, row id, node id, data) with the same keys and
value types as the database's JSON returns on this engine, so that
`progress.rollup.facts_from_rows(progress_rows_at(...))` is the Bundle `read_bundle(plan)`
returned then. What "as published at the moment" means:

- A fact (update, indicator, milestone) is read from its latest version recorded before
  the moment. It is shown when that version's review state is one the public sees
  (rollup.SHOWN: published, superseded, withdrawn), exactly as the live bundle shows it.
- Drafts never count: a draft (or a returned one) is only a "pending" row (its date, review
  state and agency, what the reporting routine counts), as bundle_parts gives it.
- A fact published later but dated earlier appears from its publication (the version its
  publication recorded), not from its date: on the day before it was published, the plan
  did not say it.
- Joined fields (an agency's code, web address and names) are the Agency's own version at
  the moment: an agency renamed later keeps its old name in the past.
- Where the record cannot say, the row says so rather than show today's value: a field the
  version did not record (added to the model later, or an agency with no version at the
  moment) is None, and its key is listed in the row's data under UNRECORDED. A responsibility
  whose agency is unrecorded has the code "" (the bundle sorts agencies by code).
- What no version records is not here: the reporting periods generated in bulk and never
  edited (no version: generation writes them with bulk_create).
- Deletions: reversion records none. Facts are never deleted but erased with every version
  (progress.review). A responsibility, schedule or agency a reviewer deleted is gone from
  the moment the admin logged its deletion (`plan.asof.deletions_before`, the admin's LogEntry, given
  as `deleted`); without `deleted`, or deleted without the admin, it shows as its last
  version.
- Moments: published_at, withdrawn_at and signed_off_at are kept by a version to the
  millisecond (Django's JSON serialiser), and are given so.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection

from plan.asof import recorded, standing

from .models import (
    Agency,
    Indicator,
    Milestone,
    ProgressUpdate,
    ReportingPeriod,
    Responsibility,
    Reviewed,
    Schedule,
)
from .rollup import SHOWN
from .translation import VERSIONED

# The progress models registered with reversion: what plan.asof.latest_versions is asked for.
PROGRESS_MODELS = VERSIONED
# The kinds in the order bundle_parts lists its parts.
PART_ORDER = ("update", "indicator", "milestone", "responsibility", "schedule", "period", "pending")
# A row's data key listing the keys whose value its version cannot tell (then None).
UNRECORDED = "unrecorded"


# The engine's JSON: what JSONObject gives back for each column type -----------------------


def _decimal(text):
    """A decimal column in the database's JSON: a float on PostgreSQL (jsonb numeric); on
    SQLite an integer when whole (NUMERIC affinity stores 40.0 as 40), else a float."""
    if text is None:
        return None
    value = Decimal(str(text))
    if connection.vendor == "sqlite" and value == value.to_integral_value():
        return int(value)
    return float(value)


def _moment(text):
    """A datetime column in the database's JSON: SQLite's stored text (naive UTC, microseconds
    only when any), PostgreSQL's timestamptz in UTC (trailing zeros of the fraction dropped)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    if connection.vendor == "sqlite":
        return str(moment.replace(tzinfo=None))
    whole, _, rest = moment.isoformat().partition(".")
    if not rest:
        return whole
    fraction, zone = rest[:6].rstrip("0"), rest[6:]
    return f"{whole}.{fraction}{zone}" if fraction else f"{whole}{zone}"


def _json(value):
    """A JSON column: text on SQLite (as Django wrote it), the value on PostgreSQL."""
    return json.dumps(value) if connection.vendor == "sqlite" else value


def _chinese(value):
    """bundle_parts' Coalesce(<name>_zh_hant, ""): the Chinese, never null."""
    return "" if value is None else value


def _as_is(value):
    return value


def _field(name, convert=_as_is):
    return name, convert


def _both(name):
    return {f"{name}_{code}": _field(f"{name}_{code}") for code in ("zh_hant", "en")}


# What each kind's data holds: {bundle key: (the version's field, how the engine gives it)},
# as bundle_parts names them.
REVIEWED = {
    "state": _field("state"),
    "supersedes": _field("supersedes"),
    "published_at": _field("published_at", _moment),
    "withdrawn_at": _field("withdrawn_at", _moment),
    "withdrawal_reason": _field("withdrawal_reason"),
}
UPDATE = {
    "date": _field("date"),
    "status": _field("status"),
    "percent": _field("percent", _decimal),
    "source": _field("source"),
    "reason": _field("reason_zh_hant", _chinese),
    "remedy": _field("remedy_zh_hant", _chinese),
    **_both("summary"),
    **_both("reason"),
    **_both("remedy"),
    **REVIEWED,
}
INDICATOR = {
    "key": _field("key"),
    "direction": _field("direction"),
    "baseline_year": _field("baseline_year"),
    "baseline": _field("baseline", _decimal),
    "weight": _field("weight", _decimal),
    "values": _field("values", _json),
    "source": _field("source"),
    "target_change_reason": _field("target_change_reason_zh_hant", _chinese),
    **_both("target_change_reason"),
    **_both("name"),
    **_both("measure"),
    **_both("unit"),
    **REVIEWED,
}
MILESTONE = {
    "planned_date": _field("planned_date"),
    "done_on": _field("done_on"),
    "source": _field("source"),
    **_both("description"),
    **REVIEWED,
}
SCHEDULE = {
    "planned_start": _field("planned_start"),
    "planned_end": _field("planned_end"),
    "weight": _field("weight", _decimal),
}
PERIOD = {
    "slug": _field("slug"),
    "start": _field("start"),
    "end": _field("end"),
    "deadline": _field("deadline"),
    "signed_off_at": _field("signed_off_at", _moment),
    "report": _field("report", _json),
    **_both("label"),
}
PENDING = {"date": _field("date"), "state": _field("state")}
# A responsibility's agency columns: {bundle key: the Agency version's field}.
AGENCY = {"code": "code", "url": "url", "name_zh_hant": "name_zh_hant", "name_en": "name_en"}


def _data(fields, spec):
    """A row's data from a version's fields; what the version lacks is None and listed."""
    data, missing = {}, []
    for key, (name, convert) in spec.items():
        if name in fields:
            data[key] = convert(fields[name])
        else:
            data[key] = None
            missing.append(key)
    if missing:
        _unrecorded(data, *missing)
    return data


def _unrecorded(data, *keys):
    data[UNRECORDED] = sorted({*data.get(UNRECORDED, ()), *keys})


def _with_agency_code(data, fields, agencies):
    """An update's reporting agency, by its code at the moment."""
    if "agency" not in fields:
        data["agency"] = None
        _unrecorded(data, "agency")
        return data
    agency_id = fields["agency"]
    agency = agencies.get(str(agency_id)) if agency_id is not None else None
    data["agency"] = agency.get("code") if agency else None
    if agency_id is not None and (agency is None or "code" not in agency):
        _unrecorded(data, "agency")
    return data


def _responsibility(fields, agencies):
    data = {"role": fields.get("role")}
    agency = agencies.get(str(fields.get("agency")))
    missing = [] if "role" in fields else ["role"]
    for key, name in AGENCY.items():
        if agency is not None and name in agency:
            data[key] = agency[name]
        else:
            data[key] = None
            missing.append(key)
    if data["code"] is None:
        data["code"] = ""  # NodeFacts sorts agencies by code
    if missing:
        _unrecorded(data, *missing)
    return data


def _fact_rows(kind, spec, versions, node_ids, agencies=None):
    """A fact model's rows: shown ones as `kind`. `agencies` (updates only: the one kind with
    a reporting agency, and the one whose drafts the bundle counts) adds the agency's code,
    and the drafts as "pending" rows."""
    rows = []
    for object_id, version in versions.items():
        fields = recorded(version)
        if fields.get("node") not in node_ids:
            continue
        pk, node = int(object_id), fields["node"]
        state = fields.get("state")
        if state in SHOWN:
            data = _data(fields, spec)
            if agencies is not None:
                _with_agency_code(data, fields, agencies)
            rows.append((kind, pk, node, data))
        elif state in Reviewed.PENDING and agencies is not None:
            data = _with_agency_code(_data(fields, PENDING), fields, agencies)
            rows.append(("pending", pk, node, data))
    return rows


def progress_rows_at(plan, versions, node_ids, deleted=None):
    """The progress part of `plan`'s bundle rows at the moment `versions` were read for
    (plan.asof.latest_versions(moment, PROGRESS_MODELS): {model: {object id: Version}}),
    about the plan items `node_ids` only (versions cover every plan); `deleted`:
    deletions_before(moment, PROGRESS_MODELS). The rules are the module's."""
    node_ids = set(node_ids)
    deleted = deleted or {}
    versions = {
        model: standing(versions.get(model, {}), deleted.get(model)) for model in PROGRESS_MODELS
    }
    agencies = {pk: recorded(version) for pk, version in versions[Agency].items()}
    rows = [
        *_fact_rows("update", UPDATE, versions[ProgressUpdate], node_ids, agencies),
        *_fact_rows("indicator", INDICATOR, versions[Indicator], node_ids),
        *_fact_rows("milestone", MILESTONE, versions[Milestone], node_ids),
    ]
    for object_id, version in versions[Responsibility].items():
        fields = recorded(version)
        if fields.get("node") in node_ids:
            data = _responsibility(fields, agencies)
            rows.append(("responsibility", int(object_id), fields["node"], data))
    for object_id, version in versions[Schedule].items():
        fields = recorded(version)
        if fields.get("node") in node_ids:
            rows.append(("schedule", int(object_id), fields["node"], _data(fields, SCHEDULE)))
    for object_id, version in versions[ReportingPeriod].items():
        fields = recorded(version)
        if fields.get("plan") == plan.pk:
            rows.append(("period", int(object_id), None, _data(fields, PERIOD)))
    # In bundle_parts' order (its parts one after the other, each by id): NodeFacts keeps a
    # node's corrected and withdrawn facts of every kind in the order the rows come.
    return sorted(rows, key=lambda row: (PART_ORDER.index(row[0]), row[1]))
