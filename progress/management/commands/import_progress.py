"""Import agencies, responsibilities, indicators or progress updates from a CSV, ODS or XLSX
file (docs/progress-csv.md; the type from the file's content).

python manage.py import_progress updates.csv             # drafts, for reviewers to publish
python manage.py import_progress updates.csv --dry-run   # what would change; writes nothing
python manage.py import_progress updates.csv --publish   # published at once

The kind of file comes from its header row. Every row is checked first; any problem (each
named by row and column, in Chinese and English) stops the import with nothing written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext_lazy

from progress.spreadsheets.importer import bilingual, import_csv


class Command(BaseCommand):
    help = "Import a progress CSV, ODS or XLSX file (agencies, responsibilities, indicators or updates)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish the imported facts at once (otherwise they are drafts for review)",
        )

    def handle(self, file, dry_run, publish, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error}") from error
        result = import_csv(data, publish=publish, dry_run=dry_run, name=file)
        if result.problems:
            for error in result.errors:
                self.stderr.write(error)
            refused = ngettext_lazy(
                "%(count)s problem; nothing was written",
                "%(count)s problems; nothing was written",
                "count",
            )
            raise CommandError(f"{file}: {bilingual(refused, count=len(result.problems))}")
        for change in result.changes:
            if change.action != "unchanged" and options["verbosity"] > 1:
                self.stdout.write(f"row {change.row}: {change.action} {change.what}")
        prefix = "dry run, nothing written: " if dry_run else ""
        state = (
            " (published)"
            if publish
            else " (drafts)"
            if result.kind in ("indicators", "updates")
            else ""
        )
        self.stdout.write(f"{file}: {prefix}{result.summary()}{state}")
