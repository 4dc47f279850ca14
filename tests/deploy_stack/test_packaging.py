"""The wheel (`pip wheel . --no-deps`) carries every file the apps need: their modules and
migrations, and every other file inside an app package (staff's sign-in templates and styles,
knowledge/sdgs.json, …), so that a file added to an app later is packaged or this fails.
The site's own templates/, static/, fixtures/ and locale/ stay outside the wheel: a
deployment runs from the checkout (README, "Deploying").

The wheel is built once, from a copy of the apps, tests/ and pyproject.toml: setuptools'
build/ folder in a checkout can hold files since deleted, which a wheel built there would
still carry (and the copy of tests/ shows that the package list keeps them out)."""

import shutil
import subprocess
import sys
import zipfile

import pytest

from ..factories import ROOT

# The wheel holds the same files whatever the database: built on one engine's run only.
pytestmark = pytest.mark.engine_free

APPS = ("plan", "portal", "progress", "knowledge", "staff")


# Inside the app folders, but no part of what the apps run: each app's lint configuration.
NOT_PACKAGED = {"ruff.toml"}


def app_files():
    """Every file of the apps in the checkout, as the wheel names it (caches and hidden files,
    which git ignores too, left out)."""
    return sorted(
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
        and path.suffix != ".pyc"
        and path.name not in NOT_PACKAGED
    )


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for app in (*APPS, "tests"):
        shutil.copytree(
            ROOT / app, source / app, ignore=shutil.ignore_patterns("__pycache__", ".*")
        )
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_holds_every_file_of_the_apps(wheel_names):
    missing = [name for name in app_files() if name not in wheel_names]
    assert missing == []


def test_the_wheel_holds_the_files_the_apps_read_besides_their_modules(wheel_names):
    for name in (
        "knowledge/sdgs.json",
        "staff/templates/staff/verify.html",
        "staff/templates/staff/setup.html",
        "staff/templates/admin/staff/auditevent/change_list.html",
        "staff/static/staff/staff.css",
        "plan/migrations/0001_initial.py",
        "progress/migrations/__init__.py",
        "knowledge/migrations/__init__.py",
        "staff/migrations/__init__.py",
        "staff/templatetags/__init__.py",
    ):
        assert name in wheel_names, name


def test_the_sites_own_folders_stay_in_the_checkout(wheel_names):
    """templates/, static/, fixtures/ and locale/ are the site's, beside manage.py."""
    tops = {name.split("/")[0] for name in wheel_names}
    assert {top for top in tops if not top.endswith(".dist-info")} == set(APPS)


# ------------------------------------------------------------------------------------------
# Trust under change: what citizens see follows every write, on every server, under every host
# name and release; the tree's rules hold on every write path; nothing is lost on delete; dates
# are honest. Each test names the finding it guards (issue 11).


def test_pip_install_installs_the_apps(wheel_names):
    """Finding 11: `packages = []` installed the dependencies but not the apps."""
    names = wheel_names
    assert {
        "plan/models.py",
        "portal/settings.py",
        "plan/migrations/0001_initial.py",
        "progress/models.py",
        "staff/models.py",
        "knowledge/models.py",
        "knowledge/sdgs.json",
    } <= names
    assert not any(name.startswith("tests/") for name in names)


def test_no_build_artefacts_are_committed():
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [name for name in tracked if ".egg-info/" in name or name.startswith("build/")]
