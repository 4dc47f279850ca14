"""System checks over stored plans: no slug or ref takes a name a page of the site uses.

Every write path refuses such a name (model validators in the admin, load_plan's check of
the file, restore_site); this check finds rows written before a name was reserved, e.g.
when a later release adds a page. It reads the database, so it runs with `migrate` and
`check --database default`.
"""

from django.core import checks

from .models import PERIOD_SLUG, RESERVED_NAMES, Plan, PlanNode


def reserved_name_problems():
    """Stored plan slugs and node refs that are reserved names: readable lines."""
    problems = [
        f"plan “{slug}”: its slug is the name of a page"
        for slug in Plan.objects.filter(slug__in=RESERVED_NAMES).values_list("slug", flat=True)
    ]
    rows = PlanNode.objects.filter(ref__in=RESERVED_NAMES).values_list("plan__slug", "ref")
    problems += [
        f"plan “{slug}”, node “{ref}”: its ref is the name of a page" for slug, ref in rows
    ]
    # Shaped like a reporting period's id (115q3): the period's report has that address.
    shaped = PlanNode.objects.filter(ref__regex=PERIOD_SLUG.pattern)
    problems += [
        f"plan “{slug}”, node “{ref}”: its ref has the form of a reporting period"
        for slug, ref in shaped.values_list("plan__slug", "ref")
    ]
    shaped = Plan.objects.filter(slug__regex=PERIOD_SLUG.pattern).values_list("slug", flat=True)
    problems += [f"plan “{slug}”: its slug has the form of a reporting period" for slug in shaped]
    return problems


@checks.register(checks.Tags.database)
def check_reserved_names(app_configs, databases=None, **kwargs):
    if not databases:
        return []
    try:
        problems = reserved_name_problems()
    except Exception:  # noqa: BLE001 - tables not migrated yet: nothing stored to check
        return []
    # Warnings, not errors: `migrate` runs these checks first, and must still run.
    return [
        checks.Warning(problem, hint="Rename it in the admin.", id="plan.W001")
        for problem in problems
    ]


@checks.register(checks.Tags.database)
def check_content_version_triggers(app_configs, databases=None, **kwargs):
    """Every content table bumps the content version (plan.content); without its trigger,
    edits to that table would stay invisible behind cached pages."""
    from .content import missing_triggers

    if not databases:
        return []
    try:
        missing = missing_triggers()
    except Exception:  # noqa: BLE001 - not migrated yet
        return []
    return [
        checks.Warning(
            f"The table {table} has no content-version trigger.",
            hint="Run `manage.py migrate` (it puts the triggers back).",
            id="plan.W002",
        )
        for table in missing
    ]
