"""Print a plan's published progress as CSV (docs/progress-csv.md), or write it as ODS.

python manage.py export_progress kaohsiung-112-115 --kind updates > updates.csv
python manage.py export_progress kaohsiung-112-115 --kind updates --format ods -o updates.ods

The same files are downloadable at /data/<slug>/<kind>.csv and .ods (the same bytes). On a
plan without responsibilities yet, --kind responsibilities prints a template: every strategy
and action item, agency and role to be filled in. An ODS file is binary: it is written to
--output, or to standard output when that is not a terminal.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plan.models import Plan
from plan.tree import PlanTree
from progress.spreadsheets.contract import KINDS
from progress.spreadsheets.export import export_rows
from progress.spreadsheets.ods import plan_ods
from progress.spreadsheets.safe import write_csv


class Command(BaseCommand):
    help = (
        "Print a plan's published agencies, responsibilities, indicators or updates as CSV or ODS."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--format", default="csv", choices=("csv", "ods"))
        parser.add_argument("-o", "--output", help="write to this file instead of standard output")

    def handle(self, slug, kind, format, output, **options):
        plan = Plan.objects.published().filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"no published plan with slug {slug!r}")
        rows = export_rows(kind, plan, PlanTree.load(plan).nodes)
        # ODS: the download's own writer and metadata, the same bytes as /data/…/<kind>.ods.
        body = plan_ods(plan, rows, kind) if format == "ods" else write_csv(rows).encode()
        if output:
            Path(output).write_bytes(body)
            return
        if format == "ods":
            stream = getattr(self.stdout._out, "buffer", None)
            if stream is None or self.stdout.isatty():
                raise CommandError("an ODS file is binary: write it with --output FILE")
            stream.write(body)
            stream.flush()
            return
        # Excel's CSV: CRLF inside the text, so nothing may be added to the line endings.
        self.stdout.ending = ""
        self.stdout.write(body.decode())
