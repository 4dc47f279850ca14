"""Print a plan's published progress as CSV (docs/progress-csv.md).

python manage.py export_progress kaohsiung-112-115 --kind updates > updates.csv

The same files are downloadable at /data/<slug>/<kind>.csv. On a plan without
responsibilities yet, --kind responsibilities prints a template: every strategy and action
item, agency and role to be filled in.
"""

from django.core.management.base import BaseCommand, CommandError

from plan.models import Plan
from plan.tree import PlanTree
from progress.spreadsheets.contract import KINDS
from progress.spreadsheets.export import export_rows
from progress.spreadsheets.safe import write_csv


class Command(BaseCommand):
    help = "Print a plan's published agencies, responsibilities, indicators or updates as CSV."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--kind", required=True, choices=KINDS)

    def handle(self, slug, kind, **options):
        plan = Plan.objects.published().filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"no published plan with slug {slug!r}")
        # Excel's CSV: CRLF inside the text, so nothing may be added to the line endings.
        self.stdout.ending = ""
        self.stdout.write(write_csv(export_rows(kind, plan, PlanTree.load(plan).nodes)))
