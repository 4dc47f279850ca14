"""Security headers, deployment checks, login lockout, escaping, backups, tree checks."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
import reversion
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from plan.history import record_loaded
from plan.models import Plan, PlanNode

from .conftest import ROOT, SLUG

HOSTILE = "<script>alert('x')</script>"


@pytest.mark.parametrize(
    "path", ["/", f"/en/{SLUG}/mrt-network/", f"/{SLUG}/chart/", "/admin/login/", "/no/such/"]
)
def test_security_headers_on_every_response(client, plan, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_cached_pages_keep_their_security_headers(client, plan):
    client.get("/")
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Permissions-Policy"]


def test_check_deploy_is_silent_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k"
        + "-".join(["production", "secret", "for", "the", "deploy", "check"]) * 2
        + "x9Q!",
        "DJANGO_ALLOWED_HOSTS": "plan.example.gov.tw",
        "DJANGO_HTTPS": "1",
        "DJANGO_BEHIND_PROXY": "1",
        # The data catalogue's contact (data.gov.tw asks every dataset for one).
        "OPEN_DATA_CONTACT_NAME": "研考會資訊室",
        "OPEN_DATA_CONTACT_EMAIL": "opendata@example.gov.tw",
    }
    for test_only in ("PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(test_only, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def login(client, username, password, address="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_repeated_failures_lock_the_user_out_with_a_clear_message(client):
    User.objects.create_user("staff", password="the-right-password-1", is_staff=True)
    for _ in range(4):
        assert login(client, "staff", "wrong").status_code == 200
    assert login(client, "staff", "wrong").status_code == 429  # the fifth failure locks
    locked = login(client, "staff", "the-right-password-1")
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode() or "登入已鎖定" in locked.content.decode()
    # From another address too: the user name itself is locked.
    assert login(client, "staff", "the-right-password-1", address="10.0.0.2").status_code == 429
    # A superuser unlocks it.
    call_command("axes_reset_username", "staff", stdout=StringIO())
    assert login(client, "staff", "the-right-password-1", address="10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_repeated_failures_lock_the_address_out(client):
    for n in range(5):
        login(client, f"guess{n}", "wrong", address="10.9.9.9")
    User.objects.create_user("other", password="another-right-password", is_staff=True)
    assert login(client, "other", "another-right-password", address="10.9.9.9").status_code == 429
    assert login(client, "other", "another-right-password", address="10.9.9.10").status_code == 302


def test_password_validators_are_on():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("kaohsiung")
    validate_password("a sufficiently long passphrase 2026")


def test_admin_address_is_configurable():
    env = {**os.environ, "DJANGO_ADMIN_URL": "staff-only-7f3a/"}
    code = "import django; django.setup(); from django.urls import reverse; print(reverse('admin:index'))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "/staff-only-7f3a/", out.stderr


def test_staff_text_is_never_code(client, plan):
    node = PlanNode.objects.get(ref="mrt-network")
    node.title_zh_hant = node.title_en = f"捷運 {HOSTILE}"
    node.body_en = f"MRT {HOSTILE}"
    with reversion.create_revision():
        node.save()
    record_loaded(Plan.objects.get(), "x.json")
    pages = [
        "/",
        f"/{SLUG}/",
        f"/{SLUG}/livable/",
        f"/{SLUG}/mrt-network/",
        f"/en/{SLUG}/mrt-network/",
        f"/{SLUG}/full-text/",
        f"/{SLUG}/chart/",
        f"/{SLUG}/chart.svg",
        "/site-map/",
        f"/en/{SLUG}/mrt-network/history/",
        "/en/changes/",
        "/en/changes/feed/",
        "/search/?q=%E6%8D%B7%E9%81%8B",
        "/en/search/?q=MRT",
        f"/{SLUG}/quality-jobs/",
    ]
    for path in pages:
        body = client.get(path).content.decode()
        assert HOSTILE not in body, path
        assert "<script" not in body.replace("&lt;script", ""), path
    # Exports carry the text as data, exactly as entered, in formats that are not run.
    exported = client.get(f"/data/{SLUG}.json")
    assert exported["Content-Type"].startswith("application/json")
    assert HOSTILE in json.dumps(exported.json(), ensure_ascii=False)
    assert client.get(f"/data/{SLUG}.csv")["Content-Type"].startswith("text/csv")


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_loses_nothing(tmp_path, plan_file_data):
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
def test_restore_refuses_a_database_with_plans(tmp_path, plan_file_data):
    from plan.exchange import create_plan

    create_plan(plan_file_data)
    backup = tmp_path / "b.json"
    call_command("backup_site", str(backup), stdout=StringIO())
    with pytest.raises(CommandError, match="empty"):
        call_command("restore_site", str(backup), stdout=StringIO())


def test_check_tree_passes_on_the_fixture_and_finds_damage(plan):
    out = StringIO()
    call_command("check_tree", stdout=out)
    assert "no problems" in out.getvalue()
    PlanNode.objects.filter(ref="mrt-network").update(numchild=5)
    with pytest.raises(CommandError, match="problem"):
        call_command("check_tree", stdout=StringIO(), stderr=StringIO())


def test_a_host_name_not_ours_gets_the_designed_400(client, plan):
    """Before, the 400 page itself built absolute links from the refused host: a 500."""
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()
