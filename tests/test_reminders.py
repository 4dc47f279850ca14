"""The reporting routine's e-mail reminders (issue 22): `manage.py send_reminders` run on the
days that matter, its mail received by a real SMTP server on loopback (aiosmtpd) and read
back with the email package, as a mail client would (headers, both parts, both languages).
"""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from plan.models import PlanNode
from progress import periods
from progress.models import ProgressUpdate, Responsibility, SentReminder
from progress.review import return_draft
from progress.roles import REVIEWER
from staff.models import AuditEvent

from .factories import an_update_of_ours, make_agency_world, staff

BASE = "https://plan.example.gov.tw"
# 115q1: 2026-01-01 to 2026-03-31, due 2026-04-10 (the default calendar).
SEVEN_BEFORE, FIVE_BEFORE, TWO_BEFORE = date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 8)
DAY_AFTER = date(2026, 4, 11)


@pytest.fixture
def world(plan):
    """make_agency_world (ours leads one strategy, theirs another; an editor of ours, a
    reviewer, a superuser), ours leading a second strategy, addresses for the editor and
    the reviewer (the superuser has none), reporting from 115q1."""
    world = make_agency_world(plan)
    strategies = PlanNode.objects.filter(plan=plan, kind="strategy").order_by("path")
    world["second_item"] = strategies[2]
    Responsibility.objects.create(node=strategies[2], agency=world["ours"], role="lead")
    for name in ("editor", "reviewer"):
        world[name].email = f"{name}@example.gov.tw"
        world[name].save()
    periods.set_first_reporting_period(plan, "115q1", None)
    return world


def run(day, *options):
    out, err = StringIO(), StringIO()
    call_command("send_reminders", *options, date=day.isoformat(), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def draft(world, item, day, **fields):
    """An update of ours for 115q1 submitted by the editor on `day`."""
    update = an_update_of_ours(
        world,
        item,
        date=date(2026, 3, 31),
        percent=60,
        summary_zh_hant="第一季進度",
        source="https://example.gov.tw/2026q1",
        **fields,
    )
    update.save()
    made = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=made)
    update.refresh_from_db()
    return update


