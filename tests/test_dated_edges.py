"""The plan at any date at the edges of its record (issue 24, from an attack on it): a
publication date before the first record, an erased correction, an item hidden and shown
again, text an ODT cannot hold, days written another way, the comparison's language switch,
the Simplified reading's budget, a plan with nothing recorded. Each test failed before its fix.
"""

import io
import json
from datetime import date, datetime, time, timedelta

import pytest
import reversion
import time_machine
from django.core.management import call_command
from django.utils import timezone

from plan.models import Plan
from tests.factories import (
    ASOF_DATE_1,
    REPORTING_TODAY,
    SLUG,
    asof_first_day,
    cold_count,
    make_agencies,
    node,
    published_after_review,
    report_an_exception,
    save_in_admin_revision,
    saved_in_revision,
    staff,
    update_draft,
    write_snapshot,
)


def at(day, h=12):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(h))), tick=False)


def _edit_day(loaded):
    d0 = asof_first_day()
    with at(d0):
        save_in_admin_revision(node(loaded, "mrt-network"), title_zh_hant="改一下")
    return d0


def test_a_publication_date_before_the_record_keeps_the_defaults(loaded, client):
    d0 = asof_first_day()
    with at(d0):
        plan = Plan.objects.get(slug=SLUG)
        plan.published_on = date(2023, 1, 1)
        saved_in_revision(plan)
    with at(d0 + timedelta(days=2)):
        assert client.get(f"/{SLUG}/compare/").status_code == 200
        assert client.get(f"/data/{SLUG}/compare.json").status_code == 200
        call_command("compare_plan", SLUG, stdout=io.StringIO())


@pytest.mark.snapshot
@pytest.mark.django_db(transaction=True)
def test_the_snapshot_with_a_publication_date_before_the_record(
    without_plan, tmp_path, plan_file_data
):
    from plan.exchange import create_plan
    from plan.history import record_loaded

    plan = create_plan(plan_file_data)
    record_loaded(plan, "kaohsiung-112-115.json")
    plan.published_on = date(2023, 1, 1)
    plan.save()

    write_snapshot(tmp_path / "site")


def a_published_update(plan, ref, agency):
    """`agency`'s update of the item `ref` (dated ASOF_DATE_1, in progress, 40 %), published
    after review."""
    fields = {"date": ASOF_DATE_1, "status": "in_progress", "percent": 40, "agency": agency}
    return published_after_review(update_draft(plan, ref, **fields))


def test_an_erased_correction_leaves_the_record_right(loaded, client):
    from progress.review import correction, erase

    d = [asof_first_day() + timedelta(days=i) for i in range(4)]
    root = staff("root-x", is_superuser=True)
    with at(d[0]):
        transport, _ = make_agencies()
        with reversion.create_revision():
            transport.save()
        u1 = a_published_update(loaded, "mrt-network", transport)
    with at(d[1]):
        c = correction(u1)
        c.percent = 45
        c1 = published_after_review(c)
    with at(d[2]):
        erase(c1, root)
    with at(d[2], 23):
        said = client.get(f"/data/{SLUG}.json").content
    with at(d[3]):
        assert client.get(f"/data/{SLUG}.json?as_of={d[2]}").content == said


def test_an_item_shown_again_brings_back_no_new_updates(loaded, client):
    d = [asof_first_day() + timedelta(days=i) for i in range(4)]
    with at(d[0]):
        _, housing = make_agencies()
        a_published_update(loaded, "social-housing", housing)
    with at(d[1]):
        save_in_admin_revision(node(loaded, "social-housing"), published=False)
    with at(d[2]):
        save_in_admin_revision(node(loaded, "social-housing"), published=True)
    with at(d[3]):
        found = json.loads(client.get(f"/data/{SLUG}/compare.json?from={d[1]}&to={d[2]}").content)
    assert found["summary"]["updates"] == 0


def test_text_xml_cannot_hold_does_not_break_the_odt(sample, client):
    from progress.models import ProgressUpdate

    with time_machine.travel(REPORTING_TODAY, tick=False):
        report_an_exception(sample)
        update = ProgressUpdate.objects.get(summary_zh_hant="捷運黃線用地協議延宕")
        update.reason_zh_hant = "第一行\x0b第二行"
        update.save()  # the exceptions table prints reason and remedy
        assert client.get(f"/{SLUG}/progress/114q3.odt").status_code == 200


def test_a_day_is_written_yyyy_mm_dd_only(loaded, client):
    d0 = _edit_day(loaded)
    y, w, wd = d0.isocalendar()
    week = f"{y}-W{w:02d}-{wd}"
    with at(d0 + timedelta(days=2)):
        assert client.get(f"/{SLUG}/as-of/{week}/").status_code == 404
        assert client.get(f"/data/{SLUG}/compare.json?from={week}").status_code == 400
        assert client.get(f"/data/{SLUG}.json?as_of={week}").status_code == 404


def test_the_comparisons_language_switch_keeps_the_days(loaded, client):
    d0 = _edit_day(loaded)
    with at(d0 + timedelta(days=2)):
        html = client.get(
            f"/{SLUG}/compare/?from={d0}&to={d0 + timedelta(days=1)}"
        ).content.decode()
    assert f'href="/en/{SLUG}/compare/?from={d0}&amp;to={d0 + timedelta(days=1)}"' in html


def test_a_simplified_dated_page_keeps_the_budget(loaded, client):
    """The conversion keeps that day's glossary names, read with the day (no query more)."""
    d0 = _edit_day(loaded)
    with at(d0 + timedelta(days=2)):
        client.get(f"/{SLUG}/as-of/{d0}/")  # warm Django's ContentType cache
        assert cold_count(client, f"/zh-hans/{SLUG}/as-of/{d0}/mrt-network/") <= 6


def test_compare_json_of_a_plan_with_nothing_recorded(plan, client):
    response = client.get(f"/data/{SLUG}/compare.json")
    # Not "from is a date" (400): there is no day to compare, said as the page says it.
    assert response.status_code == 404
