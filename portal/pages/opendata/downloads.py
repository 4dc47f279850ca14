"""A plan's published progress as CSV downloads (docs/progress-csv.md):
/data/<slug>/agencies.csv, responsibilities.csv, indicators.csv, updates.csv, and each
reporting period's report, /data/<slug>/periods/<period>.csv; each with its ODS twin (the
same rows, .ods: progress.spreadsheets.ods), served alike.

The same files as `export_progress` prints, built from the page's linked tree (kept per
content version) and one query for the facts; like the plan's own downloads they carry a
strong ETag, answer 304, are readable by any website (CORS) and are cached whole by
portal.serving.page_cache. Only published facts about published items are ever in them.
"""

from django.http import Http404
from django.views.decorators.http import require_safe

from plan.bundle import translated
from progress import periods as routine
from progress.spreadsheets.export import export_rows, period_rows
from progress.spreadsheets.ods import MEDIA_TYPE as ODS
from progress.spreadsheets.ods import plan_ods
from progress.spreadsheets.safe import write_csv

from ...published import linked_tree, progress_bundle, published_plan, taipei_today
from ..common import download
from ..progress.report import stored_report

CSV = "text/csv; charset=utf-8"


def progress_file(kind, extension="csv"):
    @require_safe
    def view(request, plan_slug):
        plan = published_plan(plan_slug)
        nodes = linked_tree(plan, "zh-hant").nodes
        rows = export_rows(kind, plan, nodes)
        filename = f"{plan.slug}-{kind}.{extension}"
        if extension == "ods":
            return download(request, plan_ods(plan, rows, kind), ODS, filename, True)
        return download(request, write_csv(rows).encode(), CSV, filename, True)

    view.__name__ = f"{kind}_{extension}"
    return view


agencies_csv = progress_file("agencies")
responsibilities_csv = progress_file("responsibilities")
indicators_csv = progress_file("indicators")
updates_csv = progress_file("updates")
agencies_ods = progress_file("agencies", "ods")
responsibilities_ods = progress_file("responsibilities", "ods")
indicators_ods = progress_file("indicators", "ods")
updates_ods = progress_file("updates", "ods")


def _period_rows(plan_slug, period):
    """The plan, the period and its report's rows. One row per strategy and action item
    and lead agency, `not_owed` where nothing was owed (every row before the plan's first
    reporting period); a signed-off period's lines as they were stored then."""
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
    return plan, found, list(period_rows(plan, found, lines))


@require_safe
def period_csv(request, plan_slug, period):
    plan, found, rows = _period_rows(plan_slug, period)
    filename = f"{plan.slug}-{found['slug']}.csv"
    return download(request, write_csv(rows).encode(), CSV, filename, True)


@require_safe
def period_ods(request, plan_slug, period):
    plan, found, rows = _period_rows(plan_slug, period)
    label = translated(found, "label", "zh-hant")
    filename = f"{plan.slug}-{found['slug']}.ods"
    return download(request, plan_ods(plan, rows, "periods", label), ODS, filename, True)
