"""The reporting routine's staff side (issue 22) in the admin, with the test client: the
periods (each role's rights), generating them, the first reporting period, sign-off, the
period's page by agency, and the agency editor's own page 我的填報 (what is owed, returned,
submitted, published; the pre-filled and copied update forms; days left in Taipei).

The clock: the pages ask progress.admin.reporting.today(); most tests set it to a day, one
sets Django's clock itself to instants around a deadline (a deadline is the end of that day
in Taipei).

Over 400 lines, one job: the routine's staff side, whose tests share one clock and the roles'
fixtures.
"""

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from plan.models import Plan
from progress import periods
from progress.admin import reporting
from progress.models import ProgressUpdate, ReportingPeriod

from .factories import an_update_of_ours, staff, update_form_data

PERIODS = "/admin/progress/reportingperiod/"
MINE = f"{PERIODS}mine/"
GENERATE = f"{PERIODS}generate/"
# 2025-07-05: 114q1 is closed (deadline 4/10), 114q2 is open (deadline 7/10, 5 days left)
# and so is 114q3 (started 7/1, deadline 10/10).
TODAY = date(2025, 7, 5)


@pytest.fixture
def on_day(monkeypatch):
    """Set the day the pages count from (Taipei)."""

    def set_day(day):
        monkeypatch.setattr(reporting, "today", lambda: day)

    set_day(TODAY)
    return set_day


@pytest.fixture
def world(progress_world, on_day):
    """progress_world (our agency leads its first strategy, theirs the second; one published
    update of ours dated 2025-03-31) with reporting started at 114q1, and a returned draft of
    ours in 114q2."""
    world = progress_world
    plan = world["plan"]
    periods.set_first_reporting_period(plan, "114q1", world["reviewer"])
    world["returned"] = an_update_of_ours(
        world,
        date=date(2025, 6, 30),
        percent=55,
        summary_zh_hant="第二期工程進行中",
        source="https://example.gov.tw/q2",
        state="returned",
        review_comment="請補上公文字號。",
    )
    world["returned"].save()
    world["period"] = {p.slug: p for p in ReportingPeriod.objects.filter(plan=plan)}
    return world


def period_url(world, slug, page=""):
    pk = world["period"][slug].pk
    return f"{PERIODS}{pk}/{page}" if page else f"{PERIODS}{pk}/change/"


def signed_in(client, user):
    client.force_login(user)
    return client


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def lines_of(response):
    """{(period slug, section key): [Line]} of the obligations page."""
    found = {}
    for work in response.context["plans"]:
        for period in work.periods:
            for key, _heading, lines in period.sections:
                found[period.period.slug, key] = lines
    return found


# The agency editor's page ------------------------------------------------------------------


def test_the_editor_sees_own_agency_open_periods_nearest_deadline_first(client, world):
    response = signed_in(client, world["editor"]).get(MINE)
    assert response.status_code == 200
    html = response.content.decode()
    [work] = response.context["plans"]
    assert [p.period.slug for p in work.periods] == ["114q2", "114q3"]
    assert [p.days_left for p in work.periods] == [5, 97]
    assert [p.state for p in work.periods] == [periods.OPEN, periods.OPEN]
    assert html.index("114年第2季") < html.index("114年第3季")
    # Only their agency: the other agency's item and its overdue 114q1 are not shown.
    assert response.context["agencies"] == [world["ours"]]
    assert world["their_item"].title_zh_hant not in html
    assert "他局" not in html
    lines = lines_of(response)
    assert [line.obligation.state for line in lines["114q2", "returned"]] == ["returned"]
    assert [line.obligation.state for line in lines["114q3", "owed"]] == ["owed"]
    assert all(line.agency == world["ours"] for found in lines.values() for line in found)


def test_a_returned_draft_shows_the_reviewers_comment_and_links_to_the_draft(client, world):
    html = signed_in(client, world["editor"]).get(MINE).content.decode()
    assert "請補上公文字號。" in html
    assert f"/admin/progress/progressupdate/{world['returned'].pk}/change/" in html


