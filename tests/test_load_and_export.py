"""test_load_and_export"""

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import reversion
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from plan.exchange import comparable, create_plan, plan_data
from plan.history import record_loaded
from plan.models import Plan, PlanNode
from progress.models import Agency, Indicator, Milestone, ProgressUpdate, Responsibility, Schedule
from progress.roles import AGENCY_EDITOR
from staff.audit import record
from staff.models import AuditEvent, PasswordHistory

from .factories import PLAN_FILE, SLUG

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def walk(node):
    yield node
    for child in node["children"]:
        yield from walk(child)


@pytest.mark.django_db
def test_load_plan_loads_every_fixture_once(
    without_plan,
):
    out, _ = run("load_plan")
    assert f"{SLUG}: loaded 46 nodes" in out
    before = list(PlanNode.objects.values_list("pk", "path", "updated_at"))
    out, _ = run("load_plan")
    assert f"{SLUG}: already loaded, unchanged" in out
    assert list(PlanNode.objects.values_list("pk", "path", "updated_at")) == before
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_load_plan_never_overwrites_staff_edits():
    run("load_plan", str(PLAN_FILE))
    node = PlanNode.objects.get(title_zh_hant="健全大眾運輸捷運路網")
    node.title_en = "An edited title"
    node.save()
    with pytest.raises(CommandError, match="nothing was overwritten"):
        run("load_plan")
    node.refresh_from_db()
    assert node.title_en == "An edited title"


@pytest.mark.django_db
def test_load_plan_lists_what_differs():
    run("load_plan")
    node = PlanNode.objects.get(title_zh_hant="健全大眾運輸捷運路網")
    node.title_en = "An edited title"
    node.save()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_plan", stdout=StringIO(), stderr=err)
    assert f"/tree/children/livable/children/{node.ref}/title/en" in err.getvalue()
    assert "in 1 place(s)" in err.getvalue()


@pytest.mark.django_db
def test_load_plan_replace_restores_the_file():
    run("load_plan")
    PlanNode.objects.filter(title_zh_hant="健全大眾運輸捷運路網").update(title_en="Edited")
    out, _ = run("load_plan", "--replace")
    assert "replaced" in out
    assert PlanNode.objects.get(title_zh_hant="健全大眾運輸捷運路網").title_en != "Edited"
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])
    assert PlanNode.objects.count() == 46


@pytest.mark.django_db
def test_load_plan_rejects_a_file_that_is_not_a_plan(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(CommandError, match="not a plan file"):
        run("load_plan", str(bad))


@pytest.mark.django_db
def test_two_plans_live_side_by_side(without_plan, plan_file_data):
    first = create_plan(plan_file_data)
    second = create_plan(
        {**plan_file_data, "slug": "kaohsiung-116-119", "term": {"roc": [116, 119]}}
    )
    assert (
        PlanNode.objects.for_plan(first).count() == PlanNode.objects.for_plan(second).count() == 46
    )
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])
    assert not set(PlanNode.objects.for_plan(first).values_list("path", flat=True)) & set(
        PlanNode.objects.for_plan(second).values_list("path", flat=True)
    )


def test_export_format(plan):
    out, _ = run("export_plan", SLUG)
    data = json.loads(out)
    for key in ("slug", "title", "preamble", "closing", "tree"):
        assert key in data
    assert data["slug"] == SLUG
    assert data["title"]["zh-hant"] == "高雄市政府112至115年度中程施政計畫"
    assert data["preamble"]["zh-hant"].startswith("帶領高雄轉型")
    goal = data["tree"]
    assert goal["kind"] == "goal"
    assert goal["url"] == f"/{SLUG}/"
    nodes = list(walk(goal))
    assert len(nodes) == 46
    for node in nodes:
        assert set(node) >= {
            "kind",
            "ref",
            "number",
            "title",
            "body",
            "chart_label",
            "url",
            "children",
        }
        for field in ("title", "body"):
            assert set(node[field]) == {"zh-hant", "en"}
    strategy = goal["children"][1]["children"][5]
    assert strategy["title"]["zh-hant"] == "健全大眾運輸捷運路網"
    assert strategy["number"] == {"zh-hant": "(六)", "en": "(6)"}
    assert strategy["url"] == f"/{SLUG}/{strategy['ref']}/"
    action = goal["children"][1]["children"][1]["children"][0]
    assert action["kind"] == "action"
    assert action["body"]["zh-hant"].startswith("攜手中央合力規劃興辦社會住宅")
    assert action["url"].endswith(f"#{action['ref']}")


def test_export_round_trips_into_an_empty_database(plan):
    exported = plan_data(plan)
    Plan.objects.all().delete()
    again = create_plan(exported)
    assert comparable(plan_data(again)) == comparable(exported)


