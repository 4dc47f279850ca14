"""Fixtures every test module may ask for: the plan, the roles, the clock, the servers and the
browser. Over 400 lines, one job: pytest finds fixtures here only, and the shared setup
itself lives in tests/factories.py.
"""

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
    REPORTING_TODAY,
    WCAG22AA,
    Inbox,
    Tabs,
    add_sample_progress,
    free_port,
    make_agencies,
    make_agency_world,
    make_progress,
    plan_editor_group,
    signed_in_editor,
    the_loaded_plan,
)


@pytest.fixture(autouse=True)
def _fresh_caches(request):
    """Each test starts with empty caches. A test's writes are rolled back at its end, so the
    next test's database reaches the same content versions again with other content (never
    so in production, where only committed versions are ever seen). Except where one test on
    the shared site follows another: nothing was written or rolled back in between (what it
    commits empties the caches: SharedSite.reach), and its pages are the same pages."""
    from django.core.cache import cache

    from portal.serving.caching import clear_process_caches

    on_the_shared_site = "committed_site" in request.fixturenames
    if not (on_the_shared_site and SharedSite.caches_hold_its_pages):
        cache.clear()
        clear_process_caches()
    SharedSite.caches_hold_its_pages = on_the_shared_site
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
    if nextitem is None:
        return result
    from pytest_django.plugin import blocking_manager_key

    if flushed:
        with item.config.stash[blocking_manager_key].unblock():
            the_loaded_plan(read_plan_file())
        SharedSite.steps = ()
    elif SharedSite.steps and "committed_site" not in getattr(nextitem, "fixturenames", ()):
        # What the shared site's tests committed (sample progress, an edit …) is taken away
        # before any other test: every other test finds the loaded plan alone, as before.
        with item.config.stash[blocking_manager_key].unblock():
            SharedSite.back_to_the_loaded_plan()
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
    return signed_in_editor(client, editor_group)


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


# pytest-xdist (`make test`: `-n auto --dist loadgroup`) runs a module's tests in one
# process, in order, so that its module-scoped fixtures and the shared site's committed steps
# are set up once; the real nginx's tests and `make run`'s (each a whole production server,
# with timing assertions) share one process, and the slowest modules start first, so that
# none is left to run alone at the end. xdist 3.8 writes the group of an xdist_group mark into
# a test's id in a way pytest 9 no longer reads (every module's tests were spread over both
# processes, each setting up the module's fixtures): the groups are made here instead, from
# the test ids, by the scheduler below.
SERVER_MODULES = ("tests/deploy_stack/test_nginx.py", "tests/deploy_stack/test_make_run.py")


def xdist_group(nodeid):
    if nodeid.rfind("@") > nodeid.rfind("]"):
        nodeid = nodeid[: nodeid.rfind("@")]
    module = nodeid.split("::", 1)[0]
    return "deploy-stack" if module in SERVER_MODULES else module


# A rough guess of a test's seconds in the slowest groups, to start them first; a browser
# test takes a few seconds, most others a tenth.
SECONDS_PER_TEST = {
    "deploy-stack": 5,
    "tests/markup_and_accessibility/test_moda_scan.py": 30,
    "tests/markup_and_accessibility/test_markup_valid.py": 10,
    "tests/deploy_stack/test_packaging.py": 4,
    "tests/deploy_stack/test_snapshot.py": 5,
}


