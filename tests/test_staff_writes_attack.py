"""Issue 19, attacked: a hostile agency editor, a careless reviewer, a visitor, hostile files."""

from datetime import date

import pytest
import reversion
from django.contrib.auth.models import Group, User
from reversion.models import Version

from plan.models import PlanNode
from progress.models import Agency, ProgressUpdate, Responsibility
from progress.review import publish
from progress.roles import AGENCY_EDITOR, REVIEWER

PASSWORD = "a-long-test-password"


def staff(name, group=None, **flags):
    user = User.objects.create_user(name, password=PASSWORD, is_staff=True, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def world(plan, progress_groups, editor_group):
    strategies = list(PlanNode.objects.filter(plan=plan, kind="strategy").order_by("path")[:2])
    ours = Agency.objects.create(code="ours", name_zh_hant="本局")
    theirs = Agency.objects.create(code="theirs", name_zh_hant="他局")
    editor = staff("editor", AGENCY_EDITOR)
    ours.editors.add(editor)
    Responsibility.objects.create(node=strategies[0], agency=ours, role="lead")
    Responsibility.objects.create(node=strategies[1], agency=theirs, role="lead")
    reviewer = staff("reviewer", REVIEWER)
    update = ProgressUpdate.objects.create(
        node=strategies[0],
        date=date(2025, 3, 31),
        status="in_progress",
        percent=40,
        summary_zh_hant="第一期工程發包",
        source="https://example.gov.tw/report",
        agency=ours,
        submitted_by=editor,
    )
    publish(update, reviewer)
    return {
        "plan": plan,
        "ours": ours,
        "theirs": theirs,
        "our_item": strategies[0],
        "their_item": strategies[1],
        "editor": editor,
        "reviewer": reviewer,
        "update": update,
        "superuser": staff("root", is_superuser=True),
    }


def form_data(update, **changes):
    data = {
        "node": update.node_id,
        "date": update.date.isoformat(),
        "status": update.status,
        "percent": "40",
        "summary_zh_hant": update.summary_zh_hant,
        "summary_en": "",
        "source": update.source,
        "agency": update.agency_id,
        "reason": "",
        "remedy": "",
    }
    data.update(changes)
    return data


def change_url(fact):
    return f"/admin/progress/{fact._meta.model_name}/{fact.pk}/change/"


def test_one_published_fact_has_one_correction_at_a_time(client, world):
    """Saving over a published update twice made two corrections; publishing both made two
    current updates of one (the original superseded once)."""
    update = world["update"]
    client.force_login(world["editor"])
    assert client.post(change_url(update), form_data(update, percent="50")).status_code == 302
    response = client.post(change_url(update), form_data(update, percent="60"))
    assert response.status_code == 200  # the form says why
    assert ProgressUpdate.objects.filter(supersedes=update).count() == 1
    # A second correction made another way (an older one, a script) is not published.
    from progress.review import correction

    first = ProgressUpdate.objects.get(supersedes=update)
    second = correction(update, world["editor"])
    second.percent = 60
    second.save()
    publish(first, world["reviewer"])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        publish(second, world["reviewer"])
    assert ProgressUpdate.objects.filter(node=update.node, state="published").count() == 1


def test_a_superuser_erases_a_fact_with_its_correction_in_the_admin(client, world):
    """Django's confirmation called the correction "protected" and refused the erasure."""
    from staff.models import AuditEvent

    update = world["update"]
    client.force_login(world["editor"])
    client.post(change_url(update), form_data(update, percent="50"))
    correction = ProgressUpdate.objects.get(supersedes=update)
    client.force_login(world["superuser"])
    url = f"/admin/progress/progressupdate/{update.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["protected"] == []
    assert f"/admin/progress/progressupdate/{correction.pk}/change/" in page.content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not ProgressUpdate.objects.filter(pk__in=[update.pk, correction.pk]).exists()
    assert AuditEvent.objects.filter(kind="erase").count() == 2
    # The action on both (the correction erased with the original first): once each.
    client.force_login(world["editor"])
    other = ProgressUpdate.objects.create(
        node=world["our_item"],
        date=date(2025, 6, 30),
        status="in_progress",
        summary_zh_hant="第二季",
        source="https://example.gov.tw/q2",
        agency=world["ours"],
    )
    publish(other, world["reviewer"])
    client.post(change_url(other), form_data(other, percent="70"))
    fix = ProgressUpdate.objects.get(supersedes=other)
    client.force_login(world["superuser"])
    response = client.post(
        "/admin/progress/progressupdate/",
        {"action": "delete_selected", "_selected_action": [other.pk, fix.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ProgressUpdate.objects.filter(pk__in=[other.pk, fix.pk]).exists()
    assert AuditEvent.objects.filter(kind="erase").count() == 4


def test_a_line_break_pasted_from_word_does_not_break_the_feeds(client, world):
    """A vertical tab (Word's line break) typed in a summary or an agency's name: the feeds
    answered 500 (XML 1.0 cannot hold it)."""
    import feedparser

    update = world["update"]
    client.force_login(world["editor"])
    data = form_data(update, summary_zh_hant="第一行\x0b第二行\x1b", percent="50")
    assert client.post(change_url(update), data).status_code == 302
    publish(ProgressUpdate.objects.get(supersedes=update), world["reviewer"])
    Agency.objects.filter(pk=world["ours"].pk).update(name_zh_hant="本局\x0b工務")
    plan, item = world["plan"], world["our_item"]
    for url in (
        f"/{plan.slug}/progress/feed/",
        f"/{plan.slug}/{item.ref}/feed/",
        f"/{plan.slug}/agencies/ours/feed/",
        f"/en/{plan.slug}/progress/feed/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        feed = feedparser.parse(response.content)
        assert not feed.bozo, url
    feed = feedparser.parse(client.get(f"/{plan.slug}/progress/feed/").content)
    assert "第一行\n第二行" in feed.entries[0].summary


@pytest.mark.parametrize("typed", ["٥٥", "5e1", "1E1", "55.55", "1_0", "NaN"])
def test_the_admin_reads_numbers_with_the_one_grammar(client, world, typed):
    """The admin's forms took Arabic-Indic digits (٥٥ as 55) and exponents (5e1) that the
    contract and the importer refuse."""
    update = world["update"]
    client.force_login(world["editor"])
    data = form_data(update, percent=typed, date="2025-06-30")
    response = client.post("/admin/progress/progressupdate/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get("percent")
    assert ProgressUpdate.objects.count() == 1


@pytest.mark.parametrize("typed", ["５５", "55", "1,000"])
def test_the_admin_takes_what_the_grammar_allows(client, world, typed):
    update = world["update"]
    client.force_login(world["reviewer"])
    data = form_data(update, percent="55" if typed == "1,000" else typed, date="2025-06-30")
    response = client.post("/admin/progress/progressupdate/add/", data)
    assert response.status_code == 302
    assert ProgressUpdate.objects.get(date=date(2025, 6, 30)).percent == 55
    schedule_data = {"node": world["our_item"].pk, "weight": typed}
    if typed == "1,000":
        response = client.post("/admin/progress/schedule/add/", schedule_data)
        assert response.status_code == 302


def test_a_fact_whose_plan_item_was_erased_is_not_recovered(client, world):
    """A deleted item erased before the admin erased its facts through review.erase (its
    facts went with it, their versions stayed: a plain delete, as round 2's admin did);
    recovering one of those facts answered 500 (PlanNode.DoesNotExist). Refused with a
    message, nothing written, for the superuser too."""
    node = world["our_item"]
    version = Version.objects.get_for_object(world["update"]).first()
    PlanNode.objects.filter(pk=node.pk).delete()
    client.force_login(world["superuser"])
    assert not PlanNode.objects.filter(pk=node.pk).exists()
    url = f"/admin/progress/progressupdate/recover/{version.pk}/"
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        assert response.url == "/admin/progress/progressupdate/"
    assert not ProgressUpdate.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("已不存在" in m for m in messages)


def test_a_reviewer_cannot_recover_a_responsibility_for_an_erased_item(client, world):
    from plan.deletion import move_to_deleted

    node = world["their_item"]
    responsibility = Responsibility.objects.get(node=node)
    with reversion.create_revision():
        responsibility.save()
    version = Version.objects.get_for_object(responsibility).first()
    move_to_deleted(node, world["superuser"])
    client.force_login(world["superuser"])
    client.post(
        "/admin/plan/deletedplannode/",
        {"action": "delete_selected", "_selected_action": [node.pk], "post": "yes"},
    )
    client.force_login(world["reviewer"])
    response = client.post(f"/admin/progress/responsibility/recover/{version.pk}/")
    assert response.status_code == 302
    assert not Responsibility.objects.filter(pk=responsibility.pk).exists()


def test_a_file_of_bad_cells_gets_a_short_answer(client, world):
    """A 0.9 MB file with a control character in each of its 440,000 cells made 440,000
    problems and a 51 MB preview page (18 s here; a 2 MB file outlasts gunicorn's 30 s)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from progress.spreadsheets.importer import MAX_PROBLEMS

    header = "plan,ref,date,status,percent,summary_zh_hant,summary_en,source,agency,reason,remedy"
    body = (header + "\r\n" + ("\x01," * 10 + "\x01\r\n") * 40000).encode()
    client.force_login(world["editor"])
    response = client.post(
        "/admin/progress/import/",
        {"file": SimpleUploadedFile("bad.csv", body, content_type="text/csv")},
    )
    assert response.status_code == 200
    problems = response.context["result"].problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert f"問題超過 {MAX_PROBLEMS} 個" in str(problems[-1])
    assert len(response.content) < 200_000
    assert not ProgressUpdate.objects.exclude(pk=world["update"].pk).exists()
