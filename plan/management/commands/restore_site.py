"""Restore a backup written by backup_site into an empty, migrated database.

python manage.py migrate && python manage.py restore_site backup.json
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plan.checks import reserved_name_problems
from plan.models import Plan


class Command(BaseCommand):
    help = "Restore a backup_site file into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("backup")

    def handle(self, backup, **options):
        if Plan.objects.exists():
            raise CommandError(
                "the database already holds plans: restore into an empty, migrated database"
            )
        with transaction.atomic():
            # The "plan editor" group exists after migrate; the backup's copy replaces it.
            from django.contrib.auth.models import Group

            Group.objects.all().delete()
            # The tree's rule (kind ↔ depth) is the database's own check, so a backup that
            # breaks it fails here; names that pages use are checked before committing.
            call_command("loaddata", backup, verbosity=0)
            problems = reserved_name_problems()
            if problems:
                raise CommandError("nothing restored: " + "; ".join(problems))
        call_command("check_tree", stdout=self.stdout)
        self.stdout.write(f"restored {Plan.objects.count()} plan(s) from {backup}")
