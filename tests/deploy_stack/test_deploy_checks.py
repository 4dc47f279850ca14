"""Security headers, deployment checks, login lockout, escaping, backups, tree checks."""

import os
import subprocess
import sys

import pytest

from ..factories import ROOT, SLUG


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


@pytest.mark.engine_free  # settings read in a subprocess
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


def test_a_host_name_not_ours_gets_the_designed_400(client, plan):
    """Before, the 400 page itself built absolute links from the refused host: a 500."""
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()


# ------------------------------------------------------------------------------------------
# Trust under change: what citizens see follows every write, on every server, under every host
# name and release; the tree's rules hold on every write path; nothing is lost on delete; dates
# are honest. Each test names the finding it guards (issue 11).


def test_check_deploy_requires_a_named_release(settings):
    from portal.checks import check_release_is_named

    settings.PORTAL_RELEASE = ""
    assert [e.id for e in check_release_is_named(None)] == ["portal.E002"]
    settings.PORTAL_RELEASE = "abc123"
    assert check_release_is_named(None) == []
