"""Who is responsible, what was promised, what has been done: the accountability layer.

- Agency (機關): the city's agencies, shared by all plans; each strategy or action item has
  lead (主辦) and supporting (協辦) agencies (Responsibility).
- Schedule: a node's planned period and its weight among its siblings in the roll-up.
- Indicator (衡量指標), ProgressUpdate and Milestone are *progress facts*: each is a draft
  until a reviewer publishes it. A published fact is never edited in place: a correction is
  a new draft revision (`supersedes`) reviewed again; publishing it marks the old one
  superseded, and the public history shows both.

Nothing here knows about pages: a light is a word (plan progress.rollup), not a colour.

Over 400 lines, one job: the accountability layer's models, kept together because their review
states and constraints refer to each other.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from plan.models import PlanNode

from .numbers import stored_decimal


class FactQuerySet(models.QuerySet):
    """The one way to ask for progress facts by review state, plan and editor."""

    def published(self):
        """Current public facts (what figures are made of)."""
        return self.filter(state=Reviewed.State.PUBLISHED)

    def shown(self):
        """Everything the public may read: current facts, the revisions they corrected and
        the facts withdrawn (both for the history)."""
        return self.filter(state__in=Reviewed.SHOWN)

    def pending(self):
        return self.filter(state__in=Reviewed.PENDING)

    def for_plan(self, plan):
        return self.filter(node__plan=plan)

    def editable_by(self, user):
        """The facts about the plan items `user` may report on (progress.rules)."""
        from .rules import editable_nodes

        return self.filter(node__in=editable_nodes(user))


def acting_staff():
    """Who submitted, reviewed or withdrew a fact (the fact stays if the account goes)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )


def reported_item(related_name):
    """The plan item a progress record is about: a strategy or an action item."""
    return models.ForeignKey(
        PlanNode,
        on_delete=models.CASCADE,
        related_name=related_name,
        verbose_name=_("plan item"),
        limit_choices_to={"kind__in": ["strategy", "action"]},
    )


