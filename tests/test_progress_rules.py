"""Progress: the roll-up arithmetic, the lights, weakened targets, the review, and each
permission boundary of the agency editors and reviewers. Every test builds its own data:
the Kaohsiung plan ships with no progress at all.

Over 400 lines, one feature: who may do what to progress, and the arithmetic.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override as translation_override

from plan.models import PlanNode
from plan.tree import PlanTree
from progress.models import Agency, Indicator, ProgressUpdate, Responsibility, Schedule
from progress.review import correction, publish, return_draft
from progress.roles import AGENCY_EDITOR, REVIEWER
from progress.rollup import expected_percent, light, read_bundle, roll_up

from .factories import UPDATE_HEADER, change_url, run_import, update_form_data

D = Decimal


TODAY = date(2025, 1, 1)


def node_by_ref(ref):
    return PlanNode.objects.get(ref=ref)


def update(ref, status="in_progress", percent=None, state="published", **fields):
    return ProgressUpdate.objects.create(
        node=node_by_ref(ref),
        date=fields.pop("date", date(2024, 12, 31)),
        status=status,
        percent=None if percent is None else D(str(percent)),
        summary_zh_hant=fields.pop("summary", "進度說明"),
        source=fields.pop("source", "https://example.gov.tw/report"),
        state=state,
        **fields,
    )


def progress_of(plan, today=TODAY):
    tree = PlanTree.load(plan)
    return tree, roll_up(tree, read_bundle(plan), today)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2022, 6, 1), D(0)),
        (date(2023, 1, 1), D(0)),
        (date(2025, 1, 1), D("50.1")),  # 731 of 1460 days
        (date(2026, 12, 31), D(100)),
        (date(2027, 3, 1), D(100)),
    ],
)
def test_expected_progress_is_linear_over_the_planned_period(today, expected):
    assert expected_percent(date(2023, 1, 1), date(2026, 12, 31), [], today) == expected


def test_expected_progress_follows_milestones_when_there_are_any():
    milestones = [{"planned_date": date(2024, 6, 30)}, {"planned_date": date(2025, 6, 30)}]
    start, end = date(2023, 1, 1), date(2026, 12, 31)
    assert expected_percent(start, end, milestones, date(2024, 6, 29)) == 0
    assert expected_percent(start, end, milestones, date(2024, 6, 30)) == 50
    assert expected_percent(start, end, milestones, date(2025, 7, 1)) == 100


@pytest.mark.parametrize(
    ("status", "actual", "expected", "colour"),
    [
        ("in_progress", 40, 50, "green"),  # exactly expected − 10: inclusive
        ("in_progress", D("39.9"), 50, "yellow"),
        ("in_progress", 25, 50, "yellow"),  # exactly expected − 25: inclusive
        ("in_progress", D("24.9"), 50, "red"),
        ("in_progress", 80, 50, "green"),
        ("behind", 80, 50, "yellow"),  # behind is never green
        ("behind", 10, 50, "red"),
        ("completed", 100, 50, "green"),
        ("completed", None, None, "green"),
        ("not_started", 0, 50, None),
        ("adjusted", 10, 50, None),
        ("suspended", 10, 50, None),
        ("in_progress", None, 50, None),  # no percent reported: no light
    ],
)
def test_light_thresholds(status, actual, expected, colour):
    actual = None if actual is None else D(str(actual))
    expected = None if expected is None else D(str(expected))
    assert light(status, actual, expected) == colour


def test_light_thresholds_come_from_settings(settings):
    settings.PROGRESS_LIGHTS = {"green": 5, "yellow": 15}
    assert light("in_progress", D(44), D(50)) == "yellow"
    assert light("in_progress", D(34), D(50)) == "red"


def test_nothing_reported_means_no_percent_no_expected_no_light(plan):
    tree, progress = progress_of(plan)
    for item in tree:
        result = progress[item.pk]
        assert (result.percent, result.expected, result.light, result.status) == (None,) * 4
        assert result.reported == 0


def test_own_percent_is_the_latest_published_update_that_gives_one(plan):
    update("mrt-network", percent=30, date=date(2024, 6, 30))
    update("mrt-network", percent=None, date=date(2024, 9, 30))  # a note without a percent
    update("mrt-network", percent=90, date=date(2024, 12, 1), state="draft")  # not reviewed
    tree, progress = progress_of(plan)
    result = progress[node_by_ref("mrt-network").pk]
    assert result.percent == 30 and result.date == date(2024, 9, 30)
    assert result.expected == D("50.1") and result.light == "yellow"  # 30 ≥ 50.1 − 25


def test_parents_take_the_weighted_mean_of_their_reported_children(plan):
    update("net-zero", percent=20)
    update("mrt-network", percent=80)
    Schedule.objects.create(node=node_by_ref("mrt-network"), weight=3)
    tree, progress = progress_of(plan)
    livable = progress[node_by_ref("livable").pk]
    assert livable.percent == D("65.0")  # (20 × 1 + 80 × 3) / 4
    assert (livable.reported, livable.children) == (2, 7)
    assert livable.expected == D("50.1") and livable.light == "green"
    goal = progress[node_by_ref("goal").pk]
    assert goal.percent == D("65.0") and (goal.reported, goal.children) == (1, 4)


def test_a_node_with_reported_children_ignores_its_own_percent(plan):
    strategy = node_by_ref("social-housing")
    actions = PlanNode.objects.get_children(strategy)
    update("social-housing", percent=10)
    ProgressUpdate.objects.create(
        node=actions[0],
        date=date(2024, 12, 31),
        status="completed",
        percent=D(100),
        summary_zh_hant="完成",
        source="府授字第1130000001號",
        state="published",
    )
    tree, progress = progress_of(plan)
    result = progress[strategy.pk]
    assert result.percent == D(100) and result.rolled_up
    assert (result.reported, result.children) == (1, actions.count())
    assert result.status == "in_progress"  # its own latest update's status


def test_a_status_without_a_percent_counts_as_reported_but_not_in_the_mean(plan):
    update("net-zero", status="not_started")
    update("mrt-network", percent=60)
    tree, progress = progress_of(plan)
    livable = progress[node_by_ref("livable").pk]
    assert livable.reported == 2 and livable.percent == D(60)
    assert progress[node_by_ref("net-zero").pk].light is None


def indicator(direction="increase", values=None, **fields):
    return Indicator.objects.create(
        node=node_by_ref("mrt-network"),
        key="network-km",
        name_zh_hant="捷運路網長度",
        direction=direction,
        values=values or {"114": {"target": "50"}, "115": {"target": "60"}},
        state="published",
        **fields,
    )


@pytest.mark.parametrize(
    ("direction", "old", "new", "weakened"),
    [
        ("increase", "60", "55", True),
        ("increase", "60", "65", False),
        ("decrease", "10", "12", True),
        ("decrease", "10", "8", False),
        ("milestone", "114", "115", True),  # later
        ("milestone", "114", "113", False),
    ],
)
def test_a_weakened_published_target_needs_a_reason(plan, direction, old, new, weakened):
    published = indicator(direction, {"115": {"target": old}})
    draft = correction(published)
    draft.values = {"115": {"target": new}}
    if weakened:
        with pytest.raises(ValidationError) as refused:
            draft.full_clean()
        assert "target_change_reason" in refused.value.message_dict
        draft.target_change_reason = "中央補助延後核定"
    draft.full_clean()


def test_each_actual_needs_a_source(plan):
    item = indicator(values={"114": {"target": "50", "actual": "45"}})
    with pytest.raises(ValidationError):
        item.full_clean()
    item.values["114"]["source"] = "https://example.gov.tw/stats"
    item.full_clean()


def test_an_update_needs_a_source_and_behind_needs_reason_and_remedy(plan):
    item = ProgressUpdate(
        node=node_by_ref("mrt-network"),
        date=date(2025, 3, 31),
        status="behind",
        summary_zh_hant="工程延宕",
        source="",
    )
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert {"source", "reason", "remedy"} <= set(refused.value.message_dict)
    item.source, item.reason, item.remedy = "高市府捷工字第1140000001號", "用地取得延遲", "協調地主"
    item.full_clean()


@pytest.fixture
def people(db, progress_groups):
    mrt_bureau = Agency.objects.create(code="mrtb", name_zh_hant="捷運工程局")
    housing = Agency.objects.create(code="ubd", name_zh_hant="都市發展局")
    editor = User.objects.create_user("editor", password="x" * 16, is_staff=True)
    editor.groups.add(Group.objects.get(name=AGENCY_EDITOR))
    mrt_bureau.editors.add(editor)
    reviewer = User.objects.create_user("reviewer", password="x" * 16, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    return {"editor": editor, "reviewer": reviewer, "mrtb": mrt_bureau, "ubd": housing}


def test_a_draft_is_published_by_a_reviewer_only(plan, people):
    draft = update("mrt-network", percent=40, state="draft")
    with pytest.raises(PermissionDenied):
        publish(draft, people["editor"])
    publish(draft, people["reviewer"])
    draft.refresh_from_db()
    assert draft.state == "published" and draft.published_at and draft.reviewed_by_id


def test_a_returned_draft_carries_the_comment(plan, people):
    draft = update("mrt-network", percent=40, state="draft")
    with pytest.raises(ValidationError):
        return_draft(draft, people["reviewer"], "")
    return_draft(draft, people["reviewer"], "請附上公文字號")
    draft.refresh_from_db()
    assert draft.state == "returned" and draft.review_comment == "請附上公文字號"


def test_a_correction_is_reviewed_again_and_both_stay_in_history(plan, people):
    published = update("mrt-network", percent=40)
    draft = correction(published, people["editor"])
    draft.percent = D(35)
    draft.save()
    _, progress = progress_of(plan)
    assert progress[node_by_ref("mrt-network").pk].percent == 40  # unreviewed: not public yet
    publish(draft, people["reviewer"])
    published.refresh_from_db()
    assert published.state == "superseded"
    bundle = read_bundle(plan)
    facts = bundle[node_by_ref("mrt-network").pk]
    assert [u["percent"] for u in facts.updates] == [35]
    assert [c["percent"] for c in facts.corrected] == [40]


ADMIN = "/admin/progress/progressupdate/"


def update_form(target, **fields):
    return {
        "node": target.pk,
        "date": "2025-03-31",
        "status": "in_progress",
        "percent": "40",
        "summary_zh_hant": "第一季進度",
        "summary_en": "First quarter",
        "source": "https://example.gov.tw/q1",
        "agency": "",
        "reason": "",
        "remedy": "",
        **fields,
    }


def test_an_agency_editor_reports_only_on_items_their_agency_is_responsible_for(
    client, plan, people
):
    mrt, housing = node_by_ref("mrt-network"), node_by_ref("social-housing")
    Responsibility.objects.create(node=mrt, agency=people["mrtb"], role="lead")
    Responsibility.objects.create(node=housing, agency=people["ubd"], role="lead")
    client.force_login(people["editor"])
    response = client.post(f"{ADMIN}add/", update_form(mrt, agency=people["mrtb"].pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = ProgressUpdate.objects.get(node=mrt)
    assert saved.state == "draft" and saved.submitted_by == people["editor"]
    # Another agency's strategy is not a choice, and its updates are not theirs to see.
    refused = client.post(f"{ADMIN}add/", update_form(housing))
    assert refused.status_code == 200 and not ProgressUpdate.objects.filter(node=housing).exists()
    other = update("social-housing", percent=10)
    assert client.get(f"{ADMIN}{other.pk}/change/").status_code in (302, 403, 404)
    assert f"{ADMIN}{other.pk}/change/" not in client.get(ADMIN).content.decode()


def test_an_agency_editor_cannot_publish_or_manage_agencies(client, plan, people):
    Responsibility.objects.create(
        node=node_by_ref("mrt-network"), agency=people["mrtb"], role="lead"
    )
    draft = update("mrt-network", percent=40, state="draft")
    client.force_login(people["editor"])
    client.post(ADMIN, {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert client.get("/admin/progress/agency/add/").status_code == 403
    assert client.get("/admin/progress/responsibility/add/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403


def test_a_reviewer_publishes_from_the_queue(client, plan, people):
    draft = update("mrt-network", percent=40, state="draft")
    client.force_login(people["reviewer"])
    queue = client.get(f"{ADMIN}queue/").content.decode()
    assert f"{ADMIN}{draft.pk}/change/" in queue
    client.post(ADMIN, {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.state == "published"
    assert client.get("/admin/progress/agency/add/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


def test_saving_over_a_published_update_makes_a_correction(client, plan, people):
    Responsibility.objects.create(
        node=node_by_ref("mrt-network"), agency=people["mrtb"], role="lead"
    )
    published = update("mrt-network", percent=40)
    client.force_login(people["editor"])
    response = client.post(
        f"{ADMIN}{published.pk}/change/", update_form(node_by_ref("mrt-network"), percent="45")
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.state == "published" and published.percent == 40
    draft = ProgressUpdate.objects.get(supersedes=published)
    assert draft.state == "draft" and draft.percent == 45


def test_the_plan_editor_role_does_not_reach_progress(client, plan, editor_group):
    user = User.objects.create_user("planner", password="x" * 16, is_staff=True)
    user.groups.add(editor_group)
    client.force_login(user)
    assert client.get(ADMIN).status_code == 403


def test_agency_editors_see_only_their_drafts_in_the_queue(client, plan, people):
    Responsibility.objects.create(
        node=node_by_ref("mrt-network"), agency=people["mrtb"], role="lead"
    )
    mine = update("mrt-network", percent=40, state="draft")
    theirs = update("social-housing", percent=10, state="draft")
    client.force_login(people["editor"])
    queue = client.get(f"{ADMIN}queue/").content.decode()
    assert f"{ADMIN}{mine.pk}/change/" in queue and f"{ADMIN}{theirs.pk}/change/" not in queue


def test_the_progress_lists_link_to_the_queue_and_the_spreadsheet_import(client, plan, people):
    client.force_login(people["reviewer"])
    html = client.get(ADMIN).content.decode()
    assert f"{ADMIN}queue/" in html and "/admin/progress/import/" in html


# ------------------------------------------------------------------------------------------
# Issue 19, attacked: a hostile agency editor, a careless reviewer, a visitor, hostile files.


def test_one_published_fact_has_one_correction_at_a_time(client, progress_world):
    """Saving over a published update twice made two corrections; publishing both made two
    current updates of one (the original superseded once)."""
    update = progress_world["update"]
    client.force_login(progress_world["editor"])
    assert (
        client.post(change_url(update), update_form_data(update, percent="50")).status_code == 302
    )
    response = client.post(change_url(update), update_form_data(update, percent="60"))
    assert response.status_code == 200  # the form says why
    assert ProgressUpdate.objects.filter(supersedes=update).count() == 1
    # A second correction made another way (an older one, a script) is not published.
    from progress.review import correction

    first = ProgressUpdate.objects.get(supersedes=update)
    second = correction(update, progress_world["editor"])
    second.percent = 60
    second.save()
    publish(first, progress_world["reviewer"])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        publish(second, progress_world["reviewer"])
    assert ProgressUpdate.objects.filter(node=update.node, state="published").count() == 1


@pytest.mark.parametrize("typed", ["٥٥", "5e1", "1E1", "55.55", "1_0", "NaN"])
def test_the_admin_reads_numbers_with_the_one_grammar(client, progress_world, typed):
    """The admin's forms took Arabic-Indic digits (٥٥ as 55) and exponents (5e1) that the
    contract and the importer refuse."""
    update = progress_world["update"]
    client.force_login(progress_world["editor"])
    data = update_form_data(update, percent=typed, date="2025-06-30")
    response = client.post("/admin/progress/progressupdate/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get("percent")
    assert ProgressUpdate.objects.count() == 1


@pytest.mark.parametrize("typed", ["５５", "55", "1,000"])
def test_the_admin_takes_what_the_grammar_allows(client, progress_world, typed):
    update = progress_world["update"]
    client.force_login(progress_world["reviewer"])
    data = update_form_data(update, percent="55" if typed == "1,000" else typed, date="2025-06-30")
    response = client.post("/admin/progress/progressupdate/add/", data)
    assert response.status_code == 302
    assert ProgressUpdate.objects.get(date=date(2025, 6, 30)).percent == 55
    schedule_data = {"node": progress_world["our_item"].pk, "weight": typed}
    if typed == "1,000":
        response = client.post("/admin/progress/schedule/add/", schedule_data)
        assert response.status_code == 302


# ------------------------------------------------------------------------------------------
# Issue 21: the reviewers' workflow on a draft's own form, who submitted it, the plan-item
# dropdowns, the agency editors' picker, English reasons.


def draft_of(world, **fields):
    """A draft the first agency's editor submitted."""
    return ProgressUpdate.objects.create(
        node=world["our_item"],
        date=date(2025, 6, 30),
        status=fields.pop("status", "in_progress"),
        percent=D(50),
        summary_zh_hant="第二期工程進行中",
        source="https://example.gov.tw/q2",
        agency=world["ours"],
        submitted_by=world["editor"],
        **fields,
    )


