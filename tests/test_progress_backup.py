"""backup_site and restore_site carry every progress table, with the review states, and
the staff audit trail exactly."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from plan.exchange import create_plan
from plan.models import PlanNode
from progress.models import Agency, Indicator, Milestone, ProgressUpdate, Responsibility, Schedule
from progress.roles import AGENCY_EDITOR
from staff.audit import record
from staff.models import AuditEvent, PasswordHistory

MODELS = (Agency, Responsibility, Schedule, ProgressUpdate, Indicator, Milestone)


def dump():
    return {
        # Users by name: a restored database numbers its accounts afresh.
        model.__name__: serializers.serialize(
            "json", model.objects.order_by("pk"), use_natural_foreign_keys=True
        )
        for model in MODELS
    }


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_every_progress_table(
    tmp_path, plan_file_data, progress_groups
):
    create_plan(plan_file_data)
    mrt = PlanNode.objects.get(ref="mrt-network")
    editor = User.objects.create_user("mrt-editor", password="x" * 16, is_staff=True)
    editor.groups.add(Group.objects.get(name=AGENCY_EDITOR))
    agency = Agency.objects.create(code="mrtb", name_zh_hant="捷運工程局", name_en="MRT Bureau")
    agency.editors.add(editor)
    Responsibility.objects.create(node=mrt, agency=agency, role="lead")
    Schedule.objects.create(node=mrt, planned_start=date(2023, 3, 1), weight=Decimal(2))
    old = ProgressUpdate.objects.create(
        node=mrt,
        date=date(2024, 12, 31),
        status="in_progress",
        percent=Decimal("40.5"),
        summary_zh_hant="年度進度",
        source="https://example.gov.tw/2024",
        agency=agency,
        state="superseded",
    )
    ProgressUpdate.objects.create(
        node=mrt,
        date=date(2024, 12, 31),
        status="in_progress",
        percent=Decimal("38"),
        summary_zh_hant="更正",
        source="https://example.gov.tw/2024b",
        agency=agency,
        state="published",
        supersedes=old,
    )
    Indicator.objects.create(
        node=mrt,
        key="km",
        name_zh_hant="路網長度",
        direction="increase",
        values={"114": {"target": "50", "actual": "42", "source": "府交字第1號"}},
        state="draft",
    )
    Milestone.objects.create(
        node=mrt, planned_date=date(2025, 6, 30), description_zh_hant="通車", state="published"
    )
    before = dump()
    backup = tmp_path / "backup.json"
    call_command("backup_site", str(backup), stdout=StringIO())

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("restore_site", str(backup), stdout=StringIO())

    assert dump() == before
    assert list(Agency.objects.get().editors.values_list("username", flat=True)) == ["mrt-editor"]


def audit_trail():
    return list(
        AuditEvent.objects.order_by("pk").values_list(
            "time", "kind", "user__username", "username", "target", "detail", "ip_address"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_keep_the_audit_trail_exactly(
    client, tmp_path, plan_file_data, progress_groups
):
    """The trail must be kept for a year (STAFF_AUDIT_RETENTION_DAYS): a restore brings back
    every event as it was, and adds one of its own. Sign-in secrets stay out."""
    # Events older than the retention period were pruned: the trail's numbers do not start
    # at 1 (so nothing the restore writes can hide under a backed-up event's number).
    for _ in range(10):
        record("login", username="long-gone")
    AuditEvent.objects.update(time=timezone.now() - timedelta(days=400))
    call_command("prune_audit", stdout=StringIO())
    create_plan(plan_file_data)
    password = "Editor-password-2026"
    editor = User.objects.create_user("editor", password=password, is_staff=True)
    editor.groups.add(Group.objects.get(name=AGENCY_EDITOR))  # a permissions event
    client.post(
        "/admin/login/", {"username": "editor", "password": "wrong"}, REMOTE_ADDR="10.2.0.1"
    )
    client.post(
        "/admin/login/", {"username": "editor", "password": password}, REMOTE_ADDR="10.2.0.2"
    )
    client.post("/admin/logout/", REMOTE_ADDR="10.2.0.2")
    TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    StaticDevice.objects.create(user=editor, name="backup codes", confirmed=True)
    for kind in ("rollback", "withdrawal", "erase"):
        record(kind, user=editor, target=f"progress #{kind}", detail="理由：資料有誤")
    gone = User.objects.create_user("leaver", password=password, is_staff=True)
    record("login", user=gone, detail="password")
    gone.delete()  # the event keeps the name
    # A year of events, to the microsecond.
    AuditEvent.objects.filter(kind="erase").update(
        time=timezone.now() - timedelta(days=364, microseconds=123457)
    )
    before = audit_trail()
    assert len(before) >= 8
    assert {"login_failed", "login", "logout", "permissions", "rollback", "erase"} <= {
        row[1] for row in before
    }
    assert ("login", None, "leaver") in {row[1:4] for row in before}
    backup = tmp_path / "backup.json"
    call_command("backup_site", str(backup), stdout=StringIO())
    models = {row["model"] for row in json.loads(backup.read_text("utf-8"))}
    assert "staff.auditevent" in models
    assert not [m for m in models if m.startswith("otp_") or m in ("staff.passwordhistory",)]

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("restore_site", str(backup), stdout=StringIO())

    after = audit_trail()
    assert after[: len(before)] == before
    # The restore is an event too, and the only new one (loading the backup's group
    # memberships is not a permission change).
    assert len(after) == len(before) + 1
    restore = AuditEvent.objects.order_by("pk").last()
    assert (restore.kind, restore.username) == ("content", "manage.py")
    assert restore.target == "restore_site backup.json"
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert not PasswordHistory.objects.exists()


def test_the_backup_file_holds_no_sign_in_secrets():
    from plan.management.commands.backup_site import APPS

    assert "progress" in APPS
    # The audit trail, yes; two-factor devices, password history and account state, no.
    assert "staff.auditevent" in APPS
    assert not [
        app
        for app in APPS
        if app.startswith(("otp", "django_otp"))
        or (app.startswith("staff") and app != "staff.auditevent")
    ]
