"""django-reversion's admin views (history, revision, recover, recover list) held to each
app's rules (staff.revisions): the six rollbacks a hostile agency editor and a plan editor
made on round 2's code, each refused with nothing changed; a plan item's version through
any admin is refused, never a 500; a permitted rollback is a new revision and an audit
event."""

from datetime import date

import pytest
import reversion
from reversion.models import Revision, Version

from knowledge.models import Term
from plan.models import Plan, PlanNode
from progress.models import ProgressUpdate, Responsibility
from progress.review import publish
from progress.roles import AGENCY_EDITOR, REVIEWER
from staff.models import AuditEvent

from .factories import an_update_of_ours, staff, two_agencies


def saved(obj, user=None, comment="edit"):
    """Save `obj` in a revision of its own; return its new version."""
    with reversion.create_revision():
        obj.save()
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(comment)
    return Version.objects.get_for_object(obj).first()


@pytest.fixture
def world(plan, progress_groups, editor_group):
    """two_agencies (each leading a strategy; an editor of the first), an editor of the
    second, a reviewer, a plan editor and a superuser."""
    world = two_agencies(plan)
    world["other_editor"] = staff("other-editor", AGENCY_EDITOR)
    world["theirs"].editors.add(world["other_editor"])
    world["reviewer"] = staff("reviewer", REVIEWER)
    world["plan_editor"] = staff("plan-editor", "plan editor")
    world["superuser"] = staff("root", is_superuser=True)
    return world


def a_published_update(world, item="their_item", author="other_editor"):
    """An update saved as a draft (a version), then published by the reviewer."""
    update = ProgressUpdate(
        node=world[item],
        date=date(2025, 3, 31),
        status="in_progress",
        percent=40,
        summary_zh_hant="進度說明",
        source="https://example.gov.tw/report",
        agency=world["theirs"] if item == "their_item" else world["ours"],
        submitted_by=world[author],
    )
    draft_version = saved(update, world[author], "draft")
    publish(update, world["reviewer"])
    return update, draft_version


def still_published(fact):
    fact.refresh_from_db()
    return fact.state == "published"


def counts():
    return Revision.objects.count(), Version.objects.count(), AuditEvent.objects.count()


def post_as(client, user, url, data=None):
    client.force_login(user)
    before = counts()
    response = client.post(url, data or {})
    return response, before


def refused(response, before):
    assert response.status_code == 403, response.status_code
    assert counts() == before


def all_refused(client, user, urls, unchanged):
    """Each POST is refused with nothing written, and `unchanged()` still holds after it."""
    for url in urls:
        refused(*post_as(client, user, url))
        assert unchanged(), url


def test_an_agency_editor_cannot_unpublish_another_agencys_update(client, world):
    update, draft_version = a_published_update(world)
    urls = (
        f"/admin/progress/progressupdate/recover/{draft_version.pk}/",
        f"/admin/progress/progressupdate/{update.pk}/history/{draft_version.pk}/",
        f"/admin/progress/milestone/recover/{draft_version.pk}/",
    )
    all_refused(client, world["editor"], urls, lambda: still_published(update))


def test_an_agency_editor_cannot_unpublish_even_their_own_published_update(client, world):
    """A published fact goes back only through a correction, reviewed again."""
    update, draft_version = a_published_update(world, "our_item", "editor")
    url = f"/admin/progress/progressupdate/{update.pk}/history/{draft_version.pk}/"
    refused(*post_as(client, world["editor"], url))
    update.refresh_from_db()
    assert update.state == "published"


def test_an_agency_editor_cannot_bring_back_a_deleted_update(client, world):
    update, _ = a_published_update(world, "our_item", "editor")
    version = Version.objects.get_for_object(update).first()
    pk = update.pk
    update.delete()  # as a superuser's erasure on round 2's code left it: versions kept
    url = f"/admin/progress/progressupdate/recover/{version.pk}/"
    refused(*post_as(client, world["editor"], url))
    assert not ProgressUpdate.objects.filter(pk=pk).exists()
    # The recover list is refused too, for the editor and the reviewer alike.
    client.force_login(world["editor"])
    assert client.get("/admin/progress/progressupdate/recover/").status_code == 403
    client.force_login(world["reviewer"])
    assert client.get("/admin/progress/progressupdate/recover/").status_code == 403


