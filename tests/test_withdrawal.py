"""Nothing reviewed is ever lost: a reviewer withdraws a published fact with a reason (it
leaves current figures, downloads and the JSON's lists, and the item's page and the JSON's
`withdrawn` list say when and why); only a superuser erases, and that is an audit event."""

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from reversion.models import Version

from plan.models import PlanNode
from progress.models import ProgressUpdate
from progress.review import erase, publish, withdraw
from staff.models import AuditEvent

from .factories import change_url, update_form_data

REASON = "來源文件有誤，數據待重新核對"


@pytest.fixture
def published(progress_world):
    """progress_world: our agency leads a strategy, with one published update of 40 %."""
    return {**progress_world, "strategy": progress_world["our_item"]}


def withdraw_in_admin(client, user, update, reason):
    client.force_login(user)
    return client.post(
        "/admin/progress/progressupdate/",
        {
            "action": "withdraw_selected",
            "_selected_action": [update.pk],
            "confirm": "yes",
            "withdrawal_reason": reason,
        },
    )


def test_a_reviewer_withdraws_with_a_reason_in_the_admin(client, published):
    update = published["update"]
    client.force_login(published["reviewer"])
    # The action first asks for the reason.
    response = client.post(
        "/admin/progress/progressupdate/",
        {"action": "withdraw_selected", "_selected_action": [update.pk]},
    )
    assert response.status_code == 200
    assert 'name="withdrawal_reason"' in response.content.decode()
    update.refresh_from_db()
    assert update.state == "published"
    # Without a reason: refused, nothing changes.
    withdraw_in_admin(client, published["reviewer"], update, "  ")
    update.refresh_from_db()
    assert update.state == "published"
    response = withdraw_in_admin(client, published["reviewer"], update, REASON)
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == "withdrawn"
    assert update.withdrawal_reason == REASON
    assert update.withdrawn_by == published["reviewer"]
    assert update.withdrawn_at is not None
    event = AuditEvent.objects.filter(kind="withdrawal").latest("pk")
    assert event.user == published["reviewer"] and event.detail == REASON


def test_an_agency_editor_cannot_withdraw(client, published):
    update = published["update"]
    response = withdraw_in_admin(client, published["editor"], update, REASON)
    assert response.status_code in (200, 302, 403)
    update.refresh_from_db()
    assert update.state == "published"
    with pytest.raises(PermissionDenied):
        withdraw(update, published["editor"], REASON)


def test_only_published_facts_are_withdrawn(published):
    update = published["update"]
    withdraw(update, published["reviewer"], REASON)
    with pytest.raises(ValidationError):
        withdraw(update, published["reviewer"], REASON)


def test_a_withdrawn_fact_leaves_figures_and_downloads_but_stays_in_view(client, published):
    strategy, update = published["strategy"], published["update"]
    plan = published["plan"]
    page = f"/{plan.slug}/{strategy.ref}/"
    before = client.get(page).content.decode()
    assert "第一期工程發包" in before and "40% complete" not in before  # (Chinese page)
    withdraw(update, published["reviewer"], REASON)

    html = client.get(page).content.decode()
    assert f'id="withdrawn-update-{update.pk}"' in html
    assert REASON in html
    assert "撤回" in html
    current = html.split('class="withdrawn"')[0]
    assert f'id="update-{update.pk}"' not in current  # no longer a current update

    data = json.loads(client.get(f"/data/{plan.slug}.json").content)

    def find(node):
        if node["ref"] == strategy.ref:
            return node
        for child in node["children"]:
            found = find(child)
            if found:
                return found
        return None

    node = find(data["tree"])
    assert node["updates"] == []
    assert node["progress"] is None
    (gone,) = node["withdrawn"]
    assert gone["kind"] == "update" and gone["reason"] == REASON
    assert gone["fact"]["summary"]["zh-hant"] == "第一期工程發包"
    assert gone["withdrawn_at"].endswith("+08:00")

    csv_text = client.get(f"/data/{plan.slug}/updates.csv").content.decode("utf-8-sig")
    assert "第一期工程發包" not in csv_text