def test_a_reviewer_saving_a_draft_never_becomes_who_submitted_it(client, progress_world, tmp_path):
    """A draft whose submitter is not known (imported on the command line) was claimed by the
    reviewer who saved it; one an editor submitted stays theirs whoever saves it."""
    world = progress_world
    line = (
        f"{world['plan'].slug},{world['our_item'].ref},2025-09-30,in_progress,60,"
        "第三季進度,,https://example.gov.tw/q3,ours,,"
    )
    run_import(tmp_path, f"{UPDATE_HEADER}\r\n{line}\r\n")
    imported = ProgressUpdate.objects.get(date=date(2025, 9, 30))
    assert imported.submitted_by is None and imported.state == "draft"
    reported = draft_of(world)
    client.force_login(world["reviewer"])
    for fact in (imported, reported):
        data = update_form_data(fact, review_comment="已核對來源", percent=str(fact.percent))
        assert client.post(change_url(fact), data).status_code == 302
    imported.refresh_from_db()
    reported.refresh_from_db()
    assert imported.submitted_by is None and imported.review_comment == "已核對來源"
    assert reported.submitted_by == world["editor"]
    # A correction of a published fact is submitted by whoever makes it.
    published = world["update"]
    assert client.post(change_url(published), update_form_data(published, percent="45"))
    assert ProgressUpdate.objects.get(supersedes=published).submitted_by == world["reviewer"]


