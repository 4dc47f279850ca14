"""A plan's published progress as CSV downloads (docs/progress-csv.md):
/data/<slug>/agencies.csv, responsibilities.csv, indicators.csv, updates.csv.

The same files as `export_progress` prints, built from the page's linked tree (kept per
content version) and one query for the facts; like the plan's own downloads they carry a
strong ETag, answer 304, are readable by any website (CORS) and are cached whole by
portal.serving.page_cache. Only published facts about published items are ever in them.
"""

from django.views.decorators.http import require_safe

from progress.spreadsheets.export import export_rows
from progress.spreadsheets.safe import write_csv

from ...published import linked_tree, published_plan
from ..common import download


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