def test_only_a_superuser_erases_and_it_is_recorded(client, published):
    update = published["update"]
    delete_url = f"/admin/progress/progressupdate/{update.pk}/delete/"
    client.force_login(published["reviewer"])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()
    with pytest.raises(PermissionDenied):
        erase(update, published["reviewer"])

    assert Version.objects.get_for_object(update).exists()
    client.force_login(published["superuser"])
    assert client.get(delete_url).status_code == 200  # Django's confirmation
    response = client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    assert not ProgressUpdate.objects.filter(pk=update.pk).exists()
    assert not Version.objects.get_for_object_reference(ProgressUpdate, update.pk).exists()
    event = AuditEvent.objects.filter(kind="erase").latest("pk")
    assert event.user == published["superuser"]
    assert f"progressupdate #{update.pk}" in event.target


def corrected(published, summary="更正後的說明"):
    """A published correction of the published update."""
    from progress.review import correction

    draft = correction(published["update"], published["editor"])
    draft.summary_zh_hant = summary
    draft.save()
    return publish(draft, published["reviewer"])


def test_erasing_a_published_correction_makes_the_corrected_fact_current(published):
    update = published["update"]
    fix = corrected(published)
    update.refresh_from_db()
    assert update.state == "superseded"
    erase(fix, published["superuser"])
    update.refresh_from_db()
    assert update.state == "published"  # never nothing current


def test_a_correction_of_a_withdrawn_fact_is_not_published(published):
    from progress.review import correction

    draft = correction(published["update"], published["editor"])
    draft.summary_zh_hant = "更正"
    draft.save()
    withdraw(published["update"], published["reviewer"], REASON)
    with pytest.raises(ValidationError):
        publish(draft, published["reviewer"])
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_erasing_plan_items_erases_their_facts_recorded(client, published):
    from plan.deletion import move_to_deleted

    strategy, update = published["strategy"], published["update"]
    fix = corrected(published)
    move_to_deleted(strategy, published["superuser"])
    client.force_login(published["superuser"])
    response = client.post(
        "/admin/plan/deletedplannode/",
        {"action": "delete_selected", "_selected_action": [strategy.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not PlanNode.objects.filter(pk=strategy.pk).exists()
    assert not ProgressUpdate.objects.filter(pk__in=[update.pk, fix.pk]).exists()
    for fact in (update, fix):
        assert not Version.objects.get_for_object_reference(ProgressUpdate, fact.pk).exists()
        assert AuditEvent.objects.filter(
            kind="erase", target__contains=f"progressupdate #{fact.pk}:"
        ).exists()


# ------------------------------------------------------------------------------------------
# Issue 19, attacked: a hostile agency editor, a careless reviewer, a visitor, hostile files.


def test_a_superuser_erases_a_fact_with_its_correction_in_the_admin(client, progress_world):
    """Django's confirmation called the correction "protected" and refused the erasure."""
    from staff.models import AuditEvent

    update = progress_world["update"]
    client.force_login(progress_world["editor"])
    client.post(change_url(update), update_form_data(update, percent="50"))
    correction = ProgressUpdate.objects.get(supersedes=update)
    client.force_login(progress_world["superuser"])
    url = f"/admin/progress/progressupdate/{update.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["protected"] == []
    assert f"/admin/progress/progressupdate/{correction.pk}/change/" in page.content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not ProgressUpdate.objects.filter(pk__in=[update.pk, correction.pk]).exists()
    assert AuditEvent.objects.filter(kind="erase").count() == 2
    # The action on both (the correction erased with the original first): once each.
    client.force_login(progress_world["editor"])
    other = ProgressUpdate.objects.create(
        node=progress_world["our_item"],
        date=date(2025, 6, 30),
        status="in_progress",
        summary_zh_hant="第二季",
        source="https://example.gov.tw/q2",
        agency=progress_world["ours"],
    )
    publish(other, progress_world["reviewer"])
    client.post(change_url(other), update_form_data(other, percent="70"))
    fix = ProgressUpdate.objects.get(supersedes=other)
    client.force_login(progress_world["superuser"])
    response = client.post(
        "/admin/progress/progressupdate/",
        {"action": "delete_selected", "_selected_action": [other.pk, fix.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ProgressUpdate.objects.filter(pk__in=[other.pk, fix.pk]).exists()
    assert AuditEvent.objects.filter(kind="erase").count() == 4
