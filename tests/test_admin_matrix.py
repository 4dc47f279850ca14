"""Every admin page, for every role: who gets in (200), who is refused (403), who is sent to
sign in first (302), and never a 500.

The pages come from the admin's registry: each registered model's list, add form, change
form, delete page and history of a real object, django-reversion's recover list and a
revision view of a real version (where the admin keeps history), and each admin's own extra
pages that take no argument (the review queue, the audit export, …). A model or an admin
page added later is covered here without editing this file, and until POLICY names who may
open it, it is the superuser's alone.

Roles sign in as people do: a password, then a second factor (a backup code), with
STAFF_2FA_REQUIRED on. Progress facts are checked twice: on an item the agency editor's
agency leads ("change", "history", …) and on another agency's item ("change other", …)."""

import re
from datetime import date

import pytest
import reversion
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from reversion.admin import VersionAdmin
from reversion.models import Version

from .factories import the_loaded_plan

PASSWORD = "Matrix-password-2026"


BACKUP_CODE = "matrix0001"


ANONYMOUS, PENDING = "anonymous", "second factor pending"


PLAN_EDITOR, AGENCY_EDITOR, REVIEWER, SUPERUSER = (
    "plan editor",
    "agency editor",
    "reviewer",
    "superuser",
)


ROLES = (ANONYMOUS, PENDING, PLAN_EDITOR, AGENCY_EDITOR, REVIEWER, SUPERUSER)


EVERY = {"list", "add", "change", "delete", "history", "recover list", "revision"}


SEE = {"list", "change", "history"}


OWN_FACTS = {"list", "add", "change", "history", "revision"}


EVERY_FACT = OWN_FACTS | {"change other", "history other", "revision other"}


POLICY = {
    # Plan editors edit the plan: its texts (a plan is loaded, never added here; only a
    # superuser deletes one), its items (deleting one moves it to the deleted items, which
    # they restore in place but only a superuser erases), and the tree's own pages.
    "plan.plan": {PLAN_EDITOR: SEE | {"revision"}},
    "plan.plannode": {PLAN_EDITOR: EVERY | {"move", "jsi18n"}},
    "plan.deletedplannode": {PLAN_EDITOR: SEE},
    # … and the knowledge layer: the glossary, the topics, the wording of the 17 goals.
    "knowledge.term": {PLAN_EDITOR: EVERY},
    "knowledge.topic": {PLAN_EDITOR: EVERY},
    "knowledge.goal": {PLAN_EDITOR: SEE | {"revision"}},
    # Agency editors report on their own agency's items (drafts; they never delete one) and
    # see the queue of their drafts and who is responsible for what. Reviewers report on
    # every item and manage agencies, responsibilities and schedules. Nobody but a superuser
    # erases a fact or brings an erased one back.
    "progress.progressupdate": {
        AGENCY_EDITOR: OWN_FACTS | {"queue"},
        REVIEWER: EVERY_FACT | {"queue"},
    },
    "progress.indicator": {AGENCY_EDITOR: OWN_FACTS, REVIEWER: EVERY_FACT},
    "progress.milestone": {AGENCY_EDITOR: OWN_FACTS, REVIEWER: EVERY_FACT},
    "progress.agency": {AGENCY_EDITOR: SEE, REVIEWER: EVERY},
    "progress.responsibility": {AGENCY_EDITOR: SEE, REVIEWER: EVERY},
    "progress.schedule": {AGENCY_EDITOR: SEE, REVIEWER: EVERY},
    # The reporting periods (issue 22): agency editors see them and their own page (我的填報);
    # reviewers generate, add, edit and remove them (never a signed-off one).
    "progress.reportingperiod": {
        AGENCY_EDITOR: SEE | {"mine"},
        REVIEWER: EVERY | {"mine", "generate"},
    },
    # Accounts, groups, sign-in records and the audit trail: superusers only (not named).
}


# What nobody opens, superusers included.
NO_ONE = {
    ("plan.plan", "recover list"),  # a plan that no longer exists has no items to come back
    ("plan.deletedplannode", "add"),  # items get there by being deleted
    ("knowledge.goal", "add"),  # the 17 goals are loaded with the site …
    ("knowledge.goal", "delete"),  # … and stay (so none is recovered either)
    ("knowledge.goal", "recover list"),
    ("axes.accessattempt", "add"),  # sign-in records are written by signing in
    ("axes.accesslog", "add"),
    ("axes.accessfailurelog", "add"),
    ("staff.auditevent", "add"),  # the audit trail is read only
    ("staff.auditevent", "delete"),
    ("progress.sentreminder", "add"),  # what send_reminders sent: written by sending …
    ("progress.sentreminder", "delete"),  # … and kept (superusers read it)
}


