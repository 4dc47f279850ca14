"""Delete audit events older than STAFF_AUDIT_RETENTION_DAYS. Only the audit trail's own
events: the admin log and the public pages' history (django-reversion) are never touched."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from staff.models import AuditEvent


class Command(BaseCommand):
    help = "Delete audit events older than STAFF_AUDIT_RETENTION_DAYS (default 365)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days=None, **options):
        days = settings.STAFF_AUDIT_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        count, _ = AuditEvent.objects.filter(time__lt=cutoff).delete()
        self.stdout.write(f"{count} audit event(s) older than {days} days deleted.")