def parts(message):
    """The plain text and the HTML, decoded."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def title(node, language):
    return getattr(node, f"title_{language}") or node.title_zh_hant


def assert_bilingual(text, html):
    for body in (text, html):
        assert body.index("您好") < body.index("Dear"), "Chinese first, English below"
        assert "高雄市政府中程施政計畫" in body
        assert "Kaohsiung City Government Mid-Term Plan" in body
        assert f"{BASE}/admin/" in body


def test_the_routine_by_mail(world, inbox):
    ours, editor, reviewer = world["ours"], world["editor"], world["reviewer"]
    first, second, theirs = world["our_item"], world["second_item"], world["their_item"]

    # 7 days before 115q1's deadline: the editor of ours, once, both items owed.
    out, err = run(SEVEN_BEFORE)
    ((sender, recipients, message),) = inbox.take()
    assert recipients == ["editor@example.gov.tw"]
    assert message["To"] == "editor@example.gov.tw"
    (author,) = message["From"].addresses
    assert (author.display_name, author.addr_spec) == (
        "高雄市政府中程施政計畫",
        "plan-portal@kcg.gov.tw",
    )
    assert sender == "plan-portal@kcg.gov.tw"
    assert message["Auto-Submitted"] == "auto-generated"
    subject = message["Subject"].strip()  # Django folds a long subject after "Subject:"
    assert "115年第1季" in subject and "2026 Q1" in subject
    assert "2 項" in subject and "115年4月10日" in subject and "10 April 2026" in subject
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert_bilingual(text, html)
    for body in (text, html):
        assert "還有 7 天" in body and "7 days left" in body
        for item in (first, second):
            assert title(item, "zh_hant") in body
            assert title(item, "en") in body
            # One click to the update form, pre-filled with the item, agency and period.
            assert f"{BASE}/admin/progress/progressupdate/add/?node={item.pk}" in body
        assert title(theirs, "zh_hant") not in body
    assert f"agency={ours.pk}&date=2026-03-31" in text
    assert f'<a href="{BASE}/admin/">' in html
    # "Sign in to report" leads to the editor's own page (我的填報).
    for body in (text, html):
        assert f"{BASE}/admin/progress/reportingperiod/mine/" in body
    # The other agency has no editors: said, not skipped silently.
    assert "NOBODY TO SEND TO: deadline:kaohsiung-112-115:115q1:theirs:7" in err
    assert "sent: deadline:kaohsiung-112-115:115q1:ours:7 → editor" in out
    (record,) = SentReminder.objects.all()
    assert (record.kind, record.key, record.recipient, record.address, record.day) == (
        "deadline",
        "deadline:kaohsiung-112-115:115q1:ours:7",
        editor,
        "editor@example.gov.tw",
        SEVEN_BEFORE,
    )
    assert record.sent_at is not None and record.subject == subject
    (event,) = AuditEvent.objects.filter(kind="reminder")
    assert (event.user, event.target) == (editor, record.key)
    assert "editor@example.gov.tw" in event.detail

    # Run twice for a day: nothing new. A day without a reminder due: nothing either.
    out, _ = run(SEVEN_BEFORE)
    assert inbox.take() == []
    assert "0 sent" in out
    run(FIVE_BEFORE)
    assert inbox.take() == []

    # The editor submits both; the reviewer returns the second with a comment: its submitter
    # is told at the next run, once.
    first_draft = draft(world, first, date(2026, 4, 6))
    second_draft = draft(world, second, date(2026, 4, 6))
    return_draft(second_draft, reviewer, "請補充資料來源與第一季實際進度。")
    run(date(2026, 4, 7))
    ((_, recipients, message),) = inbox.take()
    assert recipients == ["editor@example.gov.tw"]
    assert "退回修正" in message["Subject"] and "returned for changes" in message["Subject"]
    text, html = parts(message)
    assert_bilingual(text, html)
    for body in (text, html):
        assert "請補充資料來源與第一季實際進度。" in body
        assert f"{BASE}/admin/progress/progressupdate/{second_draft.pk}/change/" in body
    run(date(2026, 4, 7))
    assert inbox.take() == []

    # 2 days before: the second reminder lists what is still owed: the returned item (with
    # its comment), not the one waiting for review.
    run(TWO_BEFORE, "--dry-run")
    assert inbox.take() == []
    out, _ = run(TWO_BEFORE)
    ((_, recipients, message),) = inbox.take()
    assert recipients == ["editor@example.gov.tw"]
    assert "1 項" in message["Subject"]
    text, html = parts(message)
    for body in (text, html):
        assert "還有 2 天" in body and "2 days left" in body
        assert title(second, "zh_hant") in body and title(second, "en") in body
        assert "請補充資料來源與第一季實際進度。" in body
        assert title(first, "zh_hant") not in body
    assert "deadline:kaohsiung-112-115:115q1:ours:2" in out

    # The day after the deadline: the reviewers are told what is overdue, by agency (the
    # returned item of ours, the item of theirs; not the draft waiting). The superuser is no
    # reviewer; a reviewer without an address is listed and recorded, not skipped.
    forgetful = staff("reviewer2", REVIEWER)
    out, err = run(DAY_AFTER)
    ((_, recipients, message),) = inbox.take()
    assert recipients == ["reviewer@example.gov.tw"]
    assert "逾期" in message["Subject"] and "overdue" in message["Subject"]
    assert "2 項" in message["Subject"] and "2 updates" in message["Subject"]
    text, html = parts(message)
    assert_bilingual(text, html)
    for body in (text, html):
        assert body.index("本局") < body.index(title(second, "zh_hant"))
        assert body.index("他局") < body.index(title(theirs, "zh_hant"))
        period = world["plan"].reporting_periods.get(slug="115q1")
        assert f"{BASE}/admin/progress/reportingperiod/{period.pk}/by-agency/" in body
        assert title(first, "zh_hant") not in body
    assert "NO E-MAIL ADDRESS: reviewer2 (overdue:kaohsiung-112-115:115q1)" in err
    assert "root" not in err  # the superuser (no address either) is not a reviewer
    missing = SentReminder.objects.get(recipient=forgetful)
    assert (missing.sent_at, missing.address, missing.kind) == (None, "", "overdue")
    # Listed again at every run until the account has an address, recorded once.
    _, err = run(DAY_AFTER)
    assert inbox.take() == []
    assert "NO E-MAIL ADDRESS: reviewer2" in err
    assert SentReminder.objects.filter(recipient=forgetful).count() == 1

    # The superuser sees what was sent, and who missed a reminder, in the admin.
    from django.test import Client

    client = Client()
    client.force_login(world["superuser"])
    page = client.get("/admin/progress/sentreminder/").content.decode()
    assert "reviewer2" in page and 'class="warning"' in page  # the note above the list
    assert client.get("/admin/progress/sentreminder/add/").status_code == 403
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    assert reviewer_client.get("/admin/progress/sentreminder/").status_code == 403

    # Given an address, the account gets what is still due at the next run.
    forgetful.email = "reviewer2@example.gov.tw"
    forgetful.save()
    run(DAY_AFTER)
    ((_, recipients, _message),) = inbox.take()
    assert recipients == ["reviewer2@example.gov.tw"]
    missing.refresh_from_db()
    assert missing.sent_at is not None and missing.address == "reviewer2@example.gov.tw"

    # Drafts waiting more than 5 days (the first, made on 6 April): the reviewers, once.
    run(date(2026, 4, 11))
    assert inbox.take() == []
    run(date(2026, 4, 12))
    received = inbox.take()
    assert sorted(r for _, rs, _ in received for r in rs) == [
        "reviewer2@example.gov.tw",
        "reviewer@example.gov.tw",
    ]
    message = received[0][2]
    assert "待審核" in message["Subject"] and "waiting for review" in message["Subject"]
    text, html = parts(message)
    assert_bilingual(text, html)
    for body in (text, html):
        assert title(first, "zh_hant") in body
        assert "已等候 6 天" in body and "waiting 6 days" in body
        assert f"{BASE}/admin/progress/progressupdate/{first_draft.pk}/change/" in body
        assert f"{BASE}/admin/progress/progressupdate/queue/" in body
    for day in (date(2026, 4, 12), date(2026, 4, 13)):
        run(day)
        assert inbox.take() == []

    # Returned a second time (after a resubmission): a second mail, with the new comment.
    ProgressUpdate.objects.filter(pk=second_draft.pk).update(state="draft")
    second_draft.refresh_from_db()
    return_draft(second_draft, reviewer, "第二次退回：請附公文字號。")
    run(date(2026, 4, 13))
    ((_, recipients, message),) = inbox.take()
    assert recipients == ["editor@example.gov.tw"]
    assert "第二次退回：請附公文字號。" in parts(message)[0]

    # Every mail sent is recorded once, and each is an audit event.
    sent = SentReminder.objects.filter(sent_at__isnull=False)
    assert sent.count() == 8
    assert AuditEvent.objects.filter(kind="reminder").count() == 8
    assert set(sent.values_list("kind", flat=True)) == {
        "deadline",
        "returned",
        "overdue",
        "waiting",
    }


def test_nothing_before_the_first_reporting_period(world, inbox):
    # The routine starts on 115q1's first day: nothing in the quarter before.
    assert run(date(2025, 12, 31))[0].endswith("0 sent.\n")
    # Nothing at all while the plan has none (the default: a calendar is not a commitment).
    periods.set_first_reporting_period(world["plan"], "", None)
    draft(world, world["our_item"], date(2026, 3, 1))
    for day in (SEVEN_BEFORE, TWO_BEFORE, DAY_AFTER, date(2026, 6, 30)):
        run(day)
    assert inbox.take() == []
    assert not SentReminder.objects.exists()
    assert not AuditEvent.objects.filter(kind="reminder").exists()


def test_nothing_for_an_unpublished_plan(world, inbox):
    plan = world["plan"]
    plan.published = False
    plan.save(update_fields=["published"])
    run(SEVEN_BEFORE)
    run(DAY_AFTER)
    assert inbox.take() == []


def test_a_dry_run_prints_and_sends_and_records_nothing(world, inbox):
    world["reviewer"].email = ""
    world["reviewer"].save()
    out, err = run(DAY_AFTER, "--dry-run")
    assert "would send: deadline" not in out  # 115q2's deadline is far
    assert "would send: overdue" not in out  # the reviewer has no address …
    assert "NO E-MAIL ADDRESS: reviewer" in err  # … which is said, even in a dry run
    out, _ = run(SEVEN_BEFORE, "--dry-run")
    assert "would send: deadline:kaohsiung-112-115:115q1:ours:7 → editor" in out
    assert "dry run" in out
    assert inbox.take() == []
    assert not SentReminder.objects.exists()
    assert not AuditEvent.objects.filter(kind="reminder").exists()


def test_a_missed_day_is_caught_up_with_the_most_urgent_reminder(world, inbox):
    # The command did not run 7 days before: 5 days before, the 7-day reminder goes; 1 day
    # before, the 2-day one; never both at once.
    run(FIVE_BEFORE)
    ((_, _, message),) = inbox.take()
    assert "還有 5 天" in parts(message)[0]
    run(date(2026, 4, 9))
    ((_, _, message),) = inbox.take()
    assert "還有 1 天" in parts(message)[0]
    keys = set(SentReminder.objects.values_list("key", flat=True))
    assert keys == {
        "deadline:kaohsiung-112-115:115q1:ours:7",
        "deadline:kaohsiung-112-115:115q1:ours:2",
    }


def test_the_reviewers_mail_goes_to_the_superusers_when_nobody_else_reviews(world):
    from progress.reminders import reviewers

    assert reviewers() == [world["reviewer"]]
    world["reviewer"].groups.clear()
    assert reviewers() == [world["superuser"]]


def test_the_reminder_settings_are_checked(settings):
    from progress.apps import _check_reminder_settings

    assert _check_reminder_settings(None) == []
    settings.PROGRESS_REMINDER_DAYS = ["7"]
    settings.PROGRESS_REVIEW_WAIT_DAYS = -1
    assert [e.id for e in _check_reminder_settings(None)] == ["progress.E002", "progress.E003"]


def test_a_sender_named_in_the_setting_is_kept(settings):
    from progress.admin.reminders import sender

    settings.DEFAULT_FROM_EMAIL = '"高雄市政府研考會" <rdec@kcg.gov.tw>'
    assert sender() == '"高雄市政府研考會" <rdec@kcg.gov.tw>'
    settings.DEFAULT_FROM_EMAIL = "rdec@kcg.gov.tw"
    assert sender() == '"高雄市政府中程施政計畫" <rdec@kcg.gov.tw>'
