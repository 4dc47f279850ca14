"""The plan as it was published at a moment: reconstructed from django-reversion's stored
versions, never guessed.

`latest_versions` is the one read every app's dated state is built from: the latest
recorded version of each object of the given models at a moment, in one query however many
objects and versions there are (plan, progress and knowledge read their parts of it).
`plan_at` builds the plan's texts and tree from it; `earliest_date` is the first day a
dated page can show.

Positions. A node's versions leave out its path (plan.translation: reverting a text must
never write a position back), and treebeard renumbers the siblings of a moved node with
update(), which no version sees. So the positions are recorded on their own (`TreePositions`:
{node id: path} of every live node of a plan):

- by every revision holding plan items, when the plan's paths differ from its latest record
  (a move, an item added at a position, a deletion or a restoration), dated by the revision;
- after a plan is loaded (plan.history.record_loaded);
- once for every plan by migration 0012 (the baseline), dated when it ran.

A move made outside any revision (a script) is recorded with the next revision of the
plan's items, dated by it.

At a moment after a plan's first record, the positions are those of its latest record before
the moment: every change of position since was recorded. Before the first record, nothing
says where the items stood, except that nothing moved: the first record's positions hold
then only when, between the moment and that record, no revision of the plan's items was a
move, a deletion or a restoration (plan.history.COMMENTS) and no item got its first version
(was added). Otherwise `positions_known` is False: pages say that the numbering on that date
cannot be reconstructed, and the items are ordered as the first record has them (`unplaced`:
the items shown then that it does not place at all).

"As published at the end of the day": the versions recorded before midnight that ended the
day in Taipei (`end_of_day`); a plan or item whose version then was unpublished or deleted
is not shown, nor anything under it.
"""

import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Max, Min, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from reversion.models import Version

from .history import DELETED, MOVED, RESTORED, comment_is
from .models import Plan, PlanNode, TreePositions
from .tree import FIELDS, PlanTree, TreeNode

# The models plan_at reads of `latest_versions` (pages read every app's in one call).
PLAN_MODELS = (Plan, PlanNode)


