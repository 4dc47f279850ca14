"""A test module's expensive scenario (days of edits replayed with time_machine), built once
for the module instead of once per test.

The scenario is built inside an outer transaction, opened by hand on every database and
left open; each test's own `db` transaction (pytest-django's TestCase, which skips the
class-level transaction that would close the connection) then nests as a savepoint, so
what a test writes is rolled back to the scenario, not to the loaded plan. The outer
transaction is rolled back at the module's end, or as soon as one of the module's tests
that does not ask for the scenario comes (that test must see the loaded plan alone). Keep
a module's scenario tests together: each such switch costs a build.

Not for transactional tests (transactional_db, live_server, django_db(transaction=True)):
they commit and flush, which an open transaction cannot hold. Such a test may sit in the
module without the scenario: the scenario is rolled back before it. pytest-django sets up
a test's django_db mark before any module fixture: a plain mark's transaction is then
already open inside the scenario's, and the roll-back fails with an error saying so
(name `db` instead of marking).

In a test module:

    _history_scenario, _history_for_its_tests, history = shared_scenario("history", build)

where `build(plan)` makes the scenario on the committed plan and returns what the tests
get; each test gets a deep copy, so a test that changes an object does not change the next
test's.
"""

import copy

import pytest


def fresh_caches():
    """Empty caches and the site's default language, as conftest's _fresh_caches leaves
    each test: the scenario's captures start from nothing, and its tests start as every
    other test does (a request to an /en/ page leaves English active)."""
    from django.core.cache import cache
    from django.utils import translation

    from portal.serving.caching import clear_process_caches

    cache.clear()
    clear_process_caches()
    translation.activate("zh-hant")


def enter_atomics():
    """An outer transaction on every database, marked as a test case's (as Django's
    TestCase marks its own): a durable atomic block may still be used within it."""
    from django.db import connections, transaction

    atomics = {}
    for alias in connections:
        atomic = transaction.atomic(using=alias)
        atomic._from_testcase = True
        atomic.__enter__()
        atomics[alias] = atomic
    return atomics


def rollback_atomics(atomics):
    """Roll back what enter_atomics opened, in the reverse order."""
    from django.db import connections, transaction

    for alias, atomic in reversed(atomics.items()):
        blocks = connections[alias].atomic_blocks
        if blocks != [atomic]:
            raise RuntimeError(
                f"another transaction is open on {alias!r} inside the shared scenario's: a "
                "test's own transaction began before the scenario was rolled back"
            )
        transaction.set_rollback(True, using=alias)
        atomic.__exit__(None, None, None)


class SharedScenario:
    """One module's scenario: built on first use, then held in an open transaction."""

    def __init__(self, blocker, build, plan_data):
        self.blocker, self.build, self.plan_data = blocker, build, plan_data
        self.atomics = self.value = None

    def open(self):
        """The scenario, built now unless it is already there."""
        from django.db import connections

        if self.atomics is not None:
            return self.value
        if any(connections[alias].in_atomic_block for alias in connections):
            raise RuntimeError("the shared scenario is built before the test's transaction")
        with self.blocker.unblock():
            self.atomics = enter_atomics()
            try:
                self.value = self._build()
            except BaseException:
                self.close()
                raise
        return self.value

    def _build(self):
        from tests.factories import the_loaded_plan

        fresh_caches()
        value = self.build(the_loaded_plan(self.plan_data))
        # What the build read or rendered is not left for the tests to find.
        fresh_caches()
        return value

    def close(self):
        """Back to the loaded plan alone (nothing of the scenario was committed)."""
        if self.atomics is None:
            return
        atomics, self.atomics, self.value = self.atomics, None, None
        with self.blocker.unblock():
            rollback_atomics(atomics)


def shared_scenario(name, build):
    """The three fixtures of a module's scenario, to be bound to module-level names: the
    module-scoped holder, an autouse fixture that builds it before a test that asks for
    `name` (before that test's `db`) and rolls it back before any other test, and `name`
    itself, a deep copy of what `build(plan)` returned."""

    @pytest.fixture(scope="module", name=f"_{name}_scenario")
    def holder(django_db_blocker, plan_file_data):
        scenario = SharedScenario(django_db_blocker, build, plan_file_data)
        yield scenario
        scenario.close()

    # Autouse fixtures are set up before the fixtures a test names (so before its `db`).
    @pytest.fixture(autouse=True, name=f"_{name}_for_its_tests")
    def for_its_tests(request):
        scenario = request.getfixturevalue(f"_{name}_scenario")
        if name in request.fixturenames:
            scenario.open()
        else:
            scenario.close()

    @pytest.fixture(name=name)
    def value(request, db):
        scenario = request.getfixturevalue(f"_{name}_scenario")
        return copy.deepcopy(scenario.open())

    return holder, for_its_tests, value
