"""The plan as data: `Plan` (a plan of a city's term, with its document texts) and
`PlanNode` (its goal → visions → strategies → action items, a treebeard tree whose kind
follows its depth), their querysets, numbering and validation; `DeletedPlanNode` is the
deleted items' proxy; `TreePositions`, the tree's positions as recorded over time (written
and read by plan.asof). Over 400 lines, one job: the two models and the rules every write
path checks on them (kind and depth, references, reserved names)."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.exceptions import InvalidPosition
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from .search import node_search_text

NODE_TEXTS = ("title", "body", "chart_label")


def untranslated(node):
    """The texts a node (model or tree row) has in Chinese but not yet in English."""
    return {
        name
        for name in NODE_TEXTS
        if getattr(node, f"{name}_zh_hant") and not getattr(node, f"{name}_en")
    }


# Where the ROC calendar starts counting: ROC year 112 is 2023.
ROC_OFFSET = 1911

ref_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,39}$",
    _("Use 1–40 lowercase letters, digits and hyphens, starting with a letter or digit."),
)


# Names a plan slug or a node ref may never take, because a page or a language of the site
# lives at that address (/<slug>/…, /<slug>/<ref>/…). One list for both; portal.checks fails
# when a route is added whose name is missing here, and plan.checks when a stored row uses one.
RESERVED_NAMES = frozenset(
    {
        # under a plan
        "full-text",
        "chart",
        "preamble",
        "closing",
        "history",
        "feed",
        "export",
        "progress",
        "agencies",
        # the plan at a date, and what changed between two dates (plan.asof, plan.compare)
        "as-of",
        "compare",
        # at the top of the site
        "search",
        "changes",
        "data",
        "open-data",
        "site-map",
        "static",
        "media",
        "admin",
        # languages and their prefixes
        "en",
        "zh-hant",
        "zh-hans",
        "zh-tw",
        "zh-cn",
        # downloads beside data/<slug>.json, and a plan's period reports
        # (data/<slug>/periods/<period>.csv)
        "plans",
        "catalog",
        "periods",
        # the knowledge layer's pages
        "glossary",
        "topics",
        "sdgs",
    }
)


# A reporting period's id (progress.periods: 115q3, 115h2) names the period's report
# (/<slug>/progress/115q3/) and its CSV: never a plan slug or node ref too, so that no address,
# file name or CSV row reads as both.
PERIOD_SLUG = re.compile(r"^[0-9]{3}[qh][0-9]$")


def validate_not_reserved(value):
    """A slug or ref that no route uses, and that is not shaped like a reporting period's id."""
    if value in RESERVED_NAMES:
        raise ValidationError(
            _("“%(name)s” is the name of a page of the site; choose another."),
            params={"name": value},
            code="reserved",
        )
    if PERIOD_SLUG.match(value or ""):
        raise ValidationError(
            _("“%(name)s” has the form of a reporting period (such as 115q3); choose another."),
            params={"name": value},
            code="reserved",
        )


validate_ref_not_reserved = validate_not_reserved  # named so by migration 0002


class PlanQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def for_pages(self):
        """Published plans with `nodes_edited_at`, the last staff edit of any of their nodes
        (for `changed_at`). One query."""
        return self.published().annotate(nodes_edited_at=models.Max("nodes__edited_at"))


