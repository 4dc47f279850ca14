"""The reporting routine (管考) as pages show it: a plan's reporting periods with their pages
(`Period`), and where the routine stands today (`Reporting`: which period the figures are as
of, which periods have begun). The items marked 「資料已逾一期未更新」 are PlanProgress.stale.

Everything comes from the progress bundle (its `periods`) and the plan's first reporting
period, so no page pays a query for it. Before the first reporting period nothing about
periods is shown: the calendar generated from the term is not a commitment
(progress.periods).
"""

from django.urls import reverse

from plan.bundle import translated
from progress import periods as routine


class Period:
    """One reporting period as pages name and link it."""

    def __init__(self, row, plan, language, today):
        self.row = row
        self.slug = row["slug"]
        self.label = translated(row, "label", language) or self.slug
        self.start, self.end, self.deadline = row["start"], row["end"], row["deadline"]
        self.signed_off_at = row.get("signed_off_at")
        self.state = routine.state(row, today)
        self.url = reverse("portal:period-report", args=[plan.slug, self.slug])
        self.csv_url = reverse("data-period-csv", args=[plan.slug, self.slug])

    @property
    def is_signed_off(self):
        return self.state == routine.SIGNED_OFF

    @property
    def is_open(self):
        return self.state == routine.OPEN

    @property
    def is_upcoming(self):
        return self.state == routine.UPCOMING

    def __repr__(self):
        return f"<Period {self.slug} {self.state}>"


class Reporting:
    """Where a plan's reporting routine stands on `today`, for one page language.

    `periods`: the reporting periods (from the plan's first reporting period on; [] before
    one is set); `begun`: those that have started (the ones pages link); `as_of`: the latest
    one whose deadline has passed (the figures' "as of"), or None; `first`: the first one."""

    def __init__(self, plan, rows, language, today):
        self.plan = plan
        self.today = today
        self.all = [Period(row, plan, language, today) for row in rows]
        counted = {row["slug"] for row in routine.reporting(rows, plan.first_reporting_period)}
        self.periods = [period for period in self.all if period.slug in counted]
        self.begun = [period for period in self.periods if not period.is_upcoming]
        last = routine.last_closed(rows, plan.first_reporting_period, today)
        self.as_of = self.find(last["slug"]) if last else None
        self.first = self.periods[0] if self.periods else None

    @property
    def started(self):
        """A first reporting period is set: from then on, items owe updates."""
        return bool(self.periods)

    def find(self, slug):
        return next((period for period in self.all if period.slug == slug), None)

    def counts(self, period):
        """Whether `period` is a reporting period (from the first on)."""
        return period in self.periods

    def neighbours(self, period):
        """The begun reporting periods before and after `period` (None where there is none)."""
        begun = self.begun
        if period not in begun:
            return None, None
        index = begun.index(period)
        return (begun[index - 1] if index else None), (
            begun[index + 1] if index + 1 < len(begun) else None
        )
