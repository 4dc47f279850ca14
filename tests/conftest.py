import contextlib
import functools
import json
import os
import shutil
from pathlib import Path

import pytest

# live_server runs Django in a thread while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .factories import (
    ARTIFACTS,
    PLAN_FILE,
    WCAG22AA,
    add_sample_progress,
    make_agencies,
    make_agency_world,
    make_progress,
    the_loaded_plan,
)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches. A test's writes are rolled back at its end, so the
    next test's database reaches the same content versions again with other content (never
    so in production, where only committed versions are ever seen)."""
    from django.core.cache import cache

    from portal.serving.caching import clear_process_caches

    cache.clear()
    clear_process_caches()
    # A request to an /en/ page leaves English active in this thread; each test starts in
    # the site's default language, as each request does.
    from django.utils import translation

    translation.activate("zh-hant")
    yield


@functools.cache
def read_plan_file():
    """The plan's fixture, read once per process (the session fixture and the reload after
    each transactional test share it)."""
    return json.loads(PLAN_FILE.read_text("utf-8"))


@pytest.fixture(scope="session")
def plan_file_data():
    return read_plan_file()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, plan_file_data):
    """The test database, migrated, with the plan loaded and committed."""
    with django_db_blocker.unblock():
        the_loaded_plan(plan_file_data)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by flushing every table: the next test's plan is loaded and
    committed again here, once, rather than in each following test's transaction."""
    result = yield
    uses = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    flushed = {"transactional_db", "live_server"} & uses or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if flushed and nextitem is not None:
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            the_loaded_plan(read_plan_file())
    return result


@pytest.fixture
def plan(db, plan_file_data):
    """The 112–115 plan as `load_plan` loads it: the committed one (the_loaded_plan)."""
    return the_loaded_plan(plan_file_data)


@pytest.fixture
def without_plan(db):
    """The database as its migrations leave it, without the committed plan and what loading
    it made (its glossary and topics, their revisions), for tests of loading (rolled back)."""
    from reversion.models import Revision

    from knowledge.models import Term, Topic
    from plan.models import Plan

    for plan in Plan.objects.all():
        plan.delete()
    Term.objects.all().delete()
    Topic.objects.all().delete()
    Revision.objects.all().delete()


@pytest.fixture
def loaded(plan):
    """The plan with its load recorded, as `load_plan` leaves it (the first history entry)."""
    from plan.history import record_loaded

    record_loaded(plan, "kaohsiung-112-115.json")
    return plan


@pytest.fixture
def editor(db, client, editor_group):
    """A plan editor, signed in on the test client."""
    from django.contrib.auth.models import User

    user = User.objects.create_user("editor", password="a-long-test-password", is_staff=True)
    user.groups.add(editor_group)
    client.force_login(user)
    return user


@pytest.fixture
def tree(plan):
    from plan.tree import PlanTree

    return PlanTree.load(plan)


def chromium_path():
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


# Browser tests ---------------------------------------------------------------------------
# They run in Debian's Chromium through Playwright (never `playwright install`). Without
# Chromium they are skipped with a clear reason, except where REQUIRE_BROWSER_TESTS is set
# (CI), where a missing browser fails the run instead.

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    # Under pytest-xdist (`-n 2 --dist loadgroup`) a module's tests stay in one process, in
    # order (its module-scoped fixtures are set up once); the deploy stack's tests (fixed
    # ports, real nginx and gunicorn) share one group, as do the tests of the shared Redis.
    for item in items:
        if "stack" in item.keywords or "deploy_stack" in item.nodeid:
            group = "deploy-stack"
        elif item.nodeid.startswith("tests/test_caching.py"):
            group = "shared-redis"
        else:
            group = item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
    if chromium_path() or os.environ.get("REQUIRE_BROWSER_TESTS"):
        return
    reason = (
        "browser tests skipped: Chromium is not installed (apt-get install chromium fonts-noto-cjk)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _browser_required(request):
    if "browser" in request.keywords and not chromium_path():
        pytest.fail("REQUIRE_BROWSER_TESTS is set but Chromium is not installed")


def pytest_terminal_summary(terminalreporter):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in r.keywords]
    if skipped:
        terminalreporter.write_line(
            f"NOTE: {len(skipped)} browser tests were SKIPPED (no Chromium); the suite is not complete.",
            yellow=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture
def page(page):
    """pytest-playwright's page, settled before the test's database is flushed: the admin's
    tree opens itself with background requests, and one still being answered when the flush
    starts holds SQLite's lock (every later test then fails on "database table is locked")."""
    yield page
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=5_000)
        page.goto("about:blank")


@pytest.fixture
def live_plan(transactional_db, live_server, plan_file_data):
    """A running portal (live_server) with the plan loaded and committed."""
    the_loaded_plan(plan_file_data)
    return live_server


@pytest.fixture
def open_page(live_plan, browser):
    """Open a path of the live portal in a fresh browser context: (page, response)."""
    contexts = []

    def open_(path, width=1280, **options):
        context = browser.new_context(viewport={"width": width, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        response = page.goto(live_plan.url + path)
        return page, response

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def check_a11y():
    """Run axe-core (bundled, offline) on the page and fail on any WCAG 2.2 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        result = axe.run(page, options=WCAG22AA)
        assert result.violations_count == 0, result.generate_report()

    return check


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under artifacts/ (kept by CI, looked at by people)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def editor_group(db):
    """The "plan editor" group, as its migrations make it (transactional tests flush it): the
    plan's permissions and the knowledge layer's."""
    from django.contrib.auth.models import Group, Permission

    from knowledge.roles import grant_plan_editors
    from plan.roles import ensure_plan_editor_group

    group = ensure_plan_editor_group(Group, Permission)
    grant_plan_editors(Group, Permission)
    return group


@pytest.fixture
def progress_groups(db):
    """The agency editor and reviewer groups, as their migration makes them (transactional
    tests flush them)."""
    from django.contrib.auth.models import Group, Permission

    from progress.roles import ensure_progress_groups

    return ensure_progress_groups(Group, Permission)


@pytest.fixture
def agencies(db):
    """Two test agencies (tests.factories.make_agencies)."""
    return make_agencies()


@pytest.fixture
def progress(plan, agencies):
    """Published and draft progress of the two test agencies (tests.factories.make_progress)."""
    return make_progress(plan, agencies)


@pytest.fixture
def sample(plan):
    """The plan with what a city would publish about its progress (add_sample_progress)."""
    add_sample_progress(plan)
    return plan


@pytest.fixture
def progress_world(plan, progress_groups, editor_group):
    """Two agencies, their editor, a reviewer, a superuser and a published update
    (tests.factories.make_agency_world)."""
    return make_agency_world(plan)
