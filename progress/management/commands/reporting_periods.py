"""List a plan's reporting periods, generate them from a rule, set the first reporting period.

python manage.py reporting_periods kaohsiung-112-115
python manage.py reporting_periods kaohsiung-112-115 --generate quarterly --deadline-day 10
python manage.py reporting_periods kaohsiung-112-115 --first 115q1

Generating keeps the periods the plan has (and their edits) and adds the missing ones. The
first reporting period is where obligations start (progress.periods); `--first none` clears it.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plan.models import Plan
from progress.models import ReportingPeriod
from progress.periods import (
    DEFAULT_DEADLINE_DAY,
    RULES,
    generate,
    reporting,
    set_first_reporting_period,
    state,
)


class Command(BaseCommand):
    help = "List, generate and start a plan's reporting periods."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--generate", choices=RULES, help="add the periods this rule makes")
        parser.add_argument(
            "--deadline-day",
            type=int,
            default=DEFAULT_DEADLINE_DAY,
            help="deadline: this day of the month after the period's end (default 10)",
        )
        parser.add_argument("--first", help="the first reporting period's slug (none: clear)")

    def handle(self, slug, **options):
        from django.utils import timezone

        plan = Plan.objects.filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"no plan with slug {slug!r}")
        with transaction.atomic():
            if options["generate"]:
                try:
                    created = generate(plan, options["generate"], options["deadline_day"])
                except ValueError as error:
                    raise CommandError(str(error)) from error
                self.stdout.write(f"{slug}: {len(created)} period(s) generated")
            if options["first"] is not None:
                first = "" if options["first"] == "none" else options["first"]
                try:
                    set_first_reporting_period(plan, first, user=None)
                except ValueError as error:
                    raise CommandError(str(error)) from error
                self.stdout.write(f"{slug}: first reporting period: {first or '(none)'}")
        periods = list(ReportingPeriod.objects.filter(plan=plan))
        counted = {p.slug for p in reporting(periods, plan.first_reporting_period)}
        today = timezone.localdate()
        self.stdout.write(
            f"{slug}: first reporting period: {plan.first_reporting_period or '(not set)'}"
        )
        for period in periods:
            note = "" if period.slug in counted else "\t(before the first reporting period)"
            self.stdout.write(
                f"{period.slug}\t{period.start}\t{period.end}\tdeadline {period.deadline}\t"
                f"{state(period, today)}{note}"
            )