def test_an_agency_editor_cannot_republish_an_unpublished_plan(client, world):
    plan = world["plan"]
    published_version = saved(plan, world["superuser"], "published")
    plan.published = False
    saved(plan, world["superuser"], "unpublished")
    for url in (
        f"/admin/progress/progressupdate/recover/{published_version.pk}/",
        f"/admin/plan/plan/{plan.pk}/history/{published_version.pk}/",
        f"/admin/plan/plan/recover/{published_version.pk}/",
    ):
        refused(*post_as(client, world["editor"], url))
        assert Plan.objects.get(pk=plan.pk).published is False


def test_an_agency_editor_cannot_put_themselves_back_into_an_agency(client, world):
    ours = world["ours"]
    member_version = saved(ours, world["reviewer"], "editors")
    ours.editors.remove(world["editor"])
    saved(ours, world["reviewer"], "editor removed")
    for url in (
        f"/admin/progress/agency/{ours.pk}/history/{member_version.pk}/",
        f"/admin/progress/agency/recover/{member_version.pk}/",
        f"/admin/progress/progressupdate/recover/{member_version.pk}/",
    ):
        refused(*post_as(client, world["editor"], url))
        assert not ours.editors.filter(pk=world["editor"].pk).exists()


def test_an_agency_editor_cannot_take_back_a_reassigned_item(client, world):
    responsibility = Responsibility.objects.get(node=world["our_item"])
    ours_version = saved(responsibility, world["reviewer"], "ours")
    responsibility.agency = world["theirs"]
    saved(responsibility, world["reviewer"], "reassigned")
    urls = (
        f"/admin/progress/responsibility/{responsibility.pk}/history/{ours_version.pk}/",
        f"/admin/progress/progressupdate/recover/{ours_version.pk}/",
        f"/admin/progress/indicator/recover/{ours_version.pk}/",
    )
    all_refused(
        client,
        world["editor"],
        urls,
        lambda: Responsibility.objects.get(pk=responsibility.pk).agency == world["theirs"],
    )
    # …and so cannot report on it afterwards.
    client.force_login(world["editor"])
    response = client.get("/admin/progress/progressupdate/add/")
    assert response.status_code == 200
    choices = [value for value, _ in response.context["adminform"].form.fields["node"].choices]
    assert all(str(getattr(v, "value", v)) != str(world["our_item"].pk) for v in choices)


def test_a_plan_editor_cannot_unpublish_progress_through_the_glossary(client, world):
    update, draft_version = a_published_update(world)
    url = f"/admin/knowledge/term/recover/{draft_version.pk}/"
    refused(*post_as(client, world["plan_editor"], url))
    update.refresh_from_db()
    assert update.state == "published"


@pytest.mark.parametrize("who", ["plan_editor", "superuser"])
def test_a_plan_items_version_is_refused_never_a_500(client, world, who):
    node = world["our_item"]
    version = saved(node, world["superuser"], "text")
    for url in (
        f"/admin/knowledge/term/recover/{version.pk}/",
        f"/admin/plan/plannode/recover/{version.pk}/",
        f"/admin/plan/plan/recover/{version.pk}/",
    ):
        response, before = post_as(client, world[who], url)
        refused(response, before)
    node.refresh_from_db()
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])
    # The recover list of plan items leads to the deleted items, restored in place.
    client.force_login(world[who])
    response = client.get("/admin/plan/plannode/recover/")
    assert response.status_code == 302
    assert response["Location"].endswith("/admin/plan/deletedplannode/")


def term_form(term):
    return {
        "slug": term.slug,
        "term_zh_hant": term.term_zh_hant,
        "term_en": term.term_en,
        "aliases_zh_hant": term.aliases_zh_hant,
        "aliases_en": term.aliases_en,
        "reading": term.reading,
        "explanation_zh_hant": term.explanation_zh_hant,
        "explanation_en": term.explanation_en,
        "related": [str(pk) for pk in term.related.values_list("pk", flat=True)],
    }