def test_a_reviewer_publishes_a_draft_from_its_form(client, progress_world):
    from reversion.models import Version

    from staff.models import AuditEvent

    world = progress_world
    draft = draft_of(world)
    client.force_login(world["reviewer"])
    form = client.get(change_url(draft)).content.decode()
    assert 'name="_publish"' in form and f"{change_url(draft)[:-7]}return/" in form
    data = update_form_data(draft, percent="55", review_comment="", _publish="1")
    response = client.post(change_url(draft), data)
    assert response.status_code == 302 and response["Location"].endswith("/progressupdate/queue/")
    draft.refresh_from_db()
    assert draft.state == "published" and draft.percent == 55  # saved, then published
    assert draft.reviewed_by == world["reviewer"] and draft.submitted_by == world["editor"]
    assert Version.objects.get_for_object(draft).first().revision.get_comment() == "審核發布"
    assert AuditEvent.objects.filter(kind="content", detail="審核發布").exists()
    # A published fact's form has no review buttons (saving it makes a correction).
    assert 'name="_publish"' not in client.get(change_url(draft)).content.decode()


def test_save_and_publish_sent_twice_publishes_once(client, progress_world):
    """Attack finding: the second POST of "save and publish" (a double click) found the fact
    published, saved a correction of it and published that at once."""
    from progress.models import ProgressUpdate

    world = progress_world
    draft = draft_of(world)
    client.force_login(world["reviewer"])
    data = update_form_data(draft, percent="55", review_comment="", _publish="1")
    assert client.post(change_url(draft), data).status_code == 302
    count = ProgressUpdate.objects.count()
    again = client.post(change_url(draft), data, follow=True)
    assert again.status_code == 200 and "已不是待審核的草稿" in again.content.decode()
    assert ProgressUpdate.objects.count() == count
    assert not ProgressUpdate.objects.filter(supersedes=draft).exists()
    draft.refresh_from_db()
    assert draft.state == "published" and draft.submitted_by == world["editor"]