class Agency(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Permanent short name, used in the agency's page address (e.g. tbkc)."),
    )
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("website"), blank=True)
    # Agency editors: the staff who report progress for this agency.
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="agencies",
        verbose_name=_("agency editors"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name or self.code


class Responsibility(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        SUPPORT = "support", _("supporting")

    node = reported_item("responsibilities")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        ordering = ["node__path", "role", "agency__code"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(fields=["node", "agency"], name="one_role_per_agency")
        ]

    def __str__(self):
        return f"{self.agency} · {self.get_role_display()}"


class Schedule(models.Model):
    """A node's planned period (default: its plan's term) and weight among its siblings."""

    node = models.OneToOneField(
        PlanNode, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("plan item")
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Its share in its parent's roll-up, relative to its siblings (default 1)."),
    )

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self):
        return str(self.node)

    def clean(self):
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": _("The end cannot come before the start.")})


class Reviewed(models.Model):
    """A progress fact's review: draft → published (or returned with a comment)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        RETURNED = "returned", _("returned for changes")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("superseded by a correction")
        # A published fact taken back by a reviewer, with a reason: it leaves current
        # figures, and the public history says when and why (progress.rules, review).
        WITHDRAWN = "withdrawn", _("withdrawn")

    state = models.CharField(
        _("review"), max_length=12, choices=State.choices, default=State.DRAFT, editable=False
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    # Erasing a fact (superusers, progress.review.erase) takes its corrections with it, each
    # recorded; CASCADE lets Django's confirmation list them (and a plan item's erasure).
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    submitted_by = acting_staff()
    reviewed_by = acting_staff()
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True, editable=False)
    withdrawn_by = acting_staff()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FactQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.state == self.State.PUBLISHED


Reviewed.SHOWN = (
    Reviewed.State.PUBLISHED,
    Reviewed.State.SUPERSEDED,
    Reviewed.State.WITHDRAWN,
)
Reviewed.PENDING = (Reviewed.State.DRAFT, Reviewed.State.RETURNED)


class ProgressUpdate(Reviewed):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        BEHIND = "behind", _("behind schedule")
        COMPLETED = "completed", _("completed")
        ADJUSTED = "adjusted", _("adjusted")
        SUSPENDED = "suspended", _("suspended")

    node = reported_item("updates")
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    percent = models.DecimalField(
        _("percent complete"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    summary = models.TextField(_("summary"))
    source = models.CharField(
        _("source"),
        max_length=500,
        help_text=_(
            "Where this is published: a web address or an official document number (公文字號)."
        ),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="updates",
        verbose_name=_("reporting agency"),
    )
    reason = models.TextField(_("reason for the delay"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)

    class Meta:
        ordering = ["node__path", "-date", "-pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        permissions = [("review_progress", _("Can review and publish progress"))]

    def __str__(self):
        return f"{self.node} · {self.date} · {self.get_status_display()}"

    def clean(self):
        errors = {}
        if not (self.source or "").strip():
            errors["source"] = _(
                "Every update needs its source: a web address or a document number."
            )
        if self.status == self.Status.BEHIND:
            # The Chinese is the one required (the English is a translation of it): read it
            # by its own field, not through modeltranslation's fallback of the active language.
            if not (self.reason_zh_hant or "").strip():
                errors["reason"] = _("An update that is behind schedule needs the reason.")
            if not (self.remedy_zh_hant or "").strip():
                errors["remedy"] = _("An update that is behind schedule needs the remedy.")
        if errors:
            raise ValidationError(errors)


class Indicator(Reviewed):
    """A performance indicator (衡量指標) with a target and an actual for each year of its
    plan's term (ROC years, from the plan), each actual with its source."""

    class Direction(models.TextChoices):
        INCREASE = "increase", _("higher is better")
        DECREASE = "decrease", _("lower is better")
        MILESTONE = "milestone", _("reached by a year")

    node = reported_item("indicators")
    key = models.SlugField(
        _("indicator id"),
        max_length=60,
        help_text=_("Stable within the plan; spreadsheets find the indicator by it."),
    )
    name = models.CharField(_("name"), max_length=200)
    measure = models.TextField(_("how it is measured"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline year (ROC)"), null=True, blank=True
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=Decimal(1))
    # {"112": {"target": "…", "actual": "…", "source": "…"}, …}: numbers as decimal strings
    # (a milestone's target and actual are the ROC year it is due / was reached).
    values = models.JSONField(_("yearly values"), default=dict, blank=True)
    source = models.CharField(
        _("source of the actuals"),
        max_length=500,
        blank=True,
        help_text=_("A web address or document number, for every year without its own."),
    )
    target_change_reason = models.TextField(
        _("why a published target was weakened"),
        blank=True,
        help_text=_("Required when a target already published is lowered (or made later)."),
    )

    class Meta:
        ordering = ["node__path", "key", "-pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name or self.key

    def years(self):
        plan = self.node.plan
        return list(range(plan.term_start_roc, plan.term_end_roc + 1))

    def value(self, year, name):
        return stored_decimal((self.values or {}).get(str(year), {}).get(name))

    def year_source(self, year):
        return (self.values or {}).get(str(year), {}).get("source") or self.source

    def weakened_targets(self, published):
        """The years whose target this revision weakens against the published one."""
        weakened = []
        for year in self.years():
            old, new = published.value(year, "target"), self.value(year, "target")
            if old is None or new is None:
                continue
            if self.direction == self.Direction.DECREASE:
                worse = new > old
            else:  # increase: lower is weaker; milestone: a later year is weaker
                worse = new < old if self.direction == self.Direction.INCREASE else new > old
            if worse:
                weakened.append(year)
        return weakened

    def clean(self):
        errors = {}
        for year, entry in (self.values or {}).items():
            if entry.get("actual") not in (None, "") and not (entry.get("source") or self.source):
                errors["source"] = _("Each actual needs its source (year %(year)s has none).") % {
                    "year": year
                }
        published = self.supersedes
        if published is None and self.pk:
            # Saved over a published revision: the admin turns it into a correction.
            published = type(self).objects.filter(pk=self.pk, state=self.State.PUBLISHED).first()
        weakened = self.weakened_targets(published) if published is not None else []
        if weakened and not (self.target_change_reason_zh_hant or "").strip():
            errors["target_change_reason"] = _(
                "A published target was weakened (%(years)s): say why."
            ) % {"years": ", ".join(map(str, weakened))}
        if errors:
            raise ValidationError(errors)


class Milestone(Reviewed):
    node = reported_item("milestones")
    planned_date = models.DateField(_("planned date"))
    description = models.CharField(_("description"), max_length=300)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        ordering = ["node__path", "planned_date", "-pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self):
        return f"{self.planned_date} {self.description}"


class ReportingPeriod(models.Model):
    """A reporting period (填報期別) of a plan: figures are "as of" its end; agencies submit by
    its deadline (the end of that day in Asia/Taipei). Generated from a rule
    (progress.periods), editable by reviewers. Signing a period off keeps its report's lines
    as they stood (`report`), so the record never changes silently; facts for the period
    published later are shown below it as dated corrections."""

    plan = models.ForeignKey(
        "plan.Plan",
        on_delete=models.CASCADE,
        related_name="reporting_periods",
        verbose_name=_("plan"),
    )
    slug = models.SlugField(
        _("period id"),
        max_length=10,
        help_text=_("<ROC year>q<quarter> or <ROC year>h<half>, e.g. 115q3 or 115h2."),
    )
    label = models.CharField(_("label"), max_length=40)
    start = models.DateField(_("start"))
    end = models.DateField(
        _("end"), help_text=_("Figures reported for the period are as of this day.")
    )
    deadline = models.DateField(
        _("submission deadline"), help_text=_("Updates are due by the end of this day (Taipei).")
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True, editable=False)
    signed_off_by = acting_staff()
    # The report's lines as they stood at sign-off (progress.periods.report_lines).
    report = models.JSONField(_("report at sign-off"), default=list, blank=True, editable=False)

    class Meta:
        ordering = ["plan", "end", "slug"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["plan", "slug"], name="one_period_per_slug"),
        ]

    def __str__(self):
        return self.label or self.slug

    def clean(self):
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("The end cannot come before the start.")
        if self.end and self.deadline and self.deadline < self.end:
            errors["deadline"] = _("The deadline cannot come before the period's end.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_signed_off(self):
        return self.signed_off_at is not None


class SentReminder(models.Model):
    """A reminder of the reporting routine sent to one account (progress.reminders), or not
    sent because the account has no e-mail address (`sent_at` empty: listed for the
    superuser). `send_reminders` sends a reminder to an account once: (key, recipient) is
    what it checks, so running it twice for the same day sends nothing new."""

    class Kind(models.TextChoices):
        DEADLINE = "deadline", _("deadline approaching (agency editors)")
        RETURNED = "returned", _("draft returned (its submitter)")
        OVERDUE = "overdue", _("updates overdue (reviewers)")
        WAITING = "waiting", _("drafts waiting for review (reviewers)")

    kind = models.CharField(_("reminder"), max_length=10, choices=Kind.choices)
    # What the reminder is about, e.g. deadline:<plan>:<period>:<agency>:<days before>.
    key = models.CharField(_("key"), max_length=200)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    # Kept as text too: the record survives the account's deletion.
    username = models.CharField(_("user name"), max_length=150)
    address = models.CharField(_("e-mail address"), max_length=254, blank=True)
    day = models.DateField(_("for the day"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient"], name="one_reminder_per_recipient")
        ]

    def __str__(self):
        return f"{self.day} {self.username}: {self.subject}"

    @property
    def is_sent(self):
        return self.sent_at is not None
