"""System checks over stored plans: no slug or ref takes a name a page of the site uses.

Every write path refuses such a name (model validators in the admin, load_plan's check of
the file, restore_site); this check finds rows written before a name was reserved, e.g.
when a later release adds a page. It reads the database, so it runs with `migrate` and
`check --database default`.
"""

from django.core import checks

from .models import RESERVED_NAMES, Plan, PlanNode


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
    return problems


@checks.register(checks.Tags.database)
def check_reserved_names(app_configs, databases=None, **kwargs):
    if not databases:
        return []
    try:
        problems = reserved_name_problems()
    except Exception:  # noqa: BLE001 - tables not migrated yet: nothing stored to check
        return []
    return [
        checks.Error(problem, hint="Rename it in the admin.", id="plan.E001")
        for problem in problems
    ]
