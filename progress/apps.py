from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress and accountability")

    def ready(self):
        from django.db.backends.signals import connection_created

        from plan.content import register_content_tables

        from .migrations import CONTENT_TABLES

        register_content_tables(*CONTENT_TABLES)
        connection_created.connect(_detect_json_support)
        from plan.deletion import erasing

        erasing.connect(_erase_facts, dispatch_uid="progress-erase-facts")
        from plan.exchange import plan_loaded

        plan_loaded.connect(_generate_periods, dispatch_uid="progress-generate-periods")
        from django.core import checks

        checks.register(_check_coverage_minimum, checks.Tags.compatibility)
        checks.register(_check_reminder_settings, checks.Tags.compatibility)


def _check_coverage_minimum(app_configs, **kwargs):
    """PROGRESS_COVERAGE_MIN is a share (0 to 1): None made every page with progress fail,
    and 50 (meant as per cent) withheld every average for ever."""
    from django.conf import settings
    from django.core import checks

    value = getattr(settings, "PROGRESS_COVERAGE_MIN", 0.5)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        return [
            checks.Error(
                f"PROGRESS_COVERAGE_MIN is {value!r}: it must be a share from 0 to 1 "
                "(0.5: half of the strategies).",
                id="progress.E001",
            )
        ]
    return []


def _check_reminder_settings(app_configs, **kwargs):
    """The reminders' days are whole days: PROGRESS_REMINDER_DAYS a list of them before a
    deadline (7 and 2 by default), PROGRESS_REVIEW_WAIT_DAYS one (5)."""
    from django.conf import settings
    from django.core import checks

    def whole_days(value):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    errors = []
    days = getattr(settings, "PROGRESS_REMINDER_DAYS", [7, 2])
    if not isinstance(days, list | tuple) or not all(whole_days(day) for day in days):
        errors.append(
            checks.Error(
                f"PROGRESS_REMINDER_DAYS is {days!r}: it must be a list of whole days before "
                "a deadline (e.g. [7, 2]; [] sends no deadline reminders).",
                id="progress.E002",
            )
        )
    wait = getattr(settings, "PROGRESS_REVIEW_WAIT_DAYS", 5)
    if not whole_days(wait):
        errors.append(
            checks.Error(
                f"PROGRESS_REVIEW_WAIT_DAYS is {wait!r}: it must be a whole number of days "
                "(e.g. 5).",
                id="progress.E003",
            )
        )
    return errors


def _generate_periods(sender, plan, **kwargs):
    """A plan loaded from its file gets the default calendar of reporting periods (quarterly;
    a calendar, not a commitment: no first reporting period is set, so nothing is owed)."""
    from .periods import generate

    created = generate(plan)
    return f"reporting periods: {len(created)} generated" if created else None


def _erase_facts(sender, nodes, user, **kwargs):
    """A superuser erases plan items: their facts go first, each erased and recorded."""
    from .review import erase_facts_of

    erase_facts_of(nodes, user)


def _detect_json_support(sender, connection, **kwargs):
    """Django asks SQLite once per connection whether it has JSON functions (3 queries, the
    first time a JSON expression is compiled). Ask when the connection opens, so that it is
    not counted against the first page that reads the progress bundle."""
    if connection.vendor == "sqlite":
        connection.features.supports_json_field  # noqa: B018 - cached on the connection