def test_english_is_complete_and_free_of_chinese(plan):
    data = plan_data(plan)
    texts = [data[k] for k in ("title", "authority", "preamble", "closing", "preamble_heading")]
    texts += [data["chart"]["title"], *data["chart"]["rows"].values()]
    for node in walk(data["tree"]):
        texts += [node["title"], node["body"]]
        if node["chart_label"]:
            texts.append(node["chart_label"])
    for text in texts:
        if text["zh-hant"]:
            assert text["en"].strip(), f"no English for {text['zh-hant'][:20]}"
        assert not CJK.search(text["en"]), f"Chinese in English text: {text['en'][:40]}"
    assert not CJK.search(json.dumps([t["en"] for t in texts], ensure_ascii=False))


def test_export_unknown_plan_fails_clearly(db):
    with pytest.raises(CommandError, match="no published plan"):
        run("export_plan", "nowhere")


# ------------------------------------------------------------------------------------------
# backup_site and restore_site carry every progress table, with the review states, and the staff
# audit trail exactly.


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
    without_plan, tmp_path, plan_file_data, progress_groups
):
    create_plan(plan_file_data)
    mrt = PlanNode.objects.get(ref="mrt-network")
    editor = User.objects.create_user("mrt-editor", password="x" * 16, is_staff=True)
    editor.groups.add(Group.objects.get(name=AGENCY_EDITOR))
    agency = Agency.objects.create(code="mrtb", name_zh_hant="捷運工程局", name_en="MRT Bureau")
    agency.editors.add(editor)
    Responsibility.objects.create(node=mrt, agency=agency, role="lead")
    Schedule.objects.create(node=mrt, planned_start=date(2023, 3, 1), weight=Decimal(2))
    # A year's report, superseded by its correction.
    report = {"node": mrt, "date": date(2024, 12, 31), "status": "in_progress", "agency": agency}
    old = ProgressUpdate.objects.create(
        state="superseded",
        percent=Decimal("40.5"),
        summary_zh_hant="年度進度",
        source="https://example.gov.tw/2024",
        **report,
    )
    ProgressUpdate.objects.create(
        state="published",
        supersedes=old,
        percent=Decimal("38"),
        summary_zh_hant="更正",
        source="https://example.gov.tw/2024b",
        **report,
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
    without_plan, client, tmp_path, plan_file_data, progress_groups
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


# ------------------------------------------------------------------------------------------
# Security headers, deployment checks, login lockout, escaping, backups, tree checks.


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_loses_nothing(without_plan, tmp_path, plan_file_data):
    from plan.exchange import comparable, create_plan, plan_data
    from plan.tree import PlanTree

    plan = create_plan(plan_file_data)
    record_loaded(plan, "kaohsiung-112-115.json")
    editor = User.objects.create_user("editor", password="editor-password-2026", is_staff=True)
    node = PlanNode.objects.get(ref="mrt-network")
    node.title_en = "Edited English title"
    node.body_zh_hant = node.body_zh_hant + "（修正）"
    with reversion.create_revision():
        reversion.set_user(editor)
        node.save()
    PlanNode.objects.move(
        PlanNode.objects.get(ref="mrt-network"), PlanNode.objects.get(ref="net-zero"), "left"
    )
    before = plan_data(plan, PlanTree.load(plan, include_unpublished=True))
    history_before = list(
        reversion.models.Version.objects.order_by("pk").values_list(
            "object_id", "serialized_data", "revision__user__username"
        )
    )
    backup = tmp_path / "backup.json"
    call_command("backup_site", str(backup), stdout=StringIO())

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)  # brings back the editor group, as on a new server
    out = StringIO()
    call_command("restore_site", str(backup), stdout=out)
    assert "no problems" in out.getvalue()

    plan = Plan.objects.get()
    after = plan_data(plan, PlanTree.load(plan, include_unpublished=True))
    assert comparable(after) == comparable(before)
    assert after["tree"]["children"][1]["children"][0]["ref"] == "mrt-network"
    assert (
        list(
            reversion.models.Version.objects.order_by("pk").values_list(
                "object_id", "serialized_data", "revision__user__username"
            )
        )
        == history_before
    )
    assert User.objects.get(username="editor").check_password("editor-password-2026")


@pytest.mark.django_db
def test_restore_refuses_a_database_with_plans(without_plan, tmp_path, plan_file_data):
    from plan.exchange import create_plan

    create_plan(plan_file_data)
    backup = tmp_path / "b.json"
    call_command("backup_site", str(backup), stdout=StringIO())
    with pytest.raises(CommandError, match="empty"):
        call_command("restore_site", str(backup), stdout=StringIO())
