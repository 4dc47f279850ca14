"""The plan's progress and glossary links at a date (issue 24): rebuilt from the stored
versions (progress.asof, knowledge.asof), they equal what the live bundle said that day; and
what changed between two dates (progress.compare).

A plan's facts are edited on three days (each save inside a revision, as the admin and the
review functions do); each day the live bundle is kept, and after the last day the dated
rows for each day must rebuild it exactly, row for row with the engine's own value types.
Run on PostgreSQL too:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/asof_progress pytest -n 1 --create-db <this>
"""

import json

import pytest
import time_machine

from tests.factories import (
    ACTION,
    STRATEGY,
    asof_noon,
    edit_progress_on_three_days,
    node,
    saved_in_revision,
)
from tests.shared_scenario import shared_scenario

DAYS = 3


def live_rows(plan):
    from knowledge.bundle import bundle_parts as knowledge_parts
    from plan import bundle
    from progress.rollup import bundle_parts

    return bundle.read(bundle_parts(plan)), bundle.read(knowledge_parts(plan))


def build_edited(plan):
    """The plan edited on three days (factories.edit_progress_on_three_days): {day: (live
    progress rows, live knowledge rows, live Bundle)} as each day ended, and the objects.
    A client of its own stands in for the fixture `client`; no test reads it back."""
    from django.test import Client

    from progress.rollup import read_bundle

    def capture(p):
        return (*live_rows(p), read_bundle(p))

    days, world = edit_progress_on_three_days(plan, Client(), capture)
    # Each test gets a deep copy of the objects (shared_scenario): not of a client.
    del world["client"]
    return days, world


# Built once for the module; the tests that do not ask for `edited` come last (each switch
# between the two kinds rolls the scenario back, and the next `edited` builds it again).
_edited_scenario, _edited_for_its_tests, edited = shared_scenario("edited", build_edited)


def dated(plan, day):
    """The dated rows at the end of `day`: (progress rows, knowledge rows, versions)."""
    from knowledge.asof import KNOWLEDGE_MODELS, knowledge_rows_at
    from plan.asof import deletions_before, end_of_day, latest_versions
    from plan.models import PlanNode
    from progress.asof import PROGRESS_MODELS, progress_rows_at

    models = PROGRESS_MODELS + KNOWLEDGE_MODELS
    versions = latest_versions(end_of_day(day), models)
    deleted = deletions_before(end_of_day(day), models)
    node_ids = set(PlanNode.objects.filter(plan=plan).values_list("pk", flat=True))
    return (
        progress_rows_at(plan, versions, node_ids, deleted),
        knowledge_rows_at(plan, versions, node_ids, deleted),
        versions,
    )