@pytest.mark.parametrize("who", ["plan_editor", "superuser"])
def test_a_permitted_rollback_is_a_new_revision_and_an_audit_event(client, world, who):
    term = Term.objects.order_by("pk").first()
    original = term.explanation_zh_hant
    first = saved(term, world["superuser"], "before")
    term.explanation_zh_hant = original + "（改寫）"
    saved(term, world["superuser"], "rewritten")
    url = f"/admin/knowledge/term/{term.pk}/history/{first.pk}/"
    client.force_login(world[who])
    assert client.get(url).status_code == 200
    term.refresh_from_db()
    assert term.explanation_zh_hant.endswith("（改寫）")  # a preview changes nothing
    revisions = Revision.objects.count()
    form = term_form(term)
    form["explanation_zh_hant"] = original
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    term.refresh_from_db()
    assert term.explanation_zh_hant == original
    assert Revision.objects.count() == revisions + 1
    newest = Revision.objects.order_by("-pk").first()
    assert newest.user == world[who]
    assert Version.objects.get_for_object(term).filter(revision=newest).exists()
    event = AuditEvent.objects.filter(kind="rollback").latest("pk")
    assert event.user == world[who]
    assert f"knowledge.term #{term.pk}" in event.detail


def test_an_agency_editor_rolls_back_their_own_draft(client, world):
    """What the rules allow: a draft, on an item of their agency, back to an earlier draft."""
    update = an_update_of_ours(
        world,
        date=date(2025, 3, 31),
        percent=40,
        summary_zh_hant="第一版",
        source="https://example.gov.tw/report",
    )
    first = saved(update, world["editor"], "first")
    update.summary_zh_hant = "第二版"
    saved(update, world["editor"], "second")
    url = f"/admin/progress/progressupdate/{update.pk}/history/{first.pk}/"
    client.force_login(world["editor"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "node": world["our_item"].pk,
            "date": "2025-03-31",
            "status": "in_progress",
            "percent": "40",
            "summary_zh_hant": "第一版",
            "summary_en": "",
            "source": "https://example.gov.tw/report",
            "agency": world["ours"].pk,
            "reason": "",
            "remedy": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    update.refresh_from_db()
    assert update.summary_zh_hant == "第一版"
    assert update.state == "draft"
    assert AuditEvent.objects.filter(kind="rollback", user=world["editor"]).exists()


def test_history_of_another_agencys_fact_is_refused(client, world):
    update, _ = a_published_update(world)
    client.force_login(world["editor"])
    assert client.get(f"/admin/progress/progressupdate/{update.pk}/history/").status_code == 403
    client.force_login(world["other_editor"])
    assert client.get(f"/admin/progress/progressupdate/{update.pk}/history/").status_code == 200


# ------------------------------------------------------------------------------------------
# Issue 19, attacked: a hostile agency editor, a careless reviewer, a visitor, hostile files.


def test_a_fact_whose_plan_item_was_erased_is_not_recovered(client, progress_world):
    """A deleted item erased before the admin erased its facts through review.erase (its
    facts went with it, their versions stayed: a plain delete, as round 2's admin did);
    recovering one of those facts answered 500 (PlanNode.DoesNotExist). Refused with a
    message, nothing written, for the superuser too."""
    node = progress_world["our_item"]
    version = Version.objects.get_for_object(progress_world["update"]).first()
    PlanNode.objects.filter(pk=node.pk).delete()
    client.force_login(progress_world["superuser"])
    assert not PlanNode.objects.filter(pk=node.pk).exists()
    url = f"/admin/progress/progressupdate/recover/{version.pk}/"
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        assert response.url == "/admin/progress/progressupdate/"
    assert not ProgressUpdate.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("已不存在" in m for m in messages)


def test_a_reviewer_cannot_recover_a_responsibility_for_an_erased_item(client, progress_world):
    from plan.deletion import move_to_deleted

    node = progress_world["their_item"]
    responsibility = Responsibility.objects.get(node=node)
    with reversion.create_revision():
        responsibility.save()
    version = Version.objects.get_for_object(responsibility).first()
    move_to_deleted(node, progress_world["superuser"])
    client.force_login(progress_world["superuser"])
    client.post(
        "/admin/plan/deletedplannode/",
        {"action": "delete_selected", "_selected_action": [node.pk], "post": "yes"},
    )
    client.force_login(progress_world["reviewer"])
    response = client.post(f"/admin/progress/responsibility/recover/{version.pk}/")
    assert response.status_code == 302
    assert not Responsibility.objects.filter(pk=responsibility.pk).exists()
