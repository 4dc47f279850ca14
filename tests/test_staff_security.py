"""Staff accounts as the 資通系統防護基準 asks: two factors, password rules, idle logout,
dormant accounts, the audit trail and its retention, least privilege, admin-only cookies.

Over 400 lines, one feature: staff security.
"""

import csv
import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO

import pytest
import reversion
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from reversion.models import Revision, Version

from plan.models import PlanNode
from staff.middleware import SEEN
from staff.models import AuditEvent, PasswordHistory, StaffProfile

from .factories import ROOT

PASSWORD = "Editor-password-2026"


def login(client, username, password, address="10.0.0.1", next_="/admin/"):
    return client.post(
        f"/admin/login/?next={next_}",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def current_code(device):
    """The authenticator app's code now (or the next one, when this one was just used)."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step) + device.drift
    return f"{hotp(device.bin_key, max(now_t, device.last_t + 1), device.digits):06d}"


def kinds(**filters):
    return list(AuditEvent.objects.filter(**filters).values_list("kind", flat=True))


@pytest.fixture
def editor(db, editor_group):
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.groups.add(editor_group)
    return user


@pytest.fixture
def boss(db):
    return User.objects.create_superuser("boss", password="Boss-password-2026")


def test_password_needs_three_kinds_of_character(db):
    with pytest.raises(ValidationError):
        validate_password("onlylowercaseletters")
    validate_password("Mixed case and 2026")


def test_a_new_password_is_not_one_of_the_previous_three(editor):
    passwords = [PASSWORD, "Second-password-2026", "Third-password-2026"]
    for new in passwords[1:]:
        validate_password(new, editor)
        editor.set_password(new)
        editor.save()
    for old in passwords:
        with pytest.raises(ValidationError, match="previous|前 3 次"):
            validate_password(old, editor)
    editor.set_password("Fourth-password-2026")
    editor.save()
    validate_password(PASSWORD, editor)  # four changes ago: allowed again
    assert PasswordHistory.objects.filter(user=editor).count() == 3
    # Only hashes are kept.
    assert not PasswordHistory.objects.filter(encoded__contains="password-2026").exists()


def test_an_old_password_must_be_changed_at_the_next_sign_in(client, editor, settings):
    profile = StaffProfile.for_user(editor)
    profile.password_changed_at = timezone.now() - timedelta(days=181)
    profile.save()
    assert login(client, "editor", PASSWORD).status_code == 302
    response = client.get("/admin/plan/plannode/")
    assert response.status_code == 302 and response.url == "/admin/password_change/"
    new = "A-brand-new-password-2026"
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/admin/plan/plannode/").status_code == 200
    assert "password" in kinds(user=editor)


def test_a_password_set_by_an_administrator_is_changed_at_first_sign_in(client, boss, db):
    client.force_login(boss)
    initial = "Initial-password-2026"
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newcomer",
            "password1": initial,
            "password2": initial,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer = User.objects.get(username="newcomer")
    newcomer.is_staff = True
    newcomer.save()
    assert StaffProfile.for_user(newcomer).must_change_password
    client.logout()
    assert login(client, "newcomer", initial).status_code == 302
    assert client.get("/admin/").url == "/admin/password_change/"
    # The same password again is refused (it is the current one).
    response = client.post(
        "/admin/password_change/",
        {"old_password": initial, "new_password1": initial, "new_password2": initial},
    )
    assert response.status_code == 200
    own = "My-own-password-2026"
    client.post(
        "/admin/password_change/",
        {"old_password": initial, "new_password1": own, "new_password2": own},
    )
    assert not StaffProfile.for_user(newcomer).must_change_password
    assert client.get("/admin/").status_code == 200
    # An administrator's reset raises the flag again.
    client.force_login(boss)
    reset = "Reset-by-admin-2026"
    client.post(
        f"/admin/auth/user/{newcomer.pk}/password/",
        {"password1": reset, "password2": reset, "usable_password": "true"},
    )
    assert StaffProfile.for_user(newcomer).must_change_password


def test_password_reset_by_email_with_a_one_time_link(client, editor):
    editor.email = "editor@example.gov.tw"
    editor.save()
    response = client.post("/admin/password_reset/", {"email": editor.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/admin/reset/" in line)
    path = link[link.index("/admin/reset/") :].strip()
    response = client.get(path)
    assert response.status_code == 302  # Django hides the token behind a redirect
    set_url = response.url
    new = "Chosen-after-reset-2026"
    response = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password(new)
    # The link works once.
    assert "password_reset" in kinds()
    client.get(path)
    response = client.post(
        set_url, {"new_password1": "Another-one-2026", "new_password2": "Another-one-2026"}
    )
    editor.refresh_from_db()
    assert editor.check_password(new)


def test_first_sign_in_enrols_and_later_ones_need_a_code(client, editor, two_factor):
    assert login(client, "editor", PASSWORD).status_code == 302
    response = client.get("/admin/plan/plannode/")
    assert response.status_code == 302 and response.url.startswith("/admin/two-factor/setup/")
    page = client.get("/admin/two-factor/setup/")
    body = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in body and "<script" not in body.split("</head>")[
        1
    ].replace('src="/static/portal/admin-session.js"', "")
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert client.post("/admin/two-factor/setup/", {"code": "000000"}).status_code == 200
    response = client.post("/admin/two-factor/setup/", {"code": current_code(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert client.get("/admin/plan/plannode/").status_code == 200
    assert "otp_enrolled" in kinds(user=editor)
    client.post("/admin/logout/")

    # Later: the password, then a code.
    login(client, "editor", PASSWORD)
    response = client.get("/admin/plan/plannode/")
    assert response.url.startswith("/admin/two-factor/?next=")
    response = client.post(
        "/admin/two-factor/", {"code": current_code(device), "next": "/admin/plan/plannode/"}
    )
    assert response.status_code == 302 and response.url == "/admin/plan/plannode/"
    client.post("/admin/logout/")

    # A backup code works once.
    login(client, "editor", PASSWORD)
    assert client.post("/admin/two-factor/", {"code": codes[0]}).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    login(client, "editor", PASSWORD)
    assert client.post("/admin/two-factor/", {"code": codes[0]}).status_code == 200
    assert StaticDevice.objects.get(user=editor).token_set.count() == 9


def test_wrong_codes_count_toward_the_lockout(client, editor, two_factor):
    device = TOTPDevice.objects.create(user=editor, name="a", confirmed=True)
    login(client, "editor", PASSWORD)
    for _ in range(4):
        assert (
            client.post(
                "/admin/two-factor/", {"code": "123456"}, REMOTE_ADDR="10.0.0.1"
            ).status_code
            == 200
        )
    response = client.post("/admin/two-factor/", {"code": "123456"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    # Signed out, and the password alone no longer gets in.
    assert client.get("/admin/").status_code == 302
    assert login(client, "editor", PASSWORD).status_code == 429
    assert kinds(kind="otp_failed").count("otp_failed") == 5
    assert "lockout" in kinds()
    assert device.pk


def test_a_superuser_resets_a_lost_device(client, editor, boss, two_factor):
    TOTPDevice.objects.create(user=editor, name="a", confirmed=True)
    boss_device = TOTPDevice.objects.create(user=boss, name="b", confirmed=True)
    login(client, "boss", "Boss-password-2026")
    client.post("/admin/two-factor/", {"code": current_code(boss_device)})
    response = client.post(
        "/admin/auth/user/",
        {"action": "reset_two_factor", "_selected_action": [editor.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()
    event = AuditEvent.objects.get(kind="otp_reset")
    assert event.user == boss and event.target == "editor"


@pytest.mark.engine_free  # settings read in a subprocess
def test_the_deploy_check_fails_when_two_factor_is_relaxed():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" + "production-secret-for-the-deploy-check-" * 2 + "x9Q!",
        "DJANGO_ALLOWED_HOSTS": "plan.example.gov.tw",
        "DJANGO_HTTPS": "1",
        "DJANGO_BEHIND_PROXY": "1",
        "PORTAL_RELEASE": "x",
        "STAFF_2FA_REQUIRED": "0",
    }
    env.pop("PYTEST_VERSION", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "staff.E001" in result.stdout + result.stderr


def test_an_idle_session_ends(client, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[SEEN] = time.time() - 16 * 60
    session.save()
    response = client.get("/admin/plan/plannode/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert client.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(kind="logout", detail="idle").exists()


def pass_idle_minutes(client, minutes):
    """Time moves on: the session's last use, and its expiry in the database (Django's own,
    SESSION_COOKIE_AGE), both lie that many minutes back."""
    from django.contrib.sessions.models import Session

    row = Session.objects.get(session_key=client.cookies["sessionid"].value)
    data = row.get_decoded()
    data[SEEN] -= minutes * 60
    Session.objects.filter(pk=row.pk).update(
        session_data=client.session.encode(data),
        expire_date=row.expire_date - timedelta(minutes=minutes),
    )


@pytest.mark.parametrize("minutes", [15, 20])
def test_the_sign_in_page_says_an_idle_session_ended(client, editor, settings, minutes):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = minutes
    settings.SESSION_COOKIE_AGE = minutes * 60
    login(client, "editor", PASSWORD, address="10.3.0.1")
    assert client.get("/admin/").status_code == 200
    pass_idle_minutes(client, minutes + 1)
    response = client.get("/admin/plan/plannode/", follow=True, REMOTE_ADDR="10.3.0.1")
    assert response.redirect_chain[-1][0].startswith("/admin/login/?next=/admin/plan/plannode/")
    said = f"您已閒置 {minutes} 分鐘，系統已自動登出。請重新登入。"
    assert said in response.content.decode()
    event = AuditEvent.objects.get(kind="logout")
    assert (event.user, event.detail, event.ip_address) == (editor, "idle", "10.3.0.1")
    # Said once; signing in again works.
    assert said not in client.get("/admin/login/").content.decode()
    login(client, "editor", PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_a_session_still_in_use_is_not_said_to_have_ended(client, editor):
    login(client, "editor", PASSWORD)
    client.get("/admin/")
    pass_idle_minutes(client, 14)
    assert client.get("/admin/plan/plannode/").status_code == 200
    client.post("/admin/logout/")
    page = client.get("/admin/login/").content.decode()
    assert "您已閒置" not in page
    assert not AuditEvent.objects.filter(detail="idle").exists()


def test_the_session_status_poll_does_not_keep_a_session_alive(client, editor):
    client.force_login(editor)
    client.get("/admin/")
    session = client.session
    session[SEEN] = time.time() - 14 * 60
    session.save()
    remaining = client.get("/admin/session/").json()["remaining"]
    assert 0 < remaining <= 60
    assert client.get("/admin/session/").json()["remaining"] <= remaining


def test_the_session_status_of_a_half_signed_in_session_is_not_signed_in(
    client, editor, two_factor
):
    """Password given, second factor not yet: not signed in, for the idle warning too, and
    asking ("stay signed in") does not keep the half-open session alive."""
    device = TOTPDevice.objects.create(user=editor, name="a", confirmed=True)
    login(client, "editor", PASSWORD)
    assert client.get("/admin/").url.startswith("/admin/two-factor/")
    assert client.get("/admin/session/").json() == {"authenticated": False, "remaining": 0}
    session = client.session
    session[SEEN] = time.time() - 14 * 60
    session.save()
    assert client.post("/admin/session/").json()["authenticated"] is False
    assert client.session[SEEN] < time.time() - 13 * 60
    # No idle warning on the two-factor page (the status would say "signed out").
    assert 'id="staff-session"' not in client.get("/admin/two-factor/").content.decode()
    client.post("/admin/two-factor/", {"code": current_code(device)})
    status = client.get("/admin/session/").json()
    assert status["authenticated"] is True and status["remaining"] > 14 * 60
    assert 'id="staff-session"' in client.get("/admin/").content.decode()


def test_an_account_that_must_enrol_is_not_signed_in_either(client, editor, two_factor):
    login(client, "editor", PASSWORD)
    assert client.get("/admin/").url.startswith("/admin/two-factor/setup/")
    assert client.get("/admin/session/").json()["authenticated"] is False
    assert 'id="staff-session"' not in client.get("/admin/two-factor/setup/").content.decode()


def test_the_session_status_of_a_signed_in_session(client, editor):
    assert client.get("/admin/session/").json()["authenticated"] is False
    login(client, "editor", PASSWORD)  # two factors off (the test settings)
    assert client.get("/admin/session/").json()["authenticated"] is True
    assert 'id="staff-session"' in client.get("/admin/two-factor/setup/").content.decode()


def test_cookies_belong_to_the_admin_only(client, plan, editor):
    response = client.get("/admin/login/")
    assert response.cookies["csrftoken"]["path"] == "/admin/"
    response = login(client, "editor", PASSWORD)
    assert response.cookies["sessionid"]["path"] == "/admin/"
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    client.get("/admin/")
    public = client.__class__()
    for path in (
        "/",
        "/en/",
        "/kaohsiung-112-115/",
        "/search/?q=捷運",
        "/site-map/",
        "/data/plans.json",
    ):
        assert not public.get(path).cookies, path
        # Even a signed-in editor's browser sends no cookie there, and gets none.
        assert not client.get(path).cookies, path


@pytest.mark.engine_free  # settings read in a subprocess
def test_production_cookies_are_secure():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_HTTPS": "1",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, "
        "s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.STAFF_2FA_REQUIRED)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split() == [
        "True",
        "True",
        "True",
        "Lax",
        "/admin/",
        "/admin/",
        "True",
        "True",
    ], out.stderr


def test_dormant_accounts_are_disabled_and_told_so(client, editor, boss):
    User.objects.filter(pk=editor.pk).update(
        last_login=timezone.now() - timedelta(days=91),
        date_joined=timezone.now() - timedelta(days=200),
    )
    out = StringIO()
    call_command("disable_dormant_accounts", "--list", stdout=out)
    assert "disabled: editor" in out.getvalue()
    assert "boss\tactive" in out.getvalue()  # joined today
    editor.refresh_from_db()
    assert not editor.is_active
    response = login(client, "editor", PASSWORD)
    assert response.status_code == 200
    assert (
        "not used for a long time" in response.content.decode()
        or "長期未使用" in response.content.decode()
    )
    # A wrong password learns nothing.
    response = login(client, "editor", "Wrong-password-2026", address="10.0.0.2")
    assert "長期未使用" not in response.content.decode()
    # A superuser enables it again; the next daily run leaves it alone.
    client.force_login(boss)
    data = {
        "username": "editor",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "groups": [g.pk for g in editor.groups.all()],
    }
    response = client.post(f"/admin/auth/user/{editor.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    call_command("disable_dormant_accounts", stdout=StringIO())
    editor.refresh_from_db()
    assert editor.is_active


def test_sign_ins_changes_and_content_are_audited(client, plan, editor, boss, progress_groups):
    login(client, "editor", "wrong", address="10.1.1.1")
    login(client, "editor", PASSWORD, address="10.1.1.1")

    node = PlanNode.objects.get(ref="mrt-network")
    response = client.get(f"/admin/plan/plannode/{node.pk}/change/")
    assert response.status_code == 200
    client.post("/admin/logout/")
    assert {"login_failed", "login", "logout"} <= set(kinds(username="editor"))
    assert AuditEvent.objects.filter(kind="login_failed", ip_address="10.1.1.1").exists()
    # Group and superuser changes, made by the superuser.
    client.force_login(boss)
    client.get("/admin/")
    reviewer = Group.objects.get(name="reviewer")
    from staff.audit import current_request  # noqa: F401  (the middleware sets the actor)

    with reversion.create_revision():
        reversion.set_user(editor)
        node.title_en = "Edited"
        node.save()
    editor.groups.add(reviewer)
    editor.is_superuser = True
    editor.save()
    events = AuditEvent.objects.filter(kind="permissions", target="editor")
    assert any("reviewer" in e.detail for e in events)
    assert any("is_superuser" in e.detail for e in events)
    assert AuditEvent.objects.filter(kind="content", user=editor).exists()


def test_the_audit_view_is_for_superusers_filterable_and_exportable(client, editor, boss):
    AuditEvent.objects.create(kind="login", user=editor, username="editor", detail="first")
    AuditEvent.objects.create(kind="login", user=boss, username="boss", detail="second")
    client.force_login(boss)
    response = client.get(f"/admin/staff/auditevent/?user__id__exact={editor.pk}")
    assert response.status_code == 200
    assert "first" in response.content.decode() and "second" not in response.content.decode()
    today = timezone.localdate()
    export = client.get(
        f"/admin/staff/auditevent/export.csv?user__id__exact={editor.pk}"
        f"&time__year={today.year}&time__month={today.month}&time__day={today.day}"
    )
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "time" and [r[1] for r in rows[1:]] == ["editor"]
    # A date range, as docs/staff-security.md shows it.
    # Tomorrow in the city's time zone: `time__date` is the Taipei calendar day (the UTC
    # date, as before, failed every day from 16:00 UTC, when Taipei's day has turned; and a
    # bare date given to `time__lt` is a naive datetime, which Django warns about).
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    ranged = client.get(f"/admin/staff/auditevent/?time__date__lt={tomorrow}&username=boss")
    assert ranged.status_code == 200 and "second" in ranged.content.decode()
    later = client.get(f"/admin/staff/auditevent/?time__date__gte={tomorrow}&username=boss")
    assert later.status_code == 200 and "second" not in later.content.decode()
    client.force_login(editor)
    assert client.get("/admin/staff/auditevent/").status_code == 403
    assert client.get("/admin/staff/auditevent/export.csv").status_code == 403


def test_pruning_keeps_the_public_history(plan, editor):

    old = timezone.now() - timedelta(days=400)
    node = PlanNode.objects.get(ref="mrt-network")
    with reversion.create_revision():
        reversion.set_user(editor)
        node.title_en = "Edited long ago"
        node.save()
    Revision.objects.update(date_created=old)
    AuditEvent.objects.create(kind="login", username="editor")
    AuditEvent.objects.update(time=old)
    AuditEvent.objects.create(kind="login", username="editor", detail="recent")
    revisions, versions = Revision.objects.count(), Version.objects.count()
    call_command("prune_audit", stdout=StringIO())
    assert list(AuditEvent.objects.values_list("detail", flat=True)) == ["recent"]
    assert (Revision.objects.count(), Version.objects.count()) == (revisions, versions)


@pytest.mark.parametrize("role", ["plan editor", "agency editor", "reviewer"])
def test_roles_cannot_manage_accounts_lockouts_or_the_audit(
    client, role, editor_group, progress_groups
):
    user = User.objects.create_user("someone", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    for path in (
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accessfailurelog/",
        "/admin/staff/auditevent/",
        "/admin/staff/auditevent/export.csv",
    ):
        assert client.get(path).status_code == 403, path
    index = client.get("/admin/").content.decode()
    for name in ("/admin/auth/", "/admin/axes/", "/admin/staff/"):
        assert name not in index


def test_the_admin_says_when_two_factor_is_off(client, settings, db):
    settings.STAFF_2FA_REQUIRED = False
    assert "STAFF_2FA_REQUIRED=0" in client.get("/admin/login/").content.decode()
    settings.STAFF_2FA_REQUIRED = True
    assert "STAFF_2FA_REQUIRED=0" not in client.get("/admin/login/").content.decode()


# ------------------------------------------------------------------------------------------
# Security headers, deployment checks, login lockout, escaping, backups, tree checks.


def sign_in_at(client, username, password, address="10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_repeated_failures_lock_the_user_out_with_a_clear_message(client):
    User.objects.create_user("staff", password="the-right-password-1", is_staff=True)
    for _ in range(4):
        assert sign_in_at(client, "staff", "wrong").status_code == 200
    assert sign_in_at(client, "staff", "wrong").status_code == 429  # the fifth failure locks
    locked = sign_in_at(client, "staff", "the-right-password-1")
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode() or "登入已鎖定" in locked.content.decode()
    # From another address too: the user name itself is locked.
    assert (
        sign_in_at(client, "staff", "the-right-password-1", address="10.0.0.2").status_code == 429
    )
    # A superuser unlocks it.
    call_command("axes_reset_username", "staff", stdout=StringIO())
    assert (
        sign_in_at(client, "staff", "the-right-password-1", address="10.0.0.2").status_code == 302
    )


@pytest.mark.django_db
def test_repeated_failures_lock_the_address_out(client):
    for n in range(5):
        sign_in_at(client, f"guess{n}", "wrong", address="10.9.9.9")
    User.objects.create_user("other", password="another-right-password", is_staff=True)
    assert (
        sign_in_at(client, "other", "another-right-password", address="10.9.9.9").status_code == 429
    )
    assert (
        sign_in_at(client, "other", "another-right-password", address="10.9.9.10").status_code
        == 302
    )


def test_password_validators_are_on():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("kaohsiung")
    validate_password("a sufficiently long passphrase 2026")


@pytest.mark.engine_free  # settings read in a subprocess
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


def test_the_audit_trail_names_its_events_as_nouns():
    """A list of what happened reads as nouns (密碼變更), not as orders (變更密碼): the labels
    staff see in the audit trail's event column and filter (issue 21)."""
    from django.utils import translation

    with translation.override("zh-hant"):
        labels = {kind: str(label) for kind, label in AuditEvent.Kind.choices}
    assert labels["password"] == "密碼變更"
    assert labels["account"] == "帳號異動"
    assert labels["content"] == "內容異動"
    assert labels["otp_enrolled"] == "完成雙因子登入設定"
    assert labels["permissions"] == "權限或群組異動"
    assert labels["password_reset"] == "密碼重設申請"
    # None starts with a verb of doing (變更, 設定, 申請, 重設 …).
    assert not [label for label in labels.values() if label.startswith(("變更", "設定", "申請"))]