# Where a page those who may open it answers other than 200: (status, where it sends them).
ANSWERS = {
    # Deleted plan items are restored in place from their own list, not by reversion.
    ("plan.plannode", "recover list"): (302, "/admin/plan/deletedplannode/"),
    ("plan.plannode", "move"): (405, None),  # the tree's drag and drop: POST only
}


def expected(role, label, page, path):
    """(status, where a redirect goes) for `role` opening `page` of `label` at `path`."""
    if role == ANONYMOUS:
        return 302, f"/admin/login/?next={path}"
    if role == PENDING:
        return 302, "/admin/two-factor/?next="
    if (label, page) in NO_ONE:
        return 403, None
    if role != SUPERUSER and page not in POLICY.get(label, {}).get(role, ()):
        return 403, None
    return ANSWERS.get((label, page), (200, None))


STANDARD_URL_NAMES = {"changelist", "add", "history", "delete", "change", "recoverlist"}


STANDARD_URL_NAMES |= {"recover", "revision"}


def own_pages(model_admin):
    """The admin's own extra pages that take no argument: (name, path)."""
    opts = model_admin.model._meta
    base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    for pattern in model_admin.get_urls():
        name = (pattern.name or "").removeprefix(f"{opts.app_label}_{opts.model_name}_")
        if name in STANDARD_URL_NAMES or pattern.pattern.regex.groups:
            continue
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        if not route:
            continue
        yield route.rstrip("/"), base + route


def pages(objects):
    """(app.model, page, path) for every admin page the matrix opens."""
    found = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        label = f"{opts.app_label}.{opts.model_name}"
        name = f"admin:{opts.app_label}_{opts.model_name}"
        versioned = isinstance(model_admin, VersionAdmin)
        found.append((label, "list", reverse(f"{name}_changelist")))
        found.append((label, "add", reverse(f"{name}_add")))
        assert label in objects, f"make an object of {label} in the matrix's set-up"
        for scope, obj in objects[label].items():
            suffix = "" if scope == "own" else f" {scope}"
            for page in ("change", "delete", "history"):
                found.append((label, page + suffix, reverse(f"{name}_{page}", args=[obj.pk])))
            if versioned:
                version = Version.objects.get_for_object(obj).first()
                assert version is not None, f"{label} #{obj.pk} has no recorded version"
                path = reverse(f"{name}_revision", args=[obj.pk, version.pk])
                found.append((label, "revision" + suffix, path))
        if versioned:
            found.append((label, "recover list", reverse(f"{name}_recoverlist")))
        for page, path in own_pages(model_admin):
            found.append((label, page, path))
    return found


def node(ref):
    from plan.models import PlanNode

    return PlanNode.objects.get(ref=ref)


def facts_on(ref, agency, user):
    """A draft update, indicator and milestone on the item `ref`."""
    from progress.models import Indicator, Milestone, ProgressUpdate

    item = node(ref)
    common = {"node": item, "state": "draft", "submitted_by": user}
    return {
        "progress.progressupdate": ProgressUpdate.objects.create(
            date=date(2025, 3, 31),
            status="in_progress",
            percent=40,
            summary_zh_hant="進度說明",
            source="https://example.gov.tw/report",
            agency=agency,
            **common,
        ),
        "progress.indicator": Indicator.objects.create(
            key=f"{ref}-km",
            name_zh_hant="路網長度",
            direction="increase",
            values={"114": {"target": "50"}},
            **common,
        ),
        "progress.milestone": Milestone.objects.create(
            planned_date=date(2025, 12, 31), description_zh_hant="完工", **common
        ),
    }


def signed_in(username, verify=True):
    """A client signed in as a person signs in: the password, then a backup code."""
    user = User.objects.get(username=username)
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    device.token_set.create(token=BACKUP_CODE)
    client = Client(raise_request_exception=False)
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    if verify:
        response = client.post("/admin/two-factor/", {"code": BACKUP_CODE})
        assert response.status_code == 302, f"{username}'s second factor was refused"
    return client


