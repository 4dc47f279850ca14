"""Disable staff accounts unused for STAFF_DORMANT_DAYS (daily, from deploy/cron), and list
every staff account for the periodic review."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from staff.audit import record
from staff.models import StaffProfile


def last_used(user, profile):
    times = [t for t in (user.last_login, user.date_joined, profile.reactivated_at) if t]
    return max(times)


class Command(BaseCommand):
    help = "Disable staff accounts not used for STAFF_DORMANT_DAYS; --list shows every account."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true", help="only say what would be done")
        parser.add_argument(
            "--list", dest="review", action="store_true", help="list every staff account for review"
        )

    def handle(self, *args, days=None, dry_run=False, review=False, **options):
        days = settings.STAFF_DORMANT_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        User = get_user_model()
        disabled = []
        for user in User.objects.filter(is_active=True, is_staff=True).order_by("username"):
            profile = StaffProfile.for_user(user)
            if last_used(user, profile) >= cutoff:
                continue
            disabled.append(user)
            if not dry_run:
                user.is_active = False
                user.save(update_fields=["is_active"])
                profile.disabled_reason = "dormant"
                profile.disabled_at = timezone.now()
                profile.save(update_fields=["disabled_reason", "disabled_at"])
                record(
                    "account",
                    username="manage.py",
                    target=user.get_username(),
                    detail=f"disabled: not used for {days} days",
                )
        verb = "would disable" if dry_run else "disabled"
        for user in disabled:
            self.stdout.write(
                f"{verb}: {user.get_username()} (last sign-in {user.last_login or 'never'})"
            )
        self.stdout.write(f"{len(disabled)} account(s) {verb} (unused for {days} days).")
        if review:
            self.stdout.write(
                "\nStaff accounts for review (user, active, superuser, groups, last sign-in):"
            )
            for user in User.objects.filter(is_staff=True).order_by("username"):
                groups = ", ".join(user.groups.values_list("name", flat=True)) or "-"
                self.stdout.write(
                    f"{user.get_username()}\t{'active' if user.is_active else 'DISABLED'}\t"
                    f"{'superuser' if user.is_superuser else '-'}\t{groups}\t"
                    f"{user.last_login or 'never'}"
                )
