"""Send the reporting routine's e-mail reminders due on a day (progress.reminders says which,
to whom and why; docs/reminders.md):

    python manage.py send_reminders                      # today in Asia/Taipei
    python manage.py send_reminders --date 2026-04-03 --dry-run

Daily from deploy/cron. Each mail sent is recorded (a SentReminder, shown to the superuser in
the admin, and an audit event), so running it twice for a day sends nothing new; a mail the
server refused is not recorded and goes at the next run. An account without an e-mail
address is listed here at every run and recorded for the superuser's list, never skipped
silently. --dry-run prints what would be sent and sends and records nothing.
"""

import datetime
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from progress import reminders
from progress.admin.reminders import compose, subject_of


def a_day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--date {text!r}: give the day as YYYY-MM-DD") from error


class Command(BaseCommand):
    help = "Send the reporting routine's e-mail reminders due today (Asia/Taipei)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=a_day, help="the day to send for (YYYY-MM-DD; default: today)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be sent; send nothing"
        )

    def handle(self, *args, **options):
        day = options["date"] or timezone.localdate()
        if isinstance(day, str):  # call_command(date="…") skips the parser
            day = a_day(day)
        dry_run = options["dry_run"]
        due = reminders.due(day)
        for reminder in due:
            if not reminder.recipients:
                self.stderr.write(
                    self.style.WARNING(
                        f"NOBODY TO SEND TO: {reminder.key} (for {reminder.audience})"
                    )
                )
        if due and not settings.PORTAL_BASE_URL:
            self.stderr.write(
                self.style.WARNING(
                    "PORTAL_BASE_URL is not set: the links in the mail are paths, not addresses."
                )
            )
        todo = reminders.deliveries(due)
        sent, missing, failed = [], [], []
        connection = None if dry_run else get_connection()
        if connection is not None and todo:
            try:
                connection.open()
            except (smtplib.SMTPException, OSError) as error:
                raise CommandError(f"the mail server cannot be reached: {error}") from error
        try:
            for delivery in todo:
                user, key = delivery.user, delivery.reminder.key
                if not delivery.address:
                    subject = subject_of(delivery.reminder, user)
                    if not dry_run:
                        reminders.record_without_address(delivery, subject, day)
                    missing.append(delivery)
                    continue
                message = compose(delivery.reminder, user, connection=connection)
                line = f"{key} → {user.get_username()} <{delivery.address}>: {message.subject}"
                if dry_run:
                    self.stdout.write(f"would send: {line}")
                    sent.append(delivery)
                    continue
                try:
                    message.send()
                except (smtplib.SMTPException, OSError) as error:
                    self.stderr.write(self.style.ERROR(f"NOT SENT ({error}): {line}"))
                    failed.append(delivery)
                    continue
                reminders.record_sent(delivery, message.subject, day)
                self.stdout.write(f"sent: {line}")
                sent.append(delivery)
        finally:
            if connection is not None and todo:
                connection.close()
        for delivery in missing:
            self.stderr.write(
                self.style.WARNING(
                    f"NO E-MAIL ADDRESS: {delivery.user.get_username()} "
                    f"({delivery.reminder.key}): give the account an address (admin, Users)"
                )
            )
        verb = "would be sent (dry run: nothing sent or recorded)" if dry_run else "sent"
        summary = f"{day.isoformat()}: {len(sent)} {verb}"
        if missing:
            summary += f", {len(missing)} for accounts without an e-mail address"
        self.stdout.write(summary + ".")
        if failed:
            raise CommandError(f"{len(failed)} not sent (the mail server refused); run again")
