"""Write everything the portal keeps to one JSON file: plans, trees (with their positions),
both languages, the revision history, staff accounts and groups, login lockouts.

    python manage.py backup_site backup-2026-11-26.json
    python manage.py restore_site backup-2026-11-26.json   # into an empty, migrated database

It is Django's dumpdata with the right options (natural keys, so content types and
permissions match in the restoring database); the restore is loaddata. Database-level
backups (pg_dump) are the city's first line; this file is portable across SQLite and
PostgreSQL and readable by people.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

APPS = ["auth.group", "auth.user", "plan", "progress", "knowledge", "reversion", "axes"]


class Command(BaseCommand):
    help = "Back up plans, their history and staff accounts to a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("output")

    def handle(self, output, **options):
        call_command(
            "dumpdata",
            *APPS,
            natural_foreign=True,
            natural_primary=True,
            indent=1,
            output=output,
            verbosity=0,
        )
        self.stdout.write(f"backed up to {output}")
