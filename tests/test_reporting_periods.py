"""The reporting routine's rules (progress.periods): the calendar, the first reporting period,
what each lead agency owes in a period and its state, stale items, signing a period off, and
`manage.py reporting_periods`."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from plan.models import PlanNode
from plan.tree import PlanTree
from progress import periods
from progress.models import Agency, ProgressUpdate, ReportingPeriod, Responsibility, Schedule
from progress.roles import AGENCY_EDITOR, REVIEWER
from progress.rollup import read_bundle

from .factories import node, staff


def test_the_default_calendar_is_quarterly_with_the_deadline_on_the_10th():
    specs = periods.propose(112, 115)
    assert len(specs) == 16
    first, last = specs[0], specs[-1]
    assert (first.slug, first.label_zh_hant, first.label_en) == ("112q1", "112年第1季", "2023 Q1")
    assert (first.start, first.end, first.deadline) == (
        date(2023, 1, 1),
        date(2023, 3, 31),
        date(2023, 4, 10),
    )
    # The fourth quarter's deadline is in the next year.
    assert (last.slug, last.end, last.deadline) == ("115q4", date(2026, 12, 31), date(2027, 1, 10))
    assert [s.end for s in specs[:4]] == [
        date(2023, 3, 31),
        date(2023, 6, 30),
        date(2023, 9, 30),
        date(2023, 12, 31),
    ]


def test_half_years_and_a_deadline_day_beyond_the_month():
    specs = periods.propose(115, 115, periods.HALF_YEARLY, deadline_day=31)
    assert [(s.slug, s.label_zh_hant, s.label_en) for s in specs] == [
        ("115h1", "115年上半年", "2026 H1"),
        ("115h2", "115年下半年", "2026 H2"),
    ]
    # July has 31 days; January 2027 too; a 30th-only month would take its last day.
    assert [s.deadline for s in specs] == [date(2026, 7, 31), date(2027, 1, 31)]
    assert periods.propose(115, 115, deadline_day=31)[0].deadline == date(2026, 4, 30)
    with pytest.raises(ValueError):
        periods.propose(115, 115, "monthly")
    with pytest.raises(ValueError):
        periods.propose(115, 115, deadline_day=0)


def test_the_plan_ships_with_its_calendar_and_no_first_reporting_period(plan):
    slugs = list(ReportingPeriod.objects.filter(plan=plan).values_list("slug", flat=True))
    assert slugs == [f"{year}q{q}" for year in range(112, 116) for q in range(1, 5)]
    assert plan.first_reporting_period == ""
    bundle = read_bundle(plan)
    assert [p["slug"] for p in bundle.periods] == slugs
    # A calendar, not a commitment: nothing is owed, nothing is stale, whatever the date.
    tree = PlanTree.load(plan)
    for period in bundle.periods:
        lines = periods.obligations(tree, bundle, period, date(2026, 12, 3))
        assert {line.state for line in lines} == {periods.NOT_OWED}
    assert periods.stale_nodes(tree, bundle, date(2026, 12, 3)) == set()


def test_generating_again_keeps_the_periods_and_their_edits(plan):
    period = ReportingPeriod.objects.get(plan=plan, slug="115q3")
    period.deadline = date(2026, 10, 20)
    period.save()
    assert periods.generate(plan) == []
    period.refresh_from_db()
    assert period.deadline == date(2026, 10, 20)
    ReportingPeriod.objects.filter(plan=plan, slug="115q4").delete()
    (created,) = periods.generate(plan)
    assert created.slug == "115q4"
    # Another rule would make periods overlapping these: an update must count for one only.
    with pytest.raises(ValueError, match="overlap"):
        periods.generate(plan, periods.HALF_YEARLY)
    assert not ReportingPeriod.objects.filter(plan=plan, slug__contains="h").exists()


def test_period_states_follow_the_taipei_calendar(plan):
    period = ReportingPeriod.objects.get(plan=plan, slug="115q3")
    assert periods.state(period, date(2026, 6, 30)) == periods.UPCOMING
    assert periods.state(period, date(2026, 7, 1)) == periods.OPEN
    # The deadline is the end of its day: still open on it, closed the day after.
    assert periods.state(period, date(2026, 10, 10)) == periods.OPEN
    assert periods.state(period, date(2026, 10, 11)) == periods.CLOSED
    # Between a period's end and its deadline two periods are open, nearest deadline first.
    everything = list(ReportingPeriod.objects.filter(plan=plan))
    found = periods.open_periods(everything, "112q1", date(2026, 10, 5))
    assert [p.slug for p in found] == ["115q3", "115q4"]
    assert periods.open_periods(everything, "", date(2026, 10, 5)) == []


@pytest.fixture
def routine(plan):
    """Two agencies leading a strategy with action items, one of them, and a plain strategy;
    reporting from 115q2."""
    ours = Agency.objects.create(code="ours", name_zh_hant="本局")
    theirs = Agency.objects.create(code="theirs", name_zh_hant="他局")
    housing = node(plan, "social-housing")  # a strategy with action items
    supply = PlanNode.objects.get_children(housing).first()
    metro = node(plan, "mrt-network")
    for item, agency in ((housing, ours), (supply, ours), (supply, theirs), (metro, theirs)):
        Responsibility.objects.create(node=item, agency=agency, role="lead")
    periods.set_first_reporting_period(plan, "115q2", user=None)
    return {"plan": plan, "ours": ours, "theirs": theirs, "housing": housing, "supply": supply}


def update(item, day, agency, state="published", percent=None, status="in_progress"):
    return ProgressUpdate.objects.create(
        node=item,
        date=day,
        status=status,
        percent=None if percent is None else Decimal(percent),
        summary_zh_hant="進度說明",
        source="高市府字第1號",
        agency=agency,
        state=state,
    )


def lines_of(plan, slug, today):
    bundle = read_bundle(plan)
    tree = PlanTree.load(plan)
    period = periods.find(bundle.periods, slug)
    return {
        (line.node.ref, line.agency): line.state
        for line in periods.obligations(tree, bundle, period, today)
        if line.agency
    }


def test_each_lead_agency_owes_its_update_from_the_first_reporting_period(routine):
    plan, supply = routine["plan"], routine["supply"]
    assert set(lines_of(plan, "115q1", date(2026, 5, 1)).values()) == {periods.NOT_OWED}
    states = lines_of(plan, "115q2", date(2026, 7, 1))
    assert states == {
        ("social-housing", "ours"): periods.OWED,
        (supply.ref, "ours"): periods.OWED,
        (supply.ref, "theirs"): periods.OWED,
        ("mrt-network", "theirs"): periods.OWED,
    }
    # A draft waiting, a returned one, a published one; the deadline passes.
    update(supply, date(2026, 6, 30), routine["ours"], state="draft")
    update(supply, date(2026, 6, 1), routine["theirs"], state="returned")
    update(node(plan, "mrt-network"), date(2026, 5, 31), routine["theirs"], percent=30)
    states = lines_of(plan, "115q2", date(2026, 7, 10))
    assert states[(supply.ref, "ours")] == periods.SUBMITTED
    assert states[(supply.ref, "theirs")] == periods.RETURNED
    assert states[("mrt-network", "theirs")] == periods.PUBLISHED
    assert states[("social-housing", "ours")] == periods.OWED
    after = lines_of(plan, "115q2", date(2026, 7, 11))
    assert after[(supply.ref, "ours")] == periods.SUBMITTED  # still waiting for review
    assert after[(supply.ref, "theirs")] == periods.OVERDUE  # returned, nothing waiting
    assert after[("social-housing", "ours")] == periods.OVERDUE
    # An update dated outside the period does not count for it.
    update(node(plan, "social-housing"), date(2026, 7, 1), routine["ours"], percent=10)
    assert lines_of(plan, "115q2", date(2026, 7, 11))[("social-housing", "ours")] == (
        periods.OVERDUE
    )


def test_nothing_is_owed_after_completion_while_suspended_or_outside_the_schedule(routine):
    plan, supply, ours = routine["plan"], routine["supply"], routine["ours"]
    metro = node(plan, "mrt-network")
    update(metro, date(2026, 3, 1), routine["theirs"], percent=100, status="completed")
    Schedule.objects.create(node=supply, planned_start=date(2026, 7, 1))
    update(node(plan, "social-housing"), date(2026, 4, 2), ours, status="suspended")
    states = lines_of(plan, "115q3", date(2026, 10, 1))
    assert states[("mrt-network", "theirs")] == periods.NOT_OWED
    assert states[("social-housing", "ours")] == periods.NOT_OWED
    assert states[(supply.ref, "ours")] == periods.OWED
    # Before its planned start the action item owes nothing.
    assert lines_of(plan, "115q2", date(2026, 7, 1))[(supply.ref, "ours")] == periods.NOT_OWED


def test_a_strategy_owes_its_own_update_only_while_its_own_figure_counts(routine):
    plan, supply = routine["plan"], routine["supply"]
    assert lines_of(plan, "115q3", date(2026, 8, 1))[("social-housing", "ours")] == periods.OWED
    # Once an action item reports a percent, the strategy stands for its action items.
    update(supply, date(2026, 6, 15), routine["theirs"], percent=20)
    assert lines_of(plan, "115q3", date(2026, 8, 1))[("social-housing", "ours")] == (
        periods.NOT_OWED
    )


def test_an_update_naming_no_agency_counts_for_every_lead_agency(routine):
    plan, supply = routine["plan"], routine["supply"]
    update(supply, date(2026, 5, 1), None, percent=5)
    states = lines_of(plan, "115q2", date(2026, 7, 1))
    assert states[(supply.ref, "ours")] == states[(supply.ref, "theirs")] == periods.PUBLISHED


def test_stale_items_owed_in_the_last_closed_period_without_a_later_update(routine):
    plan, supply = routine["plan"], routine["supply"]
    metro = node(plan, "mrt-network")
    update(metro, date(2026, 4, 30), routine["theirs"], percent=40)
    bundle = read_bundle(plan)
    tree = PlanTree.load(plan)
    # Before 115q2's deadline no reporting period has closed: nothing is stale.
    assert periods.stale_nodes(tree, bundle, date(2026, 7, 10)) == set()
    stale = periods.stale_nodes(tree, bundle, date(2026, 7, 11))
    assert stale == {node(plan, "social-housing").pk, supply.pk}
    # A published update dated in the period or later ends it (a draft does not).
    update(supply, date(2026, 7, 20), routine["ours"], percent=10)
    update(node(plan, "social-housing"), date(2026, 7, 20), routine["ours"], state="draft")
    stale = periods.stale_nodes(tree, read_bundle(plan), date(2026, 7, 21))
    assert stale == {node(plan, "social-housing").pk}


def test_signing_off_keeps_the_report_as_it_stood(routine):
    plan, supply = routine["plan"], routine["supply"]
    reviewer = staff("reviewer", REVIEWER)
    editor = staff("editor", AGENCY_EDITOR)
    update(supply, date(2026, 6, 30), routine["ours"], percent=35)
    period = ReportingPeriod.objects.get(plan=plan, slug="115q2")
    with pytest.raises(PermissionDenied):
        periods.sign_off(period, editor, date(2026, 7, 11))
    early = ReportingPeriod.objects.get(plan=plan, slug="115q1")
    with pytest.raises(ValueError, match="first reporting period"):
        periods.sign_off(early, reviewer, date(2026, 7, 11))
    periods.sign_off(period, reviewer, date(2026, 7, 11))
    period.refresh_from_db()
    assert period.signed_off_by == reviewer and period.signed_off_at is not None
    kept = {(line["ref"], line["agency"]): line for line in period.report}
    assert kept[(supply.ref, "ours")]["obligation"] == "published"
    assert kept[(supply.ref, "ours")]["percent"] == "35"
    # The update names "ours": "theirs" still owed its own and is overdue.
    assert kept[(supply.ref, "theirs")]["obligation"] == "overdue"
    assert kept[("social-housing", "ours")]["obligation"] == "not_owed"
    assert kept[("mrt-network", "theirs")]["obligation"] == "overdue"
    # Later facts do not change the record; it is signed off once.
    update(node(plan, "mrt-network"), date(2026, 6, 1), routine["theirs"], percent=50)
    period.refresh_from_db()
    assert kept == {(line["ref"], line["agency"]): line for line in period.report}
    with pytest.raises(ValueError, match="already"):
        periods.sign_off(period, reviewer, date(2026, 7, 12))
    assert periods.state(period, date(2026, 7, 12)) == periods.SIGNED_OFF


def test_the_command_lists_generates_and_sets_the_first_period(plan):
    out = StringIO()
    call_command("reporting_periods", plan.slug, stdout=out)
    text = out.getvalue()
    assert "first reporting period: (not set)" in text
    assert text.count("(before the first reporting period)") == 16
    out = StringIO()
    call_command("reporting_periods", plan.slug, first="115q1", stdout=out)
    plan.refresh_from_db()
    assert plan.first_reporting_period == "115q1"
    assert out.getvalue().count("(before the first reporting period)") == 12
    with pytest.raises(CommandError, match="no reporting period"):
        call_command("reporting_periods", plan.slug, first="999q1", stdout=StringIO())
    with pytest.raises(CommandError, match="overlap"):
        call_command("reporting_periods", plan.slug, generate="half-yearly", stdout=StringIO())
    call_command("reporting_periods", plan.slug, first="none", stdout=StringIO())
    plan.refresh_from_db()
    assert plan.first_reporting_period == ""
    with pytest.raises(CommandError, match="no plan"):
        call_command("reporting_periods", "no-such-plan", stdout=StringIO())


def test_only_reviewers_set_the_first_reporting_period(plan):
    with pytest.raises(PermissionDenied):
        periods.set_first_reporting_period(plan, "115q1", staff("editor", AGENCY_EDITOR))
    periods.set_first_reporting_period(plan, "115q1", staff("reviewer", REVIEWER))
    plan.refresh_from_db()
    assert plan.first_reporting_period == "115q1"


def test_the_pending_drafts_reach_the_bundle_without_their_content(routine):
    supply = routine["supply"]
    update(supply, date(2026, 6, 30), routine["ours"], state="draft", percent=99)
    (row,) = read_bundle(routine["plan"])[supply.pk].pending
    assert set(row) == {"id", "kind", "date", "state", "agency"}
    assert read_bundle(routine["plan"])[supply.pk].updates == []