class ContentVersion(models.Model):
    """One row the database bumps with every write to content (see plan.content). Never
    written by the application: the triggers installed by migration 0006 do it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.CharField(max_length=32)
    counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("content version")

    def __str__(self):
        return f"{self.epoch}.{self.counter}"


class Plan(models.Model):
    """One plan document: its front matter, closing text and where the text came from."""

    # The document's own texts (one column per language, see translation.py).
    DOCUMENT_TEXTS = (
        "title",
        "authority",
        "preamble_heading",
        "preamble",
        "visions_heading",
        "closing_heading",
        "closing",
    )
    CHART_ROWS = ("goal", "visions", "strategies")
    CHART_TEXTS = ("chart_title", *(f"chart_{row}_row" for row in CHART_ROWS))

    slug = models.SlugField(
        _("slug"), max_length=80, unique=True, validators=[validate_not_reserved]
    )
    title = models.CharField(_("title"), max_length=200)
    authority = models.CharField(_("issuing authority"), max_length=200)
    term_start_roc = models.PositiveSmallIntegerField(_("first year (ROC)"))
    term_end_roc = models.PositiveSmallIntegerField(_("last year (ROC)"))
    preamble_heading = models.CharField(_("opening section heading"), max_length=100)
    preamble = models.TextField(_("opening text"))
    visions_heading = models.CharField(_("visions section heading"), max_length=100)
    closing_heading = models.CharField(_("closing section heading"), max_length=100)
    closing = models.TextField(_("closing text"))
    chart_title = models.CharField(_("architecture chart title"), max_length=200)
    chart_goal_row = models.CharField(_("chart row label: goal"), max_length=40)
    chart_visions_row = models.CharField(_("chart row label: visions"), max_length=40)
    chart_strategies_row = models.CharField(_("chart row label: strategies"), max_length=40)
    source_file = models.CharField(_("source file"), max_length=200, blank=True)
    source_sha256 = models.CharField(_("source SHA-256"), max_length=64, blank=True)
    source_note = models.TextField(_("provenance"), blank=True)
    published = models.BooleanField(_("published"), default=True)
    # Which plan the site's home page shows is the staff's choice, not an accident of term and
    # slug order (another city's plan or the next term's may be loaded beside it).
    is_current = models.BooleanField(
        _("current plan"),
        default=False,
        help_text=_("The plan the site's home page shows. Only one plan can be current."),
    )
    # The official text is a version of its own: dated by its publication when staff know
    # the date, otherwise shown as the official text without a date (never the day it was
    # loaded into this database).
    published_on = models.DateField(
        _("publication date"),
        null=True,
        blank=True,
        help_text=_("The date the city published this plan, if known."),
    )
    # The reporting routine (progress.periods) starts here: before it nothing is owed,
    # overdue or stale. A period's slug (e.g. 115q1), set by reviewers in the progress admin
    # or `manage.py reporting_periods --first`; empty until the city says when reporting
    # starts. A slug, not a key to progress's table: plan knows nothing of progress.
    first_reporting_period = models.SlugField(
        _("first reporting period"),
        max_length=10,
        blank=True,
        editable=False,
        help_text=_("The first period in which agencies owe their updates (e.g. 115q1)."),
    )
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    edited_at = models.DateTimeField(
        _("last edited by staff"), null=True, blank=True, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-is_current", "-term_start_roc", "slug"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_plan"
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.is_current:
                # Choosing a plan as current takes the choice from the one that had it.
                Plan.objects.filter(is_current=True).exclude(pk=self.pk).update(is_current=False)
            super().save(*args, **kwargs)

    @property
    def changed_at(self):
        """When staff last changed the plan or any of its nodes; None while it is the official
        text as published (loading the text is not a change)."""
        times = [self.edited_at, getattr(self, "nodes_edited_at", None)]
        times = [t for t in times if t is not None]
        return max(times) if times else None

    @property
    def version_date(self):
        """The date of the version of the data: the last staff change, else the publication
        date; None when neither is known (the official text, undated)."""
        changed = self.changed_at
        if changed is not None:
            return timezone.localdate(changed)
        return self.published_on

    @property
    def term_start(self):
        return self.term_start_roc + ROC_OFFSET

    @property
    def term_end(self):
        return self.term_end_roc + ROC_OFFSET

    def clean(self):
        start, end = self.term_start_roc, self.term_end_roc
        if start is not None and end is not None and end < start:
            raise ValidationError({"term_end_roc": _("The term cannot end before it starts.")})


class PlanNodeQuerySet(MP_NodeQuerySet):
    def for_plan(self, plan):
        return self.filter(plan=plan).order_by("path")

    def live(self):
        """Not in the deleted items (a deleted node keeps its place, hidden everywhere)."""
        return self.filter(deleted=False)

    def published(self):
        return self.filter(published=True, deleted=False)

    def visions(self):
        return self.filter(kind=PlanNode.Kind.VISION)

    def strategies(self):
        return self.filter(kind=PlanNode.Kind.STRATEGY)


class TreeRuleError(InvalidPosition):
    """A move that would break goal → vision → strategy → action. treebeard's admin shows the
    message of an InvalidPosition to the staff member and leaves the node where it was."""


class BasePlanNodeManager(MP_NodeManager):
    # MP_NodeManager.get_queryset() returns a plain MP_NodeQuerySet, which would drop our
    # methods; return ours, ordered by path (= document order), as wagtail does.
    def get_queryset(self):
        return PlanNodeQuerySet(self.model, using=self._db).order_by("path")

    def move(self, node, target, pos=None):
        """treebeard's move, refused when the node's kind would not fit its new level or the
        target is in another plan (every caller: the admin's drag and drop, scripts)."""
        depth = target.depth + 1 if (pos or "").endswith("child") else target.depth
        problem = placement_problem(node.kind, depth, node.plan_id, target.plan_id, target)
        if problem:
            raise TreeRuleError(problem)
        # One transaction: the database's own check (kind ↔ depth) can then refuse a move
        # half-way without leaving half a subtree moved.
        with transaction.atomic(using=self.db):
            return super().move(node, target, pos)


PlanNodeManager = BasePlanNodeManager.from_queryset(PlanNodeQuerySet)


class PlanNode(MP_Node):
    """A goal, vision, strategy or action item. Sibling order is document order (the path)."""

    class Kind(models.TextChoices):
        GOAL = "goal", _("goal")
        VISION = "vision", _("vision")
        STRATEGY = "strategy", _("strategy")
        ACTION = "action", _("action item")

    # The depth each kind lives at: goal → vision → strategy → action.
    DEPTH = {Kind.GOAL: 1, Kind.VISION: 2, Kind.STRATEGY: 3, Kind.ACTION: 4}
    # Chart boxes are narrow: the document's own labels are 10 characters.
    CHART_LABEL_MAX = {"zh_hant": 16, "en": 60}

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    ref = models.CharField(
        _("reference"),
        max_length=40,
        validators=[ref_validator, validate_not_reserved],
        help_text=_(
            "Permanent, used in the page's address; does not change when the title or position does."
        ),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    chart_label = models.CharField(
        _("chart label"),
        max_length=60,
        blank=True,
        help_text=_("Only where the architecture chart prints this differently from the title."),
    )
    published = models.BooleanField(_("published"), default=True)
    # In the deleted items: hidden from every page, feed and export, its place in the tree and
    # its ref kept, so staff can restore it with its translations and history.
    deleted = models.BooleanField(_("deleted"), default=False, editable=False)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    # When staff last changed it (edit, move, publish, delete, restore): what pages call
    # "last changed". Empty for the official text as loaded: loading is not a change.
    edited_at = models.DateTimeField(
        _("last edited by staff"), null=True, blank=True, editable=False
    )
    # Bumped on every save: an edit made on an older version is refused, not silently
    # written over a colleague's (see the admin).
    version = models.PositiveIntegerField(default=1, editable=False)
    # Folded text (plan.search.fold) that search matches against, one column per language.
    search_zh_hant = models.TextField(default="", editable=False)
    search_en = models.TextField(default="", editable=False)

    node_order_by = []  # document order: staff place nodes explicitly
    objects = PlanNodeManager()

    class Meta:
        verbose_name = _("plan node")
        verbose_name_plural = _("plan nodes")
        constraints = [
            models.UniqueConstraint(fields=["plan", "ref"], name="unique_ref_per_plan"),
            # The tree's rule, kept by the database on every write path (raw moves included).
            models.CheckConstraint(
                condition=Q(kind="goal", depth=1)
                | Q(kind="vision", depth=2)
                | Q(kind="strategy", depth=3)
                | Q(kind="action", depth=4),
                name="kind_matches_depth",
                violation_error_message=_(
                    "A vision goes under the goal, a strategy under a vision, an action item under a strategy."
                ),
            ),
        ]
        indexes = [models.Index(fields=["plan", "path"])]

    def __str__(self):
        return self.title or self.body[:40] or self.ref

    def clean(self):
        errors = {}
        expected = self.DEPTH.get(self.kind)
        if expected and self.depth and self.depth != expected:
            errors["kind"] = _(
                "A %(kind)s belongs at level %(expected)s of the tree, not level %(depth)s."
            ) % {
                "kind": self.get_kind_display(),
                "expected": expected,
                "depth": self.depth,
            }
        # The Chinese is the official text: it is the one that must be there.
        if self.kind != self.Kind.ACTION and not (self.title_zh_hant or "").strip():
            errors["title_zh_hant"] = _("A %(kind)s needs a Chinese title.") % {
                "kind": self.get_kind_display()
            }
        if self.kind == self.Kind.ACTION and not (self.body_zh_hant or "").strip():
            errors["body_zh_hant"] = _("An action item needs its Chinese text.")
        for language, limit in self.CHART_LABEL_MAX.items():
            label = getattr(self, f"chart_label_{language}") or ""
            if len(label) > limit:
                errors[f"chart_label_{language}"] = _(
                    "A chart label must fit its box on the chart: at most %(limit)s characters (this one has %(length)s)."
                ) % {"limit": limit, "length": len(label)}
        if errors:
            raise ValidationError(errors)

    def refresh_search_text(self):
        fields = {
            f"{name}_{lang}": getattr(self, f"{name}_{lang}")
            for name in NODE_TEXTS
            for lang in ("zh_hant", "en")
        }
        self.search_zh_hant = node_search_text(fields, "zh-hant")
        self.search_en = node_search_text(fields, "en")

    def save(self, *args, **kwargs):
        problem = self.depth and placement_problem(self.kind, self.depth)
        if problem:
            raise TreeRuleError(problem)
        self.refresh_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_zh_hant", "search_en"}
        super().save(*args, **kwargs)

    @property
    def is_translated(self):
        """Whether every text this node has in Chinese also has its English."""
        return not untranslated(self)


class TreePositions(models.Model):
    """Where every live node of a plan stood at a moment: {str(node id): path}. Versions
    leave positions out (plan.translation) and treebeard moves siblings with update(), so
    plan.asof records them whenever a revision changes them; see its rules."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="positions")
    recorded_at = models.DateTimeField()
    # The revision that moved them (None: recorded by the migration or a load); kept when
    # old revisions are pruned.
    revision = models.ForeignKey(
        "reversion.Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paths = models.JSONField(default=dict)
    # The first record of a plan: earlier moments take their positions from it only when
    # nothing moved in between (plan.asof).
    baseline = models.BooleanField(default=False)

    class Meta:
        ordering = ["plan", "pk"]
        indexes = [models.Index(fields=["plan", "recorded_at"])]

    def __str__(self):
        return f"{self.plan_id} @ {self.recorded_at:%Y-%m-%d %H:%M}"


class DeletedPlanNode(PlanNode):
    """The deleted items, as staff see them in the admin (restore; superusers: erase)."""

    class Meta:
        proxy = True
        verbose_name = _("deleted plan item")
        verbose_name_plural = _("deleted plan items")


def placement_problem(kind, depth, plan_id=None, target_plan_id=None, target=None):
    """Why a node of this kind cannot sit at this level (or under another plan, or beside or
    under a deleted item), or ""."""
    if plan_id is not None and target_plan_id is not None and plan_id != target_plan_id:
        return str(_("A node can only be placed within its own plan."))
    if target is not None and target.deleted:
        # Hidden with the deleted item, missing from the deleted items list, and erased
        # with it: refused.
        return str(_("A node cannot be placed next to or under a deleted item."))
    expected = PlanNode.DEPTH.get(kind)
    if expected is None or depth == expected:
        return ""
    return str(
        _(
            "A %(kind)s cannot go to level %(depth)s of the tree. A vision goes under the goal, a strategy under a vision, an action item under a strategy."
        )
        % {"kind": PlanNode.Kind(kind).label, "depth": depth}
    )