def test_an_agency_editor_gets_no_review_buttons_and_cannot_forge_them(client, progress_world):
    world = progress_world
    draft = draft_of(world)
    client.force_login(world["editor"])
    form = client.get(change_url(draft)).content.decode()
    assert 'name="_publish"' not in form and 'name="_return"' not in form
    data = update_form_data(draft, percent="70", _publish="1")
    assert client.post(change_url(draft), data).status_code == 403
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.percent == 50  # nothing written
    return_url = change_url(draft).replace("/change/", "/return/")
    assert client.get(return_url).status_code == 403
    client.post(return_url, {"confirm": "yes", f"review_comment_{draft.pk}": "x"})
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_a_publication_the_review_refuses_leaves_the_draft_saved(client, progress_world):
    """publish() refuses a correction of a fact withdrawn meanwhile: the form's changes are
    saved as a draft and the reviewer is told why."""
    from progress.review import correction, withdraw

    world = progress_world
    draft = correction(world["update"], world["editor"])
    draft.save()
    withdraw(world["update"], world["reviewer"], "數據待查")
    client.force_login(world["reviewer"])
    data = update_form_data(draft, percent="42", _publish="1")
    response = client.post(change_url(draft), data, follow=True)
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.percent == 42
    assert "was withdrawn" in response.content.decode() or "已撤回" in response.content.decode()