def build(plan_file_data):
    from django.contrib.auth.models import Permission

    from knowledge.roles import grant_plan_editors
    from plan.deletion import move_to_deleted
    from plan.roles import ensure_plan_editor_group
    from progress.models import Agency, Responsibility, Schedule
    from progress.roles import AGENCY_EDITOR as AGENCY_GROUP
    from progress.roles import REVIEWER as REVIEWER_GROUP
    from progress.roles import ensure_progress_groups

    plan = the_loaded_plan(plan_file_data)
    plan_group = ensure_plan_editor_group(Group, Permission)
    grant_plan_editors(Group, Permission)
    ensure_progress_groups(Group, Permission)

    root = User.objects.create_superuser("root", password=PASSWORD)
    planner = User.objects.create_user("planner", password=PASSWORD, is_staff=True)
    planner.groups.add(plan_group)
    waiting = User.objects.create_user("waiting", password=PASSWORD, is_staff=True)
    waiting.groups.add(plan_group)
    reporter = User.objects.create_user("reporter", password=PASSWORD, is_staff=True)
    reporter.groups.add(Group.objects.get(name=AGENCY_GROUP))
    reviewer = User.objects.create_user("checker", password=PASSWORD, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWER_GROUP))

    mine = Agency.objects.create(code="mrtb", name_zh_hant="捷運工程局")
    theirs = Agency.objects.create(code="ubd", name_zh_hant="都市發展局")
    mine.editors.add(reporter)
    responsibility = Responsibility.objects.create(
        node=node("mrt-network"), agency=mine, role="lead"
    )
    Responsibility.objects.create(node=node("social-housing"), agency=theirs, role="lead")
    schedule = Schedule.objects.create(
        node=node("mrt-network"), planned_start=date(2023, 1, 1), planned_end=date(2026, 12, 31)
    )
    own, other = facts_on("mrt-network", mine, reporter), facts_on("social-housing", theirs, root)
    deleted = node("rent-subsidies")
    move_to_deleted(deleted, root)

    from knowledge.models import Goal, Term, Topic
    from plan.models import DeletedPlanNode
    from progress.models import SentReminder

    SentReminder.objects.create(
        kind=SentReminder.Kind.values[0],
        key="deadline:test",
        recipient=reporter,
        username="reporter",
        day=date(2026, 10, 3),
        subject="填報提醒",
    )

    objects = {
        "plan.plan": {"own": plan},
        "plan.plannode": {"own": node("mrt-network")},
        "plan.deletedplannode": {"own": DeletedPlanNode.objects.get(pk=deleted.pk)},
        "knowledge.term": {"own": Term.objects.first()},
        "knowledge.topic": {"own": Topic.objects.first()},
        "knowledge.goal": {"own": Goal.objects.first()},
        "progress.agency": {"own": mine},
        "progress.responsibility": {"own": responsibility},
        "progress.schedule": {"own": schedule},
        **{label: {"own": fact, "other": other[label]} for label, fact in own.items()},
        "auth.user": {"own": planner},
    }
    # Every versioned object has a version, as an edit in the admin records it.
    for scoped in objects.values():
        for obj in scoped.values():
            if reversion.is_registered(type(obj)):
                with reversion.create_revision():
                    reversion.set_user(root)
                    obj.save()

    clients = {ANONYMOUS: Client(raise_request_exception=False)}
    # Signing in leaves the sign-in records and audit events the matrix opens, and one
    # mistyped password leaves a failed attempt.
    clients[AGENCY_EDITOR] = signed_in("reporter")
    Client().post("/admin/login/", {"username": "reporter", "password": "wrong"})
    clients[PLAN_EDITOR] = signed_in("planner")
    clients[REVIEWER] = signed_in("checker")
    clients[SUPERUSER] = signed_in("root")
    clients[PENDING] = signed_in("waiting", verify=False)
    # Kept only where AXES_ENABLE_ACCESS_FAILURE_LOG is on (its admin is there regardless).
    from axes.models import AccessFailureLog

    AccessFailureLog.objects.create(username="reporter", ip_address="10.0.0.1", user_agent="-")

    # Whatever else is registered: its first object (a model added later gets one here).
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        if label not in objects:
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                objects[label] = {"own": first}
    return clients, pages(objects)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, plan_file_data):
    """The data, the signed-in clients and the pages, made once and rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(STAFF_2FA_REQUIRED=True):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build(plan_file_data)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_answers_each_role_as_the_policy_says(matrix, db, role):
    clients, found = matrix
    client = clients[role]
    wrong = []
    for label, page, path in found:
        want, where = expected(role, label, page, path)
        response = client.get(path)
        got = response.status_code
        location = response.get("Location", "")
        if got != want or (where and not location.startswith(where)):
            wrong.append(
                f"{label} {page} ({path}): {got} {location}, expected {want} {where or ''}"
            )
    assert not wrong, f"{role}: {len(wrong)} of {len(found)} pages answer wrongly:\n" + "\n".join(
        wrong
    )


def test_the_matrix_covers_every_registered_model(matrix):
    _, found = matrix
    labels = {label for label, _, _ in found}
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert labels == registered
    assert set(POLICY) <= registered, "the policy names a model the admin no longer has"
    assert {"queue", "export.csv", "move"} <= {page for _, page, _ in found}
    assert not [p for _, p, _ in found if re.search(r"[<(]", p)]
