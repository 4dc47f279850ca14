"""Staff sign-in in the browser, in Chinese, with two factors on: a new editor's first sign-in
(own password, authenticator enrolment), a later sign-in with a code, a backup code, the idle
warning and logout, and a lockout after wrong codes. Everything under the strict CSP."""

import base64
import time

import pytest
from django.contrib.auth.models import User
from django_otp.oath import hotp

from .factories import admin_sign_in

pytestmark = pytest.mark.browser


INITIAL = "Given-by-admin-2026"


OWN = "Chosen-by-editor-2026"


def code_from_secret(secret, previous=None):
    """What the authenticator app shows, computed from the key on the enrolment page."""
    key = base64.b32decode(secret.replace(" ", ""))
    t = int(time.time() // 30)
    if previous is not None and t <= previous:
        t = previous + 1  # a code is accepted once; the next one is within the tolerance
    return f"{hotp(key, t, 6):06d}", t


@pytest.fixture
def newcomer(live_plan, editor_group):
    from staff.admin import require_password_change

    user = User.objects.create_user("newcomer", password=INITIAL, is_staff=True)
    user.groups.add(editor_group)
    require_password_change(user)  # as when a superuser adds the account in the admin
    return user


@pytest.fixture
def watch_csp(page):
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return violations


def sign_in(page, url, password):
    admin_sign_in(page, url, "newcomer", password)


def sign_out(page):
    page.click("#logout-form button")


def test_first_sign_in_then_codes_then_a_backup_code(
    live_plan, newcomer, two_factor, page, watch_csp, screenshot, check_a11y
):
    url = live_plan.url
    sign_in(page, url, INITIAL)
    # First: the editor's own password (Django's form, in Chinese).
    assert page.url.endswith("/admin/password_change/")
    assert "密碼" in page.locator("#content").inner_text()
    page.fill("#id_old_password", INITIAL)
    page.fill("#id_new_password1", OWN)
    page.fill("#id_new_password2", OWN)
    page.click("input[type=submit]")
    # Then: the authenticator app.
    assert "/admin/two-factor/setup/" in page.url
    qr = page.locator("img.staff-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 0  # drawn, not blocked by the CSP
    screenshot(page, "staff-2fa-setup")
    check_a11y(page)
    secret = page.locator("#staff-secret").inner_text()
    code, used = code_from_secret(secret)
    page.fill("#id_code", code)
    page.click("input[type=submit]")
    codes = page.locator(".staff-backup-codes code").all_inner_texts()
    assert len(codes) == 10
    check_a11y(page)
    page.click("a.button.default")
    # Back where the sign-in was going: the page confirming the password change.
    assert page.url.endswith("/admin/password_change/done/")
    page.goto(f"{url}/admin/")
    assert page.url.rstrip("/").endswith("/admin")
    assert page.locator("html").get_attribute("lang") == "zh-hant"
    assert page.locator("#content-main").is_visible()
    sign_out(page)

    # Later: the password, then the current code.
    sign_in(page, url, OWN)
    assert "/admin/two-factor/" in page.url
    check_a11y(page)
    code, used = code_from_secret(secret, previous=used)
    page.fill("#id_code", code)
    page.click("input[type=submit]")
    assert page.url.rstrip("/").endswith("/admin")
    sign_out(page)

    # Without the phone: a backup code, once.
    sign_in(page, url, OWN)
    page.fill("#id_code", codes[0])
    page.click("input[type=submit]")
    assert page.url.rstrip("/").endswith("/admin")
    sign_out(page)
    sign_in(page, url, OWN)
    page.fill("#id_code", codes[0])
    page.click("input[type=submit]")
    assert "/admin/two-factor/" in page.url
    assert page.locator(".errorlist").is_visible()
    # No cookie is ever sent to a public page.
    cookies = page.context.cookies([f"{url}/", f"{url}/kaohsiung-112-115/"])
    assert cookies == []
    assert watch_csp == []


def test_idle_warning_stay_signed_in_and_logout(live_plan, newcomer, settings, page, watch_csp):
    from staff.models import StaffProfile

    StaffProfile.objects.filter(user=newcomer).update(must_change_password=False)
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 0.1  # 6 seconds
    settings.STAFF_IDLE_WARNING_SECONDS = 3
    url = live_plan.url
    sign_in(page, url, INITIAL)
    notice = page.locator("#staff-session")
    stay = page.locator("#staff-session-stay")
    stay.wait_for(state="visible", timeout=8000)
    # Staying signed in renews the session and hides the notice.
    stay.click()
    notice.wait_for(state="hidden", timeout=5000)
    assert not notice.is_visible()
    # Then nothing for longer than the timeout: the notice says the session ended …
    page.locator("#staff-session-login").wait_for(state="visible", timeout=15000)
    # … and the server agrees: the next page is the sign-in page, with the reason.
    page.reload()
    assert "/admin/login/" in page.url
    assert page.locator(".messagelist").is_visible()
    assert watch_csp == []


def test_wrong_codes_lock_the_account(live_plan, newcomer, two_factor, page):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from staff.models import StaffProfile

    StaffProfile.objects.filter(user=newcomer).update(must_change_password=False)
    TOTPDevice.objects.create(user=newcomer, name="phone", confirmed=True)
    url = live_plan.url
    sign_in(page, url, INITIAL)
    for _ in range(5):
        page.fill("#id_code", "000000")
        page.click("input[type=submit]")
    assert "登入已鎖定" in page.locator("h1").inner_text()
    # Signed out, and the password alone is refused too.
    sign_in(page, url, INITIAL)
    assert "登入已鎖定" in page.locator("h1").inner_text()
