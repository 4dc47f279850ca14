"""Write everything the portal keeps to one JSON file: plans, trees (with their positions),
both languages, the revision history, staff accounts and groups, login lockouts, and the
staff audit trail (kept STAFF_AUDIT_RETENTION_DAYS, so a restore must not lose it).

    python manage.py backup_site backup-2026-11-26.json
    python manage.py restore_site backup-2026-11-26.json   # into an empty, migrated database

It is Django's dumpdata with the right options (natural keys, so content types and
permissions match in the restoring database); the restore is loaddata. Database-level
backups (pg_dump) are the city's first line; this file is portable across SQLite and
PostgreSQL and readable by people. No sign-in secrets: two-factor devices, password
history and the staff account state stay out (after a restore, staff enrol again).
"""

import datetime

from django.core import serializers
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.serializers import json

APPS = [
    "auth.group",
    "auth.user",
    "plan",
    "progress",
    "knowledge",
    "reversion",
    "axes",
    "staff.auditevent",
]
FORMAT = "backup-json"


class Encoder(json.DjangoJSONEncoder):
    """Times to the microsecond: Django's own encoder cuts them to milliseconds, and the
    audit trail's times must come back exactly. loaddata reads either."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = Encoder


Deserializer = json.Deserializer


class Command(BaseCommand):
    help = "Back up plans, their history, staff accounts and the audit trail to a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("output")

    def handle(self, output, **options):
        serializers.register_serializer(FORMAT, __name__)
        call_command(
            "dumpdata",
            *APPS,
            format=FORMAT,
            natural_foreign=True,
            natural_primary=True,
            indent=1,
            output=output,
            verbosity=0,
        )
        self.stdout.write(f"backed up to {output}")