def test_returning_a_draft_from_its_form_asks_for_the_comment_and_confirmation(
    client, progress_world
):
    world = progress_world
    draft = draft_of(world)
    client.force_login(world["reviewer"])
    return_url = change_url(draft).replace("/change/", "/return/")
    # The form's "return" button posts the form here: the page asks, nothing is returned.
    page = client.post(return_url, update_form_data(draft, review_comment="請補上公文字號"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="review_comment_{draft.pk}"' in html and "請補上公文字號" in html
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.review_comment == ""
    # Confirmed without a comment: asked again, still a draft.
    again = client.post(return_url, {"confirm": "yes", f"review_comment_{draft.pk}": "  "})
    assert again.status_code == 200 and 'aria-invalid="true"' in again.content.decode()
    draft.refresh_from_db()
    assert draft.state == "draft"
    done = client.post(
        return_url, {"confirm": "yes", f"review_comment_{draft.pk}": "請補上公文字號"}
    )
    assert done.status_code == 302 and done["Location"].endswith("/progressupdate/queue/")
    draft.refresh_from_db()
    assert draft.state == "returned" and draft.review_comment == "請補上公文字號"
    assert draft.reviewed_by == world["reviewer"] and draft.submitted_by == world["editor"]
    # Only a draft is returned: a published fact's return page sends the reviewer back.
    published = world["update"]
    refused = client.get(change_url(published).replace("/change/", "/return/"))
    assert refused.status_code == 302 and refused["Location"].endswith(change_url(published))


def test_the_return_action_asks_for_each_comment_before_returning(client, progress_world):
    """The list action returned the selected drafts at once, with whatever comment each had
    (none, if the reviewer had not saved one first)."""
    world = progress_world
    first, second = draft_of(world), draft_of(world, review_comment="來源連結失效")
    client.force_login(world["reviewer"])
    selected = {"action": "return_selected", "_selected_action": [first.pk, second.pk]}
    page = client.post(ADMIN, selected)
    assert page.status_code == 200 and "來源連結失效" in page.content.decode()
    assert set(
        ProgressUpdate.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)
    ) == {"draft"}
    confirmed = {**selected, "confirm": "yes", f"review_comment_{second.pk}": "來源連結失效"}
    assert client.post(ADMIN, {**confirmed, f"review_comment_{first.pk}": ""}).status_code == 200
    first.refresh_from_db()
    assert first.state == "draft"  # one comment missing: none returned
    client.post(ADMIN, {**confirmed, f"review_comment_{first.pk}": "數字與公文不符"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.review_comment) == ("returned", "數字與公文不符")
    assert (second.state, second.review_comment) == ("returned", "來源連結失效")


def option_texts(html, name="node"):
    import re

    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [text.strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", select, re.S)]


@pytest.mark.parametrize(
    "form",
    [
        "progressupdate/add/",
        "indicator/add/",
        "milestone/add/",
        "responsibility/add/",
        "schedule/add/",
    ],
)
def test_every_plan_item_dropdown_is_numbered_with_its_vision(client, progress_world, form):
    client.force_login(progress_world["reviewer"])
    options = option_texts(client.get(f"/admin/progress/{form}").content.decode())
    assert "二、(二) 增建社宅擴大租金補貼" in options
    actions = [text for text in options if text.startswith("二、(二) 1. ")]
    (action,) = actions
    body = node_by_ref("social-housing-supply").body_zh_hant
    # Shortened at a clause, and said to be shortened: never the first 40 characters bare.
    assert action.endswith("…") and body.startswith(action[len("二、(二) 1. ") : -1])
    assert body[:40] not in options and len(action) < 40


def test_an_agency_editors_dropdown_lists_only_their_items_numbered(client, progress_world):
    client.force_login(progress_world["editor"])
    options = option_texts(client.get(f"{ADMIN}add/").content.decode())
    assert options[1:] == ["一、(一) 科技產業帶動優質就業"]


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("擴大辦理租金補貼業務", "擴大辦理租金補貼業務"),
        (
            "攜手中央合力規劃興辦社會住宅，透過公辦都更、捷運聯開、都計變更開發許可",
            "攜手中央合力規劃興辦社會住宅，透過公辦都更…",
        ),
        (
            "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十",
            "一二三四五六七八九十一二三四五六七八九十一二三四…",
        ),
        (
            "Promote bilingual teaching in every school and train local teachers",
            "Promote bilingual…",
        ),
    ],
)
def test_a_shortened_text_ends_at_a_clause_or_word_with_an_ellipsis(text, short):
    from plan.choices import shortened

    assert shortened(text) == short


def test_the_agency_editors_picker_offers_active_agency_editors_only(client, progress_world):
    world = progress_world
    gone = User.objects.create_user("gone", password="x" * 16, is_staff=True, is_active=False)
    gone.groups.add(Group.objects.get(name=AGENCY_EDITOR))
    outsider = User.objects.create_user("citizen", password="x" * 16)  # not staff
    outsider.groups.add(Group.objects.get(name=AGENCY_EDITOR))
    client.force_login(world["superuser"])
    html = client.get(f"/admin/progress/agency/{world['ours'].pk}/change/").content.decode()
    assert option_texts(html, "editors") == ["editor"]


def test_reason_and_remedy_have_english_fields_and_the_chinese_is_required(client, progress_world):
    world = progress_world
    client.force_login(world["editor"])
    form = client.get(f"{ADMIN}add/").content.decode()
    for name in ("reason_zh_hant", "reason_en", "remedy_zh_hant", "remedy_en"):
        assert f'name="{name}"' in form
    indicator_form = client.get("/admin/progress/indicator/add/").content.decode()
    assert 'name="target_change_reason_en"' in indicator_form
    behind = update_form_data(
        world["update"], status="behind", date="2025-06-30", reason_en="Land", remedy_en="Talks"
    )
    refused = client.post(f"{ADMIN}add/", behind)
    errors = refused.context["adminform"].form.errors
    assert refused.status_code == 200 and {"reason_zh_hant", "remedy_zh_hant"} <= set(errors)
    behind.update(reason_zh_hant="用地取得延宕", remedy_zh_hant="協調地主")
    assert client.post(f"{ADMIN}add/", behind).status_code == 302
    saved = ProgressUpdate.objects.get(date=date(2025, 6, 30))
    assert (saved.reason_zh_hant, saved.reason_en) == ("用地取得延宕", "Land")
    assert (saved.remedy_zh_hant, saved.remedy_en) == ("協調地主", "Talks")


def test_the_bundle_has_both_languages_and_keeps_the_old_keys_chinese(plan):
    fact = update(
        "mrt-network",
        status="behind",
        percent=30,
        reason_zh_hant="用地取得延宕",
        reason_en="Land acquisition delayed",
        remedy_zh_hant="協調地主",
    )
    mrt = node_by_ref("mrt-network").pk
    with translation_override("en"):  # the bundle does not depend on the language
        (data,) = read_bundle(plan)[mrt].updates
    assert data["id"] == fact.pk
    assert (data["reason"], data["reason_zh_hant"], data["reason_en"]) == (
        "用地取得延宕",
        "用地取得延宕",
        "Land acquisition delayed",
    )
    assert data["remedy"] == "協調地主" and not data["remedy_en"]
    quiet = update("net-zero", percent=10)  # no reason at all: "" as before, not null
    (data,) = read_bundle(plan)[quiet.node_id].updates
    assert data["reason"] == "" and data["remedy"] == ""


def test_the_migration_moves_the_stored_reasons_into_the_chinese_columns(plan):
    """The texts stored before the English columns came are Chinese: the migration copies
    them into the Chinese columns (run here on this database, as migrations see it)."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.models import QuerySet

    fact = update("mrt-network", status="behind", percent=30)
    # As a row stood before the migration: only the original columns written.
    QuerySet(ProgressUpdate).filter(pk=fact.pk).update(
        reason="用地取得延宕", remedy="協調地主", reason_zh_hant=None, remedy_zh_hant=None
    )
    apps = MigrationLoader(connection).project_state().apps
    importlib.import_module("progress.migrations.0005_english_reasons").chinese_from_the_original(
        apps, None
    )
    fact.refresh_from_db()
    assert (fact.reason_zh_hant, fact.remedy_zh_hant) == ("用地取得延宕", "協調地主")
    assert fact.reason_en is None
