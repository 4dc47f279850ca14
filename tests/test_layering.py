"""Trust under change: what citizens see follows every write, on every server, under every
host name and release; the tree's rules hold on every write path; nothing is lost on delete;
dates are honest. Each test names the finding it guards (issue 11)."""

import re

from .factories import ROOT


def test_the_data_apps_name_no_colours():
    """plan/, knowledge/, progress/ and staff/ hold the data, its rules and the staff's
    accounts; looks are the portal's (CSS). Which modules may use URL, view and HTML helpers
    or import which app is the lint's (each app's ruff.toml, TID251)."""
    colour = re.compile(r"#[0-9a-fA-F]{6}\b")
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("plan", "knowledge", "progress", "staff")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and colour.search(path.read_text("utf-8"))
    ]
    assert offenders == []


def test_the_layering_lint_bans_each_apps_back_arrows():
    """The lint is only as good as its configuration: each data app's ruff.toml bans the
    portal and the apps that build on it (a deleted or emptied file would pass silently)."""
    import tomllib

    must_not_import = {
        "plan": {"portal", "knowledge", "progress", "django.urls", "django.utils.html"},
        "knowledge": {"portal", "progress", "django.urls", "django.utils.html"},
        "progress": {"portal", "knowledge", "django.urls", "django.utils.html"},
        "staff": {"portal", "plan", "knowledge", "progress"},
    }
    for app, banned in must_not_import.items():
        config = tomllib.loads((ROOT / app / "ruff.toml").read_text("utf-8"))
        assert config["extend"] == "../pyproject.toml"
        assert banned <= set(config["lint"]["flake8-tidy-imports"]["banned-api"]), app
    root = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "TID251" in root["tool"]["ruff"]["lint"]["select"]


def test_one_accessor_for_the_published_plans():
    uses = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "portal").rglob("*.py")
        if "objects.published()" in path.read_text("utf-8")
        or "objects.for_pages()" in path.read_text("utf-8")
    ]
    assert uses == ["portal/published.py"]
