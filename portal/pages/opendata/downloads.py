"""A plan's published progress as CSV downloads (docs/progress-csv.md):
/data/<slug>/agencies.csv, responsibilities.csv, indicators.csv, updates.csv, and each
reporting period's report, /data/<slug>/periods/<period>.csv.

The same files as `export_progress` prints, built from the page's linked tree (kept per
content version) and one query for the facts; like the plan's own downloads they carry a
strong ETag, answer 304, are readable by any website (CORS) and are cached whole by
portal.serving.page_cache. Only published facts about published items are ever in them.
"""

from django.http import Http404
from django.views.decorators.http import require_safe

from progress import periods as routine
from progress.spreadsheets.export import export_rows, period_rows
from progress.spreadsheets.safe import write_csv

from ...published import linked_tree, progress_bundle, published_plan, taipei_today
from ..common import download
from ..progress.report import stored_report


def progress_csv(kind):
    @require_safe
    def view(request, plan_slug):
        plan = published_plan(plan_slug)
        nodes = linked_tree(plan, "zh-hant").nodes
        body = write_csv(export_rows(kind, plan, nodes)).encode()
        return download(request, body, "text/csv; charset=utf-8", f"{plan.slug}-{kind}.csv", True)

    view.__name__ = f"{kind}_csv"
    return view


agencies_csv = progress_csv("agencies")
responsibilities_csv = progress_csv("responsibilities")
indicators_csv = progress_csv("indicators")
updates_csv = progress_csv("updates")


@require_safe
def period_csv(request, plan_slug, period):
    """One row per strategy and action item and lead agency, `not_owed` where nothing was
    owed (every row before the plan's first reporting period); a signed-off period's lines
    as they were stored then."""
    plan = published_plan(plan_slug)
    bundle = progress_bundle(plan)
    found = routine.find(bundle.periods, period)
    if found is None:
        raise Http404("No such reporting period in this plan.")
    tree = linked_tree(plan, "zh-hant")
    if found["signed_off_at"] is not None:
        # The record's lines of the items still published (only those are in any file).
        published = {node.pk for node in tree}
        lines = [line for line in stored_report(found) if line["node"] in published]
    else:
        lines = routine.report_lines(tree, bundle, found, taipei_today())
    body = write_csv(period_rows(plan, found, lines)).encode()
    filename = f"{plan.slug}-{found['slug']}.csv"
    return download(request, body, "text/csv; charset=utf-8", filename, True)