def seconds_per_test(group):
    return SECONDS_PER_TEST.get(group, 3 if group.endswith("_browser.py") else 0.1)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Groups(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return xdist_group(nodeid)

        def _assign_work_unit(self, node):
            # The longest group left goes next (xdist's own order is by number of tests).
            queue = self.workqueue
            if len(queue) > 1 and hasattr(queue, "move_to_end"):
                longest = max(queue, key=lambda g: len(queue[g]) * seconds_per_test(g))
                queue.move_to_end(longest, last=False)
            super()._assign_work_unit(node)

    return Groups(config, log)


def pytest_collection_modifyitems(config, items):
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
    """Open a path of the live portal in a browser tab (Tabs): (page, response). A page
    stays valid until the next call with the same options, which navigates its tab."""
    tabs = Tabs(browser, live_plan.url)
    yield tabs.open
    tabs.close()


# The shared site -------------------------------------------------------------------------
# Browser tests that only read pages (axe, layout, keyboard, print) share one live server per
# test process and the database as committed, instead of `live_server`, whose
# transactional_db flushes every table after each test (and the plan is loaded again: about a
# second a test). What such a test needs on top of the loaded plan (sample progress, the
# knowledge layer, an edit) is committed before it by named steps, `committed_site(step, …)`;
# the next test that asks for the same steps finds them in place, and the database goes back
# to the loaded plan alone (flush, load) before a test that asks for other steps or is not a
# shared-site test at all. During the test its own connection reads the committed data in a
# transaction (`db`) and cannot write (SQLite's query_only): a write in the test's body, which
# the live server would never see, fails instead of leaving the test weaker than it reads.


class SharedSite:
    """The steps committed on top of the loaded plan in this test process (None: unknown, as
    the migrations left the database, before the first shared-site test)."""

    steps = None
    # Whether the caches hold nothing but pages of the shared site as committed now (set by
    # _fresh_caches: the last test was a shared-site test).
    caches_hold_its_pages = False

    @classmethod
    def back_to_the_loaded_plan(cls):
        """Every table emptied (as a transactional test's end does) and the plan loaded."""
        from django.core.management import call_command

        cls.steps = None
        call_command(
            "flush", interactive=False, verbosity=0, reset_sequences=False, allow_cascade=False
        )
        the_loaded_plan(read_plan_file())
        cls.steps = ()

    @classmethod
    def reach(cls, steps):
        from django.core.cache import cache
        from django.db import transaction

        from portal.serving.caching import clear_process_caches

        if cls.steps == steps:
            return
        if cls.steps is None or cls.steps != steps[: len(cls.steps)]:
            cls.back_to_the_loaded_plan()
        done, cls.steps = cls.steps, None  # unknown until every step is committed
        for step in steps[len(done) :]:
            with transaction.atomic():
                step()
        cls.steps = steps
        cache.clear()
        clear_process_caches()


@pytest.fixture(scope="session")
def site_server(django_db_setup):
    """The shared site's live server: pytest-django's, started once per process under another
    name (a test naming `live_server` gets transactional_db)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture
def committed_site(request, site_server, django_db_blocker):
    """`committed_site(*steps)`: the shared live server, with the loaded plan and `steps`
    committed on it (functions without arguments, defined at module level: a step is known by
    its identity). A test's fixture calls it before the test's transaction begins (name that
    fixture before open_site_page or live_site); a later call without steps returns the same
    server."""
    from django.db import connection

    def commit(*steps):
        reached = getattr(request.node, "_site_steps", None)
        if reached is not None:
            if steps and steps != reached:
                raise RuntimeError(f"this test already has the site's steps {reached}")
            return site_server
        if connection.in_atomic_block:
            raise RuntimeError(
                "the shared site's steps are committed before the test's transaction begins "
                "(db): name the fixture that commits them first"
            )
        with django_db_blocker.unblock():
            SharedSite.reach(steps)
        request.node._site_steps = steps
        return site_server

    return commit


@pytest.fixture
def _site_committed(committed_site):
    return committed_site()


@pytest.fixture
def live_site(_site_committed, db):
    """The shared live server, with the loaded plan alone or with the steps the test's own
    fixtures committed before. The test reads the database in its own transaction (db), and
    on SQLite cannot write there (query_only)."""
    from django.db import connection

    read_only = connection.vendor == "sqlite"
    if read_only:
        connection.ensure_connection()
        connection.connection.execute("PRAGMA query_only = ON")
    yield _site_committed
    if read_only:
        # On the DB-API connection: Django's refuses every statement after a failed one
        # (until the test's transaction is rolled back), and the next test needs it writable.
        connection.connection.execute("PRAGMA query_only = OFF")


@pytest.fixture
def open_site_page(live_site, browser):
    """open_page on the shared site: a path in a browser tab (Tabs), (page, response)."""
    tabs = Tabs(browser, live_site.url)
    yield tabs.open
    tabs.close()


@pytest.fixture
def check_a11y():
    """Run axe-core (bundled, offline) on the page and fail on any WCAG 2.2 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        result = axe.run(page, options=WCAG22AA)
        assert result.violations_count == 0, result.generate_report()

    return check


# A screenshot's height at most, in CSS pixels (four screens of 900): the full text, the
# glossary or the overview at a phone's width are 10,000 to 40,000 pixels tall, and Chromium
# takes seconds to paint and encode them whole (the tests measure the pages; the pictures
# are for people to look at, and their first screens are where the layout shows).
SCREENSHOT_MAX_HEIGHT = 3600


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under artifacts/ (kept by CI, looked at by people): the
    whole page, or its top SCREENSHOT_MAX_HEIGHT pixels where it is taller."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        width, height = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        clip = None
        if height > SCREENSHOT_MAX_HEIGHT:
            clip = {"x": 0, "y": 0, "width": width, "height": SCREENSHOT_MAX_HEIGHT}
        page.screenshot(path=str(path), full_page=True, clip=clip)
        return path

    return take


def axe_for_violations_only():
    """axe-core gathers every result type (each node that passed, was incomplete or did not
    apply, with a unique selector for each) unless told otherwise, and sends them all back;
    the tests read the violations alone. resultTypes=["violations"] runs the same rules on
    the same nodes and finds the same violations, listing one node of each other type: axe
    takes about 40 % less. axe_playwright_python's own default is this; the tests' options
    (WCAG22AA's tags) replaced it. Applied to every Axe().run, here once."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        return
    run = Axe.run
    if getattr(run, "violations_only", False):
        return

    def run_for_violations(self, page, context=None, options=None):
        return run(
            self, page, context=context, options={"resultTypes": ["violations"], **(options or {})}
        )

    run_for_violations.violations_only = True
    Axe.run = run_for_violations


axe_for_violations_only()


@pytest.fixture
def clock():
    """The clock stopped at factories.REPORTING_TODAY (the period reports' day); a test may
    move it."""
    import time_machine

    with time_machine.travel(REPORTING_TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def two_factor(settings):
    """Staff sign in with a second factor, and no throttling slows a wrong code down."""
    settings.STAFF_2FA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return settings


@pytest.fixture
def editor_group(db):
    """The "plan editor" group (factories.plan_editor_group)."""
    return plan_editor_group()


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


@pytest.fixture
def inbox(settings):
    """A real SMTP server on loopback (aiosmtpd) that the portal's mail settings point at: its
    Inbox holds what it received, parsed (tests.factories.Inbox)."""
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    # A bare address, as deploy/README.md sets it: the portal's name is added as the sender.
    settings.DEFAULT_FROM_EMAIL = "plan-portal@kcg.gov.tw"
    settings.PORTAL_BASE_URL = "https://plan.example.gov.tw"
    settings.PROGRESS_REMINDER_DAYS = [7, 2]
    settings.PROGRESS_REVIEW_WAIT_DAYS = 5
    yield handler
    controller.stop()
