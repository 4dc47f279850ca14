"""Restore a backup written by backup_site into an empty, migrated database.

python manage.py migrate && python manage.py restore_site backup.json

The audit trail comes back as it was (times, people, addresses), with one event more: the
restore itself. Loading replays group memberships and permissions, which would otherwise
be recorded as new permission changes; they are not recorded.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plan.checks import reserved_name_problems
from plan.models import Plan
from staff.audit import not_recorded, record
from staff.models import AuditEvent


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
            with not_recorded():
                call_command("loaddata", backup, verbosity=0)
            problems = reserved_name_problems()
            if problems:
                raise CommandError("nothing restored: " + "; ".join(problems))
            record(
                "content",
                username="manage.py",
                target=f"restore_site {Path(backup).name}"[:300],
                detail=f"restored {Plan.objects.count()} plan(s) and "
                f"{AuditEvent.objects.count()} audit event(s) from {backup}",
            )
        call_command("check_tree", stdout=self.stdout)
        self.stdout.write(f"restored {Plan.objects.count()} plan(s) from {backup}")
