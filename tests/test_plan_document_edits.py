"""Two staff members editing the same thing: the second save, made on an out-of-date copy, is
REFUSED with a message saying so, and the first one's text stays (README: "Two people editing
the same item: the second save is refused with a message saying so; nothing is overwritten").
For the plan document (preamble, closing, chart texts) and for a plan item."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from reversion.models import Version

from plan.models import Plan, PlanNode

from .conftest import SLUG
from .test_admin import form_data

# The message, in the admin's language (Chinese by default) or in English.
STALE_MESSAGES = ("已有其他同仁儲存了這個項目", "Someone else saved this item after you opened it")


@pytest.fixture
def editors(db, editor_group):
    """Two plan editors, each in their own browser (client)."""
    clients = []
    for name in ("first-editor", "second-editor"):
        user = User.objects.create_user(name, password="a-long-test-password", is_staff=True)
        user.groups.add(editor_group)
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def stale_errors(response):
    """The form's non-field errors with the "stale" code, as ValidationErrors."""
    assert response.status_code == 200, (
        f"the out-of-date save was not refused: status {response.status_code}"
        + (f" → {response['Location']}" if response.has_header("Location") else "")
    )
    form = response.context["adminform"].form
    return [e for e in form.non_field_errors().as_data() if e.code == "stale"]


def assert_refused(response):
    errors = stale_errors(response)
    assert errors, (
        "the out-of-date save came back without the 'stale' error; form errors: "
        f"{response.context['adminform'].form.errors.as_data()}"
    )
    message = " ".join(errors[0].messages)
    assert any(text in message for text in STALE_MESSAGES), message
    # The staff member sees it on the page, not just in the form object.
    assert message in response.content.decode()


def test_second_save_of_the_plan_document_is_refused(editors, loaded):
    first, second = editors
    url = f"/admin/plan/plan/{loaded.pk}/change/"
    mine = form_data(first, url)
    theirs = form_data(second, url)  # opened at the same time: the same version
    assert mine["edit_version"] == theirs["edit_version"] != ""
    revisions = Version.objects.get_for_object(loaded).count()

    mine["closing_en"] = mine["closing_en"] + " (Corrected by the first editor.)"
    saved = first.post(url, mine)
    assert saved.status_code == 302, saved.context["adminform"].form.errors

    theirs["closing_en"] = "The second editor's older copy, which must not win."
    theirs["preamble_zh_hant"] = theirs["preamble_zh_hant"] + "（第二位編輯）"
    assert_refused(second.post(url, theirs))

    plan = Plan.objects.get(pk=loaded.pk)
    assert plan.closing_en.endswith("(Corrected by the first editor.)")
    assert "第二位編輯" not in plan.preamble_zh_hant
    assert Version.objects.get_for_object(plan).count() == revisions + 1  # the first save only
    page = second.get(f"/en/{SLUG}/closing/").content.decode()
    assert "(Corrected by the first editor.)" in page and "older copy" not in page

    # After reloading the form (the current version), the second editor can save.
    fresh = form_data(second, url)
    fresh["preamble_zh_hant"] = fresh["preamble_zh_hant"] + "（第二位編輯）"
    assert second.post(url, fresh).status_code == 302
    plan.refresh_from_db()
    assert plan.preamble_zh_hant.endswith("（第二位編輯）")
    assert plan.closing_en.endswith("(Corrected by the first editor.)")


def test_second_save_of_a_plan_item_is_refused(editors, loaded):
    first, second = editors
    mrt = PlanNode.objects.get(plan=loaded, ref="mrt-network")
    url = f"/admin/plan/plannode/{mrt.pk}/change/"
    mine = form_data(first, url)
    theirs = form_data(second, url)
    assert mine["edit_version"] == theirs["edit_version"] != ""
    revisions = Version.objects.get_for_object(mrt).count()

    mine["title_en"] = "The First Editor MRT Title"
    saved = first.post(url, mine)
    assert saved.status_code == 302, saved.context["adminform"].form.errors

    theirs["title_en"] = "The Second Editor MRT Title"
    theirs["body_zh_hant"] = theirs["body_zh_hant"] + "（第二位編輯）"
    assert_refused(second.post(url, theirs))

    mrt.refresh_from_db()
    assert mrt.title_en == "The First Editor MRT Title"
    assert "第二位編輯" not in mrt.body_zh_hant
    assert Version.objects.get_for_object(mrt).count() == revisions + 1
    page = second.get(f"/en/{SLUG}/mrt-network/").content.decode()
    assert "The First Editor MRT Title" in page and "Second Editor" not in page

    # The refusal is about the copy, not the person: a fresh form saves.
    fresh = form_data(second, url)
    fresh["title_en"] = "The Second Editor MRT Title"
    assert second.post(url, fresh).status_code == 302
    mrt.refresh_from_db()
    assert mrt.title_en == "The Second Editor MRT Title"


def test_a_form_without_its_version_is_refused_too(editors, loaded):
    """A form that lost its hidden version (an old tab, a hand-made POST) cannot overwrite."""
    first, _ = editors
    mrt = PlanNode.objects.get(plan=loaded, ref="mrt-network")
    url = f"/admin/plan/plannode/{mrt.pk}/change/"
    data = form_data(first, url)
    data["edit_version"] = ""
    data["title_en"] = "Saved without a version"
    assert_refused(first.post(url, data))
    mrt.refresh_from_db()
    assert mrt.title_en != "Saved without a version"
