"""backup_site and restore_site carry every progress table, with the review states."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management import call_command

from plan.exchange import create_plan
from plan.models import PlanNode
from progress.models import Agency, Indicator, Milestone, ProgressUpdate, Responsibility, Schedule
from progress.roles import AGENCY_EDITOR

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


def test_the_backup_file_holds_no_sign_in_secrets():
    from plan.management.commands.backup_site import APPS

    assert "progress" in APPS
    assert not [app for app in APPS if app.startswith(("staff", "otp", "django_otp"))]