def test_what_is_submitted_and_published_is_listed_with_its_link(client, world):
    world["returned"].state = "draft"
    world["returned"].save()
    response = signed_in(client, world["editor"]).get(
        f"{MINE}?period={world['period']['114q1'].pk}"
    )
    lines = lines_of(response)
    published = lines["114q1", "published"]
    assert [line.published_url for line in published] == [
        f"/admin/progress/progressupdate/{world['update'].pk}/change/"
    ]
    submitted = lines_of(signed_in(client, world["editor"]).get(MINE))["114q2", "submitted"]
    assert submitted[0].drafts[0][1].endswith(f"/{world['returned'].pk}/change/")


def test_the_update_form_opens_pre_filled_with_item_agency_and_period_end(client, world):
    signed_in(client, world["editor"])
    owed = lines_of(client.get(MINE))["114q3", "owed"][0]
    assert query(owed.add_url) == {
        "node": str(world["our_item"].pk),
        "agency": str(world["ours"].pk),
        "date": "2025-09-30",
    }
    response = client.get(owed.add_url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["node"] == str(world["our_item"].pk)
    assert form.initial["agency"] == str(world["ours"].pk)
    html = response.content.decode()
    assert f'<option value="{world["our_item"].pk}" selected>' in html
    assert 'value="2025-09-30"' in html


def test_copy_last_period_creates_nothing_until_the_form_is_saved(client, world):
    signed_in(client, world["editor"])
    owed = lines_of(client.get(MINE))["114q3", "owed"][0]
    assert owed.copy_url
    before = ProgressUpdate.objects.count()
    response = client.get(owed.copy_url)
    assert response.status_code == 200
    assert ProgressUpdate.objects.count() == before
    initial = response.context["adminform"].form.initial
    assert initial["summary_zh_hant"] == "第一期工程發包"
    assert initial["source"] == "https://example.gov.tw/report"
    assert initial["status"] == "in_progress" and initial["percent"] == "40"
    assert initial["date"] == "2025-09-30"
    assert initial["node"] == str(world["our_item"].pk)
    # The form posts to the ordinary add form: saved, it is a new draft of the editor's.
    assert 'action="/admin/progress/progressupdate/add/"' in response.content.decode()
    data = update_form_data(world["update"], date="2025-09-30", percent="60")
    saved = client.post("/admin/progress/progressupdate/add/", data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert ProgressUpdate.objects.count() == before + 1
    new = ProgressUpdate.objects.latest("pk")
    assert new.state == "draft" and new.submitted_by == world["editor"]
    assert world["update"].state == "published"


def test_copy_refuses_another_agencys_item(client, world):
    url = reverse(
        "admin:progress_reportingperiod_copy",
        args=[world["period"]["114q3"].pk, world["their_item"].pk, world["theirs"].pk],
    )
    assert signed_in(client, world["editor"]).get(url).status_code == 403


def test_the_editor_cannot_open_another_agencys_obligations(client, world):
    signed_in(client, world["editor"])
    assert client.get(f"{MINE}?agency=theirs").status_code == 403
    assert client.get(f"{MINE}?agency=ours").status_code == 200


def test_before_the_first_reporting_period_nothing_is_owed(client, progress_world, on_day):
    signed_in(client, progress_world["editor"])
    response = client.get(MINE)
    assert response.status_code == 200
    [work] = response.context["plans"]
    assert not work.started and work.periods == []
    html = response.content.decode()
    assert "/admin/progress/progressupdate/add/?" not in html
    index = client.get("/admin/")
    assert index.status_code == 200
    assert index.context["reporting"]["plans"][0].started is False
    assert MINE in index.content.decode()


def test_the_admin_index_shows_the_editor_what_is_owed(client, world):
    response = signed_in(client, world["editor"]).get("/admin/")
    assert response.status_code == 200
    [work] = response.context["reporting"]["plans"]
    assert [(p.period.slug, p.days_left, p.counts) for p in work.periods] == [
        ("114q2", 5, {"returned": 1}),
        ("114q3", 97, {"owed": 1}),
    ]
    assert MINE in response.content.decode()


@pytest.mark.parametrize(
    ("instant", "days_left", "state"),
    [
        # 2025-07-10 23:59:59 in Taipei (UTC+8): the deadline's last second, due today.
        (datetime(2025, 7, 10, 15, 59, 59, tzinfo=UTC), 0, "returned"),
        # One second later it is 7/11 in Taipei (still 7/10 in UTC): overdue.
        (datetime(2025, 7, 10, 16, 0, 0, tzinfo=UTC), None, "overdue"),
        # 7/9 16:00 UTC is already the 10th in Taipei.
        (datetime(2025, 7, 9, 16, 0, 0, tzinfo=UTC), 0, "returned"),
        (datetime(2025, 7, 9, 15, 59, 59, tzinfo=UTC), 1, "returned"),
    ],
)
def test_days_left_are_counted_in_taipei(client, world, monkeypatch, instant, days_left, state):
    monkeypatch.undo()  # the clock itself, not a fixed day
    monkeypatch.setattr("django.utils.timezone.now", lambda: instant)
    response = signed_in(client, world["editor"]).get(MINE)
    [work] = response.context["plans"]
    q2 = next(p for p in work.periods if p.period.slug == "114q2")
    if days_left is None:
        assert q2.state == periods.CLOSED and q2.days_left == -1
        assert work.periods[0].period.slug == "114q3"  # the open one first
    else:
        assert q2.state == periods.OPEN and q2.days_left == days_left
        assert work.periods[0] is q2
    lines = [line for _key, _heading, found in q2.sections for line in found]
    assert [line.obligation.state for line in lines] == [state]


# The periods' admin: who may do what --------------------------------------------------------


def test_an_agency_editor_sees_periods_but_cannot_change_them(client, world):
    signed_in(client, world["editor"])
    listing = client.get(PERIODS)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "114年第3季" in html
    assert GENERATE not in html and "/by-agency/" not in html
    change = client.get(period_url(world, "114q3"))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert "/sign-off/" not in change.content.decode()
    label = world["period"]["114q3"].label_zh_hant
    data = {
        "label_zh_hant": "改名",
        "label_en": "",
        "start": "2025-07-01",
        "end": "2025-09-30",
        "deadline": "2025-10-10",
    }
    assert client.post(period_url(world, "114q3"), data).status_code == 403
    assert ReportingPeriod.objects.get(slug="114q3").label_zh_hant == label
    for page in ("by-agency/", "first/", "sign-off/"):
        assert client.get(period_url(world, "114q1", page)).status_code == 403
        assert client.post(period_url(world, "114q1", page), {"confirm": "yes"}).status_code == 403
    assert client.get(GENERATE).status_code == 403
    assert client.post(GENERATE, {"plan": world["plan"].pk, "rule": "quarterly"}).status_code == 403
    assert client.get(f"{PERIODS}add/").status_code == 403
    assert client.get(period_url(world, "114q3", "delete/")).status_code == 403
    assert ReportingPeriod.objects.get(slug="114q1").signed_off_at is None


def test_a_reviewer_edits_a_periods_dates_but_never_into_another(client, world):
    signed_in(client, world["reviewer"])
    url = period_url(world, "114q3")
    data = {
        "label_zh_hant": "114年第3季（修訂）",
        "label_en": "2025 Q3",
        "start": "2025-07-01",
        "end": "2025-09-30",
        "deadline": "2025-10-15",
    }
    assert client.post(url, data).status_code == 302
    edited = ReportingPeriod.objects.get(slug="114q3")
    assert edited.deadline == date(2025, 10, 15) and edited.label_zh_hant.endswith("（修訂）")
    overlapping = client.post(url, {**data, "start": "2025-06-01"})
    assert overlapping.status_code == 200
    assert "114年第2季" in str(overlapping.context["adminform"].form.non_field_errors())
    assert ReportingPeriod.objects.get(slug="114q3").start == date(2025, 7, 1)


def test_a_reviewer_generates_periods_keeping_the_existing_ones(client, world):
    signed_in(client, world["reviewer"])
    plan = world["plan"]
    assert client.get(GENERATE).status_code == 200
    # Half-years would overlap the quarters: said on the form, nothing made.
    count = ReportingPeriod.objects.count()
    refused = client.post(GENERATE, {"plan": plan.pk, "rule": "half-yearly", "deadline_day": 10})
    assert refused.status_code == 200
    assert "112q1" in str(refused.context["form"].non_field_errors())
    assert ReportingPeriod.objects.count() == count
    # A removed period comes back; the others keep their edits.
    ReportingPeriod.objects.filter(slug="115q3").update(label_zh_hant="第三季（自訂）")
    deleted = client.post(period_url(world, "115q4", "delete/"), {"post": "yes"})
    assert deleted.status_code == 302
    assert not ReportingPeriod.objects.filter(slug="115q4").exists()
    made = client.post(GENERATE, {"plan": plan.pk, "rule": "quarterly", "deadline_day": 15})
    assert made.status_code == 302
    assert ReportingPeriod.objects.count() == count
    assert ReportingPeriod.objects.get(slug="115q4").deadline == date(2027, 1, 15)
    assert ReportingPeriod.objects.get(slug="115q3").label_zh_hant == "第三季（自訂）"


def test_a_reviewer_sets_the_first_reporting_period_after_a_confirmation(client, world):
    signed_in(client, world["reviewer"])
    url = period_url(world, "114q3", "first/")
    page = client.get(url)
    assert page.status_code == 200
    assert "114年第3季" in page.content.decode()
    assert page.context["current"].slug == "114q1"
    assert Plan.objects.get(pk=world["plan"].pk).first_reporting_period == "114q1"
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert Plan.objects.get(pk=world["plan"].pk).first_reporting_period == "114q3"
    assert LogEntry.objects.filter(object_id=str(world["period"]["114q3"].pk)).exists()
    # The first reporting period is not deleted (that would end the routine).
    assert client.get(period_url(world, "114q3", "delete/")).status_code == 403


def test_the_list_action_leads_to_the_same_confirmation(client, world):
    signed_in(client, world["reviewer"])
    pk = world["period"]["114q2"].pk
    response = client.post(
        PERIODS, {"action": "set_first_selected", "_selected_action": [pk], "index": 0}
    )
    assert response.status_code == 302
    assert response["Location"] == period_url(world, "114q2", "first/")


def test_a_reviewer_signs_off_a_closed_period_once(client, world):
    signed_in(client, world["reviewer"])
    q1 = world["period"]["114q1"]
    page = client.get(period_url(world, "114q1", "sign-off/"))
    assert page.status_code == 200
    assert (
        client.post(period_url(world, "114q1", "sign-off/"), {"confirm": "yes"}).status_code == 302
    )
    q1.refresh_from_db()
    assert q1.signed_off_at is not None and q1.signed_off_by == world["reviewer"]
    report = {(line["ref"], line["agency"]): line["obligation"] for line in q1.report}
    assert report[world["our_item"].ref, "ours"] == "published"
    assert report[world["their_item"].ref, "theirs"] == "overdue"
    signed_at = q1.signed_off_at
    # A second sign-off is refused and changes nothing.
    again = client.post(period_url(world, "114q1", "sign-off/"), {"confirm": "yes"}, follow=True)
    assert "114年第1季" in again.content.decode()
    q1.refresh_from_db()
    assert q1.signed_off_at == signed_at
    # Signed off: a record, neither changed nor deleted.
    assert client.post(period_url(world, "114q1"), {"label_zh_hant": "x"}).status_code == 403
    assert client.get(period_url(world, "114q1", "delete/")).status_code == 403
    assert "/sign-off/" not in client.get(period_url(world, "114q1", "by-agency/")).content.decode()


def test_an_open_period_or_one_before_reporting_started_is_not_signed_off(client, world):
    signed_in(client, world["reviewer"])
    for slug in ("114q2", "113q4"):
        response = client.post(period_url(world, slug, "sign-off/"), {"confirm": "yes"})
        assert response.status_code == 302
        assert ReportingPeriod.objects.get(slug=slug).signed_off_at is None


def test_the_period_page_counts_by_agency_each_count_a_filtered_list(client, world):
    signed_in(client, world["reviewer"])
    response = client.get(period_url(world, "114q1", "by-agency/"))
    assert response.status_code == 200
    counts = {
        agency.code: {key: (count, link) for key, _label, count, link in cells}
        for agency, cells, _total in response.context["rows"]
    }
    assert counts["ours"]["published"][0] == 1 and counts["ours"]["overdue"][0] == 0
    assert counts["theirs"]["overdue"][0] == 1 and counts["theirs"]["published"] == (0, "")
    link = counts["theirs"]["overdue"][1]
    assert query(link) == {
        "period": str(world["period"]["114q1"].pk),
        "agency": "theirs",
        "state": "overdue",
    }
    html = response.content.decode()
    assert link.replace("&", "&amp;") in html
    assert period_url(world, "114q1", "sign-off/") in html
    listed = client.get(link)
    assert listed.status_code == 200
    [line] = lines_of(listed)["114q1", "owed"]
    assert line.obligation.node.pk == world["their_item"].pk
    assert line.obligation.state == "overdue"
    assert world["their_item"].title_zh_hant in listed.content.decode()
    q2 = client.get(period_url(world, "114q2", "by-agency/"))
    returned = {a.code: {k: c for k, _l, c, _u in cells} for a, cells, _t in q2.context["rows"]}
    assert returned["ours"]["returned"] == 1 and returned["theirs"]["owed"] == 1


def test_a_period_before_the_first_reporting_period_owes_nothing(client, world):
    signed_in(client, world["reviewer"])
    response = client.get(period_url(world, "113q4", "by-agency/"))
    assert response.status_code == 200
    assert response.context["rows"] == [] and not response.context["reported"]


# Every page, every role --------------------------------------------------------------------


def pages(world):
    q1, q3 = world["period"]["114q1"], world["period"]["114q3"]
    copy = reverse(
        "admin:progress_reportingperiod_copy", args=[q3.pk, world["our_item"].pk, world["ours"].pk]
    )
    return {
        "index": "/admin/",
        "list": PERIODS,
        "add": f"{PERIODS}add/",
        "change": period_url(world, "114q3"),
        "delete": period_url(world, "114q3", "delete/"),
        "history": period_url(world, "114q3", "history/"),
        "mine": MINE,
        "mine filtered": f"{MINE}?period={q1.pk}&agency=ours&state=published",
        "generate": GENERATE,
        "by agency": period_url(world, "114q1", "by-agency/"),
        "first": period_url(world, "114q3", "first/"),
        "sign off": period_url(world, "114q1", "sign-off/"),
        "copy": copy,
    }


EDITOR_PAGES = {"index", "list", "change", "history", "mine", "mine filtered", "copy"}
REVIEWER_PAGES = {
    "index",
    "list",
    "add",
    "change",
    "delete",
    "history",
    "mine",
    "mine filtered",
    "generate",
    "by agency",
    "first",
    "sign off",
    "copy",
}


@pytest.mark.parametrize("role", ["agency editor", "reviewer", "plan editor", "superuser"])
def test_every_page_opens_for_each_role_as_the_rules_say(client, world, role):
    users = {
        "agency editor": world["editor"],
        "reviewer": world["reviewer"],
        "plan editor": staff("planner", "plan editor"),
        "superuser": world["superuser"],
    }
    allowed = {
        "agency editor": EDITOR_PAGES,
        "reviewer": REVIEWER_PAGES,
        "plan editor": {"index"},
        "superuser": REVIEWER_PAGES,
    }[role]
    signed_in(client, users[role])
    wrong = []
    for name, url in pages(world).items():
        status = client.get(url).status_code
        if status != (200 if name in allowed else 403):
            wrong.append(f"{name} {url}: {status}")
    assert not wrong, wrong
    index = client.get("/admin/").content.decode()
    assert (MINE in index) == (role == "agency editor")
    assert (PERIODS in index) == (role != "plan editor")
    # Reviewers find the periods to follow up there: open, or closed and not signed off.
    by_agency = period_url(world, "114q1", "by-agency/")
    assert (by_agency in index) == (role in ("reviewer", "superuser"))


# Attacks: what a careless or hostile user might try -----------------------------------------


def test_a_plan_editor_cannot_roll_the_first_reporting_period_back(client, world):
    """The first reporting period is the reviewers' (progress.rules): a plan editor rolling
    the plan back to a version recorded before it was changed (reversion writes every
    recorded field back) is refused, and the routine keeps its start."""
    import reversion
    from reversion.models import Version

    from .factories import form_data

    plan = world["plan"]

    def record():
        with reversion.create_revision():
            Plan.objects.get(pk=plan.pk).save()
        return Version.objects.get_for_object(plan).first()

    recorded = record()  # reporting from 114q1
    signed_in(client, world["reviewer"])
    assert client.post(period_url(world, "114q3", "first/"), {"confirm": "yes"}).status_code == 302
    signed_in(client, staff("planner", "plan editor"))
    url = f"/admin/plan/plan/{plan.pk}/history/{recorded.pk}/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"title_zh_hant": plan.title_zh_hant}).status_code == 403
    assert Plan.objects.get(pk=plan.pk).first_reporting_period == "114q3"
    # A version with the same first reporting period still comes back (its texts).
    same = record()
    Plan.objects.filter(pk=plan.pk).update(title_en="Renamed")
    url = f"/admin/plan/plan/{plan.pk}/history/{same.pk}/"
    assert client.post(url, form_data(client, url)).status_code == 302
    restored = Plan.objects.get(pk=plan.pk)
    assert restored.first_reporting_period == "114q3" and restored.title_en != "Renamed"


def test_reporting_never_starts_after_a_signed_off_period(client, world):
    """A signed-off period is a record: moving the first reporting period past it (or
    clearing it) would take its report off the public pages. Refused, as is moving the first
    period's dates past it."""
    periods.sign_off(world["period"]["114q2"], world["reviewer"], date(2025, 7, 15))
    signed_in(client, world["reviewer"])
    later = client.post(period_url(world, "114q3", "first/"), {"confirm": "yes"}, follow=True)
    assert "114q2" in " ".join(str(m) for m in later.context["messages"])
    assert Plan.objects.get(pk=world["plan"].pk).first_reporting_period == "114q1"
    with pytest.raises(ValueError):
        periods.set_first_reporting_period(world["plan"], "", None)
    assert Plan.objects.get(pk=world["plan"].pk).first_reporting_period == "114q1"
    # Earlier is fine: the signed-off period still counts.
    assert client.post(period_url(world, "113q4", "first/"), {"confirm": "yes"}).status_code == 302
    assert Plan.objects.get(pk=world["plan"].pk).first_reporting_period == "113q4"
    # The first period's dates moved past the signed-off one: refused on the form.
    moved = client.post(
        period_url(world, "113q4"),
        {
            "label_zh_hant": "113年第4季",
            "label_en": "2024 Q4",
            "start": "2027-01-01",
            "end": "2027-03-31",
            "deadline": "2027-04-10",
        },
    )
    assert moved.status_code == 200
    assert "114" in str(moved.context["adminform"].form.non_field_errors())
    assert ReportingPeriod.objects.get(slug="113q4").end == date(2024, 12, 31)


@pytest.mark.parametrize("slug", ["116a9", "99z1", "116q10", "1160q1", "116q", "１１６q1"])
def test_a_new_period_is_named_as_the_public_addresses_reserve(client, world, slug):
    """Only an id shaped like 116q1 or 116h2 is a period's (plan.models.PERIOD_SLUG: plan
    slugs and item refs of that shape are refused); any other letter or length could be an
    item's ref too."""
    signed_in(client, world["reviewer"])
    data = {
        "plan": world["plan"].pk,
        "slug": slug,
        "label_zh_hant": "116年第1季",
        "label_en": "2027 Q1",
        "start": "2027-01-01",
        "end": "2027-03-31",
        "deadline": "2027-04-10",
    }
    refused = client.post(f"{PERIODS}add/", data)
    assert refused.status_code == 200
    assert "slug" in refused.context["adminform"].form.errors
    assert not ReportingPeriod.objects.filter(start=date(2027, 1, 1)).exists()
    assert client.post(f"{PERIODS}add/", {**data, "slug": "116q1"}).status_code == 302
