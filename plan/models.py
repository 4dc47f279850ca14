from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from .search import node_search_text

# The content stamp of the request being served (set by portal.page_cache), so that the
# views do not read it a second time.
request_stamp = ContextVar("request_stamp", default=None)


def content_stamp():
    """(stamp, raw newest updated_at): the stamp changes whenever any plan or node is saved,
    added or deleted (node saves touch their plan, see touch_plan below). Read once per
    request: the page cache reads it first and the views reuse it."""
    known = request_stamp.get()
    return known if known is not None else read_content_stamp()


def read_content_stamp():
    # Raw SQL, no manager: caches check it on every request, where building and compiling
    # the equivalent ORM query cost more than serving a cached page.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(updated_at) FROM {Plan._meta.db_table}")
        plans, changed = cursor.fetchone()
    return f"{plans}:{changed}", changed


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


# Page names under a plan's address; a node's ref may not take one of them.
RESERVED_REFS = {
    "full-text",
    "chart",
    "preamble",
    "closing",
    "changes",
    "history",
    "feed",
    "export",
}


def validate_ref_not_reserved(value):
    if value in RESERVED_REFS:
        raise ValidationError(
            _("“%(ref)s” is the name of a page; choose another reference."), params={"ref": value}
        )


class PlanQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


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

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
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
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-term_start_roc", "slug"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self):
        return self.title

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

    def published(self):
        return self.filter(published=True)

    def visions(self):
        return self.filter(kind=PlanNode.Kind.VISION)

    def strategies(self):
        return self.filter(kind=PlanNode.Kind.STRATEGY)


class BasePlanNodeManager(MP_NodeManager):
    # MP_NodeManager.get_queryset() returns a plain MP_NodeQuerySet, which would drop our
    # methods; return ours, ordered by path (= document order), as wagtail does.
    def get_queryset(self):
        return PlanNodeQuerySet(self.model, using=self._db).order_by("path")


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
        validators=[ref_validator, validate_ref_not_reserved],
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
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
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
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="unique_ref_per_plan")]
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
        self.refresh_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_zh_hant", "search_en"}
        super().save(*args, **kwargs)

    @property
    def is_translated(self):
        """Whether every text this node has in Chinese also has its English."""
        return not untranslated(self)


@receiver([post_save, post_delete], sender=PlanNode)
def touch_plan(sender, instance, **kwargs):
    """Any change to a node is a change to its plan: its Last-Modified and cached pages."""
    Plan.objects.filter(pk=instance.plan_id).update(updated_at=timezone.now())