def end_of_day(day):
    """The moment `day` ends in the city's time zone (settings.TIME_ZONE, Asia/Taipei): what
    "as published on `day`" reads up to (exclusive)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _by_content_type(models):
    """{content type id: model} (Django keeps the content types for the process's life)."""
    types = ContentType.objects.get_for_models(*models, for_concrete_models=False)
    return {content_type.pk: model for model, content_type in types.items()}


def latest_versions(moment, models):
    """{model: {object id (str): Version}}: each object's latest version recorded before
    `moment` (exclusive), for every object of `models` with one, in one query. The versions
    come with their revisions (date, comment)."""
    by_type = _by_content_type(models)
    latest = (
        Version.objects.filter(content_type__in=by_type, revision__date_created__lt=moment)
        .order_by()
        .values("content_type", "object_id")
        # Revisions are numbered in the order they were recorded: the highest is the latest.
        .annotate(latest=Max("pk"))
        .values("latest")
    )
    found = {model: {} for model in models}
    for version in Version.objects.filter(pk__in=latest).select_related("revision"):
        found[by_type[version.content_type_id]][version.object_id] = version
    return found


def recorded(version):
    """The fields a version stored, as its JSON has them (dates and decimals as text), by
    model field name: what the version says, and nothing filled in from today's model."""
    cached = getattr(version, "_recorded_fields", None)
    if cached is None:
        cached = json.loads(version.serialized_data)[0]["fields"]
        version._recorded_fields = cached
    return cached


def deletions_before(moment, models):
    """{model: {object id (str): when}}: the latest deletion the admin logged of each object
    of `models` before `moment`, in one query (reversion records no deletion; the admin logs
    each one, before deleting)."""
    by_type = _by_content_type(models)
    logged = (
        LogEntry.objects.filter(
            action_flag=DELETION, content_type__in=by_type, action_time__lt=moment
        )
        .order_by()
        .values("content_type", "object_id")
        .annotate(when=Max("action_time"))
    )
    found = {model: {} for model in models}
    for entry in logged:
        found[by_type[entry["content_type"]]][entry["object_id"]] = entry["when"]
    return found


def standing(versions, deleted):
    """{object id: Version} of one model without the objects deleted after their version
    (a version recorded after a deletion, by a recovery, brings the object back)."""
    deleted = deleted or {}
    return {
        object_id: version
        for object_id, version in versions.items()
        if object_id not in deleted or deleted[object_id] < version.revision.date_created
    }


# Recording positions ------------------------------------------------------------------------

# Set while a load records one revision per item: the load records the positions once, after.
_paused = ContextVar("positions_paused", default=False)


@contextmanager
def positions_paused():
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def current_paths(nodes):
    """{plan id: {str(node id): path}} of the live nodes of the plans `nodes` (a PlanNode
    queryset) belong to, in one query."""
    plans = nodes.order_by().values("plan_id")
    paths = {}
    live = PlanNode.objects.filter(plan__in=plans, deleted=False).order_by()
    for plan_id, pk, path in live.values_list("plan_id", "pk", "path"):
        paths.setdefault(plan_id, {})[str(pk)] = path
    return paths


def latest_record(plan_id):
    # The last written, not the last dated: a revision is dated when it starts, so of two
    # overlapping ones the later written holds what both did (as latest_versions reads).
    return TreePositions.objects.filter(plan_id=plan_id).order_by("-pk").first()


def record_positions(plan_id, paths=None, *, when=None, revision=None):
    """Record the plan's positions if they differ from its latest record; the new record, or
    None when nothing changed. The plan's first record is its baseline."""
    if paths is None:
        paths = current_paths(PlanNode.objects.filter(plan_id=plan_id)).get(plan_id, {})
    latest = latest_record(plan_id)
    if latest is not None and latest.paths == paths:
        return None
    return TreePositions.objects.create(
        plan_id=plan_id,
        recorded_at=when or timezone.now(),
        revision=revision,
        paths=paths,
        baseline=latest is None,
    )


def positions_after_revision(sender, revision, versions, **kwargs):
    """reversion's post_revision_commit: a revision of plan items may have moved them (or
    their siblings): record every plan whose positions it changed, dated by the revision."""
    if _paused.get():
        return
    node_ids = [v.object_id for v in versions if issubclass(v._model, PlanNode)]
    if not node_ids:
        return
    for plan_id, paths in current_paths(PlanNode.objects.filter(pk__in=node_ids)).items():
        record_positions(plan_id, paths, when=revision.date_created, revision=revision)


# The plan at a moment -----------------------------------------------------------------------


@dataclass
class PlanAt:
    """The plan as published at `moment`: `plan` (an unsaved Plan with the texts then, its
    real pk), `rows` (its shown nodes in plan.tree.FIELDS' shape, by path), whether the
    positions are known (see the module's rules) and when they were recorded."""

    plan: Plan
    moment: datetime
    rows: list
    positions_known: bool
    positions_recorded_at: datetime | None
    # Rows shown at the moment that no record places (only when positions are not known).
    unplaced: list = field(default_factory=list)

    def tree(self, language):
        """The tree as pages build it (plan.tree), its texts and numbers in `language`."""
        nodes = [TreeNode(row, language) for row in self.rows]
        return PlanTree(self.plan, nodes).localize(language)


def plan_at(plan, moment, versions=None):
    """The plan as published at `moment`, or None when no version of it was recorded
    before then or it was not published then. `versions`: latest_versions(moment, models)
    for models including PLAN_MODELS (read once for every app); given, this costs at most
    two queries (the positions), whatever the plan's size."""
    if versions is None:
        versions = latest_versions(moment, PLAN_MODELS)
    plan_version = versions[Plan].get(str(plan.pk))
    if plan_version is None or not plan_version.field_dict.get("published"):
        return None
    nodes = versions[PlanNode]
    record = _record_for(plan, moment)
    if record is None:
        known, paths, recorded_at = False, {}, None
    else:
        paths, recorded_at = record.paths, record.recorded_at
        known = recorded_at < moment or not _changed_before(plan, moment, record, nodes)
    rows = []
    for node_id, path in paths.items():
        version = nodes.get(node_id)
        if version is not None and _shown(version.field_dict):
            rows.append(_row(version.field_dict, path))
    rows.sort(key=lambda row: row["path"])
    unplaced = [] if known else _unplaced(plan, paths, nodes)
    return PlanAt(_plan_then(plan_version, rows), moment, rows, known, recorded_at, unplaced)


def _record_for(plan, moment):
    """The plan's latest positions recorded before `moment`, else its first record (one
    query)."""
    records = TreePositions.objects.filter(plan=plan)
    first = records.order_by("pk").values("pk")[:1]
    either = records.filter(Q(recorded_at__lt=moment) | Q(pk=Subquery(first)))
    return either.order_by("-pk").first()


def _changed_before(plan, moment, record, nodes):
    """Whether, between `moment` and the plan's first record, an item of the plan moved, was
    deleted or restored, or was added (its first version falls in between). One query.

    Version.object_id is a string: the plan of an item that the record does not list (deleted
    or erased since) is read from its stored data."""
    between = Version.objects.filter(
        content_type__app_label=PlanNode._meta.app_label,
        content_type__model=PlanNode._meta.model_name,
        revision__date_created__gte=moment,
        revision__date_created__lte=record.recorded_at,
    ).values_list("object_id", "revision__comment", "serialized_data")
    for object_id, comment, data in between:
        moving = any(comment_is(comment, kind) for kind in (MOVED, DELETED, RESTORED))
        if not moving and object_id in nodes:
            continue  # an edit of an item that was there already
        if object_id in record.paths or _plan_of(data) == plan.pk:
            return True
    return False


def _plan_of(serialized):
    try:
        return json.loads(serialized)[0]["fields"]["plan"]
    except (ValueError, LookupError, TypeError):
        return None


def _shown(data):
    return bool(data.get("published")) and not data.get("deleted")


def _row(data, path):
    row = {name: data.get(name) for name in FIELDS if name not in ("path", "depth")}
    row["path"], row["depth"] = path, len(path) // PlanNode.steplen
    return row


def _unplaced(plan, paths, nodes):
    """The plan's nodes shown at the moment that `paths` does not place."""
    rows = []
    for node_id, version in nodes.items():
        data = version.field_dict
        if node_id not in paths and data.get("plan_id") == plan.pk and _shown(data):
            rows.append(_row(data, ""))
    return rows


def _plan_then(version, rows):
    """An unsaved Plan holding the recorded fields (its real pk), so that `plan.title` works
    under translation.override as on a stored plan."""
    data = dict(version.field_dict)
    # reversion read the untranslated names through modeltranslation in the active language:
    # they are the Chinese, as on a stored row.
    for name in (*Plan.DOCUMENT_TEXTS, *Plan.CHART_TEXTS):
        data[name] = data.get(f"{name}_zh_hant", "")
    then = Plan(**{key: value for key, value in data.items() if key != "version"})
    edits = [row["edited_at"] for row in rows if row["edited_at"] is not None]
    then.nodes_edited_at = max(edits) if edits else None  # for plan.changed_at
    return then


def earliest_date(plan):
    """The first day a dated page of the plan shows: its publication date when staff set it,
    else the day (Asia/Taipei) of the first revision recorded for it or its nodes; None when
    there is none. A publication date before the first record is not a day the record can
    show (the plan as published then is not in it): the first record's day is. One query."""
    first = _first_recorded_day(plan)
    if first is None:
        return None
    return max(plan.published_on, first) if plan.published_on else first


def _first_recorded_day(plan):
    node_ids = (
        PlanNode.objects.filter(plan=plan)
        .order_by()
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    first = Version.objects.filter(
        Q(content_type__model=Plan._meta.model_name, object_id=str(plan.pk))
        | Q(content_type__model=PlanNode._meta.model_name, object_id__in=node_ids),
        content_type__app_label=Plan._meta.app_label,
    ).aggregate(first=Min("revision__date_created"))["first"]
    return timezone.localdate(first) if first else None