def typed(value):
    """A value with its type at every level: 95 (SQLite) and 95.0 (PostgreSQL) differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


def by_kind_and_id(rows):
    return sorted((typed(list(row)) for row in rows), key=json.dumps)


def recorded_periods(rows, versions):
    from progress.models import ReportingPeriod

    known = {int(pk) for pk in versions[ReportingPeriod]}
    return [row for row in rows if row[0] != "period" or row[1] in known]


def test_the_dated_progress_rows_are_the_rows_read_that_day(plan, edited):
    days, _ = edited
    for day, (progress, _knowledge, _bundle) in days.items():
        rows, _, versions = dated(plan, day)
        # Periods generated in bulk have no version: only the recorded one can be rebuilt.
        expected = recorded_periods(progress, versions)
        assert by_kind_and_id(rows) == by_kind_and_id(expected), day
    assert len(days) == DAYS


def test_the_dated_bundle_is_the_bundle_read_that_day(plan, edited):
    from progress.rollup import EMPTY, facts_from_rows

    days, world = edited
    for day, (_progress, _knowledge, bundle) in days.items():
        rows, _, versions = dated(plan, day)
        rebuilt = facts_from_rows(rows)
        assert rebuilt == bundle, day
        recorded = recorded_periods(
            [("period", p["id"], None, p) for p in bundle.periods], versions
        )
        assert rebuilt.periods == [row[3] for row in recorded]
    first, second, third = days
    strategy = node(plan, STRATEGY).pk
    action = node(plan, ACTION).pk

    def facts(day):
        return facts_from_rows(dated(plan, day)[0])

    # Published a day after the first update, dated before it: there from its publication.
    assert [u["id"] for u in facts(first).get(action, EMPTY).updates] == []
    assert [u["id"] for u in facts(second)[action].updates] == [world["u2"].pk]
    # The draft never counts: a pending row only.
    for day in (second, third):
        shown = facts(day)[strategy]
        assert world["draft"].pk not in [u["id"] for u in shown.updates + shown.corrected]
        assert [p["id"] for p in shown.pending] == [world["draft"].pk]
    # The correction supersedes; the agency's old name stays in the past.
    assert [u["id"] for u in facts(first)[strategy].corrected] == []
    assert [u["id"] for u in facts(second)[strategy].corrected] == [world["u1"].pk]
    names = {day: facts(day)[strategy].lead[0]["name_zh_hant"] for day in days}
    assert names == {first: "測試交通機關", second: "改名後的交通機關", third: "改名後的交通機關"}
    # The milestone withdrawn on the third day: in the history from then on.
    withdrawn = {day: [m["id"] for m in facts(day)[strategy].withdrawn] for day in days}
    assert withdrawn == {first: [], second: [], third: [world["m1"].pk]}
    # The supporting agency deleted on the third day: there until then, not after.
    supporting = {day: [a["code"] for a in facts(day)[strategy].support] for day in days}
    assert supporting == {first: ["test-housing"], second: ["test-housing"], third: []}
    # The period's label, edited on the second day, is absent before (no version then).
    assert facts(first).periods == []
    assert [p["label_zh_hant"] for p in facts(second).periods] == ["改過的期別"]


def knowledge_entries(rows, versions):
    """The live knowledge rows the versions can rebuild: entries recorded by then (the goals
    a migration loaded have none), links without their own row id (not recorded)."""
    from knowledge.asof import KNOWLEDGE_MODELS

    recorded = {
        (model._meta.model_name, int(pk)) for model in KNOWLEDGE_MODELS for pk in versions[model]
    }
    kept = []
    for kind, pk, node_id, data in rows:
        if kind.endswith("-item"):
            kept.append((kind, None, node_id, data))
        elif (kind, pk) in recorded:
            kept.append((kind, pk, node_id, data))
    return kept


def links(knowledge):
    return {
        node_id: sorted((entry.kind, entry.key) for entry in entries)
        for node_id, entries in knowledge.by_item.items()
    }


def test_the_dated_glossary_links_are_those_in_force_that_day(plan, edited):
    from knowledge.bundle import knowledge_from_rows

    days, world = edited
    action = node(plan, ACTION).pk
    term = world["term"].slug
    linked = {}
    for day, (_progress, knowledge, _bundle) in days.items():
        _, rows, versions = dated(plan, day)
        assert by_kind_and_id(rows) == by_kind_and_id(knowledge_entries(knowledge, versions))
        for language in ("zh-hant", "en"):
            then = knowledge_from_rows(rows, language)
            live = knowledge_from_rows(knowledge, language)
            assert links(then) == links(live), (day, language)
            assert [t.names for t in then.glossary.terms] == [t.names for t in live.glossary.terms]
        terms = knowledge_from_rows(rows, "zh-hant").of_item(action, "term")
        linked[day] = term in [entry.key for entry in terms]
    assert list(linked.values()) == [True, True, False]
    topics = {
        day: world["topic"]
        in [t.key for t in knowledge_from_rows(dated(plan, day)[1], "en").topics]
        for day in days
    }
    assert list(topics.values()) == [True, False, False]


def test_what_a_version_did_not_record_is_marked_not_filled_in(plan, edited):
    from plan.asof import end_of_day, latest_versions
    from progress.asof import PROGRESS_MODELS, UNRECORDED, progress_rows_at
    from progress.models import Agency, ProgressUpdate, Responsibility

    days, world = edited
    last = list(days)[-1]
    version = latest_versions(end_of_day(last), [ProgressUpdate])[ProgressUpdate][
        str(world["u2"].pk)
    ]
    stored = json.loads(version.serialized_data)
    for name in ("reason_en", "withdrawn_at"):  # as if added to the model later
        del stored[0]["fields"][name]
    version.serialized_data = json.dumps(stored)
    version.save()
    # An agency no revision recorded (made outside one), responsible in a recorded revision.
    unrecorded = Agency.objects.create(code="unrecorded", name_zh_hant="無紀錄機關")
    with time_machine.travel(asof_noon(last), tick=False):
        saved_in_revision(
            Responsibility(node=node(plan, ACTION), agency=unrecorded, role="support")
        )
    versions = latest_versions(end_of_day(last), PROGRESS_MODELS)
    rows = progress_rows_at(plan, versions, [node(plan, ACTION).pk])
    (u2,) = [data for kind, pk, _, data in rows if kind == "update" and pk == world["u2"].pk]
    assert u2[UNRECORDED] == ["reason_en", "withdrawn_at"]
    assert u2["reason_en"] is None and u2["withdrawn_at"] is None
    supporting = [data for kind, _, _, data in rows if kind == "responsibility"]
    (marked,) = [data for data in supporting if UNRECORDED in data]
    assert marked["code"] == "" and marked["name_zh_hant"] is None
    assert marked[UNRECORDED] == ["code", "name_en", "name_zh_hant", "url"]


# What changed between two dates -------------------------------------------------------------


class Side:
    """A dated view: what compare_progress reads."""

    def __init__(self, plan, day):
        from plan.asof import end_of_day
        from plan.tree import PlanTree
        from progress.rollup import facts_from_rows, roll_up

        self.day, self.moment = day, end_of_day(day)
        self.tree = PlanTree.load(plan)
        self.bundle = facts_from_rows(dated(plan, day)[0])
        self.progress = roll_up(self.tree, self.bundle, day)


def published_updates(*facts):
    return [{"id": f.pk, "date": f.date, "published_at": f.published_at} for f in facts]


def test_compare_progress_lists_targets_statuses_lights_and_updates(plan, edited):
    from progress.compare import compare_progress, summarise

    days, world = edited
    first, second, third = (Side(plan, day) for day in days)
    for fact in ("c1", "c2", "u2", "u3"):
        world[fact].refresh_from_db()
    changes = compare_progress(first, third)

    def light(ref, before, after):
        return {
            "kind": "light",
            "ref": ref,
            "node_id": node(plan, ref).pk,
            "values": {"before": before, "after": after},
        }

    def status(ref, before, after):
        return {**light(ref, before, after), "kind": "status"}

    target = {
        "kind": "target",
        "ref": STRATEGY,
        "node_id": node(plan, STRATEGY).pk,
        "values": {
            "key": "ridership",
            "name": {"zh-hant": "運量", "en": "Ridership"},
            "years": {
                "114": {"before": "140", "after": "130"},
                "115": {"before": "160", "after": "170"},
            },
            "lowered": True,
            "lowered_years": [114],
            "reason": {"zh-hant": "預算刪減", "en": "Budget cut"},
        },
    }

    def updates(ref, *facts):
        values = {"count": len(facts), "updates": published_updates(*facts)}
        return {"kind": "updates", "ref": ref, "node_id": node(plan, ref).pk, "values": values}

    assert changes == [
        light("goal", "green", "red"),
        light("livable", "green", "red"),
        light("social-housing", None, "yellow"),
        status(ACTION, None, "in_progress"),
        light(ACTION, None, "yellow"),
        updates(ACTION, world["u2"]),
        target,
        status(STRATEGY, "in_progress", "behind"),
        light(STRATEGY, "green", "red"),
        updates(STRATEGY, world["c1"], world["c2"], world["u3"]),
    ]
    assert summarise(changes) == {"target": 1, "status": 2, "light": 5, "updates": 4}
    # A day later: the correction published on the second day is no longer "in between".
    later = compare_progress(second, third)
    expected = [updates(STRATEGY, world["c2"], world["u3"])]
    assert [c for c in later if c["kind"] == "updates"] == expected
    assert compare_progress(third, third) == []


def test_an_entry_whose_version_did_not_record_its_items_links_none_and_says_so(plan, edited):
    from knowledge.asof import UNRECORDED, knowledge_rows_at
    from knowledge.models import Term
    from plan.asof import end_of_day, latest_versions

    days, world = edited
    first = list(days)[0]
    link = ("term-item", None, node(plan, ACTION).pk, {"term": world["term"].pk})

    def rows():
        versions = latest_versions(end_of_day(first), [Term])
        return knowledge_rows_at(plan, versions, [node(plan, ACTION).pk])

    assert link in rows()  # the first day's version links it
    version = latest_versions(end_of_day(first), [Term])[Term][str(world["term"].pk)]
    stored = json.loads(version.serialized_data)
    for name in ("related", "pinyin"):  # as if added to the model later
        del stored[0]["fields"][name]
    version.serialized_data = json.dumps(stored)
    version.save()
    found = rows()
    (entry,) = [data for kind, pk, _, data in found if kind == "term" and pk == world["term"].pk]
    assert entry[UNRECORDED] == ["pinyin", "related"] and entry["pinyin"] is None
    assert link not in found


# Without the scenario: the loaded plan alone.


@pytest.mark.parametrize("direction", ["increase", "decrease", "milestone"])
def test_lowered_uses_the_rule_of_the_models_check(plan, direction):
    from progress.compare import weakened_years
    from progress.models import Indicator

    strategy = node(plan, STRATEGY)
    before = {"112": {"target": "10"}, "113": {"target": "10"}, "114": {"target": "10"}}
    after = {"112": {"target": "9"}, "113": {"target": "11"}, "114": {"target": "10"}}
    published_one = Indicator(node=strategy, direction=direction, values=before)
    revision = Indicator(node=strategy, direction=direction, values=after)
    years = range(plan.term_start_roc, plan.term_end_roc + 1)
    expected = revision.weakened_targets(published_one)
    assert weakened_years(direction, before, after, years) == expected
    assert expected == ([112] if direction == "increase" else [113])
