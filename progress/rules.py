"""Who may do what to progress: the one place that answers "may this user do this to this
object". Every write path asks here: the admin's forms, actions and reversion views, the CSV
importer (admin upload and command), the review functions (progress.review) and commands.

- **Agency editors** (機關填報人員, group "agency editor") report on the strategies and
  action items an agency they belong to (Agency.editors) leads or supports: they add and
  change drafts there, naming one of their own agencies as the reporter. What they save is
  a draft; saving over a published fact makes a correction (a new draft).
- **Reviewers** (審核人員, permission progress.review_progress) report on every item, publish
  drafts or return them with a comment, withdraw published facts with a reason, and manage
  agencies, responsibilities and schedules.
- **Superusers** may do everything, and only they erase a fact (with its versions; the
  erasure is an audit event).

A published fact is never edited in place and never deleted by anyone else: it is corrected
(a new revision, reviewed again) or withdrawn (with a reason, shown in the public history).
"""

from django.apps import apps

from plan.models import PlanNode

REVIEW_PERMISSION = "progress.review_progress"
REPORTED_KINDS = (PlanNode.Kind.STRATEGY, PlanNode.Kind.ACTION)
FACT_MODELS = ("progressupdate", "indicator", "milestone")
# What staff manage around the facts (reviewers): who is responsible, when, with what weight.
SETUP_MODELS = ("agency", "responsibility", "schedule")


def _model(name):
    return apps.get_model("progress", name)


def _state():
    return _model("progressupdate").State


def is_active_staff(user):
    return bool(user and user.is_active and user.is_staff)


def is_reviewer(user):
    """Reviewers and superusers (has_perm is True for an active superuser)."""
    return is_active_staff(user) and user.has_perm(REVIEW_PERMISSION)


def is_fact(obj_or_model):
    return obj_or_model._meta.model_name in FACT_MODELS


# The plan items and agencies a user reports for -----------------------------------------


def editable_nodes(user):
    """The live strategies and action items `user` may report on: every one for reviewers;
    for an agency editor, those an agency they belong to leads or supports."""
    nodes = PlanNode.objects.live().filter(kind__in=REPORTED_KINDS)
    if is_reviewer(user):
        return nodes
    if not is_active_staff(user):
        return nodes.none()
    return nodes.filter(responsibilities__agency__editors=user).distinct()


def editable_node_ids(user):
    """`editable_nodes` as a set of ids, for checking many rows (the importer): None means
    every item."""
    if is_reviewer(user):
        return None
    return set(editable_nodes(user).values_list("pk", flat=True))


def may_report_on(user, node_id, allowed=None):
    """`allowed`: a precomputed `editable_node_ids(user)` (None = every item)."""
    if allowed is None and not is_reviewer(user):
        allowed = editable_node_ids(user)
    return allowed is None or node_id in allowed


def reporting_agencies(user):
    """The agencies `user` may name as the reporter of an update."""
    agencies = _model("agency").objects.all()
    if is_reviewer(user):
        return agencies
    if not is_active_staff(user):
        return agencies.none()
    return agencies.filter(editors=user)


def may_name_agency(user, agency_id, allowed=None):
    """`allowed`: a precomputed set of agency ids (None = any)."""
    if agency_id is None:
        return True
    if allowed is None and not is_reviewer(user):
        allowed = set(reporting_agencies(user).values_list("pk", flat=True))
    return allowed is None or agency_id in allowed


def possible_agency_editors():
    """The accounts an agency's editors are chosen from: active staff in the agency-editor
    group (not every account, not the superuser)."""
    from django.contrib.auth import get_user_model

    from .roles import AGENCY_EDITOR

    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=AGENCY_EDITOR)
        .distinct()
        .order_by("username")
    )


# Facts ------------------------------------------------------------------------------------


def may_add(user, model):
    """May `user` enter new facts of this kind (or set up agencies and responsibilities)?"""
    name = model._meta.model_name
    return is_active_staff(user) and user.has_perm(f"progress.add_{name}")


def may_change(user, obj):
    """May `user` save this object? For a fact: a draft, returned draft or published fact
    (saving over a published one makes a correction) on an item the user reports on; never
    a superseded or withdrawn revision."""
    name = obj._meta.model_name
    if not (is_active_staff(user) and user.has_perm(f"progress.change_{name}")):
        return False
    if not is_fact(obj):
        return True
    State = _state()
    if obj.state in (State.SUPERSEDED, State.WITHDRAWN):
        return False
    return may_report_on(user, obj.node_id)


def may_view(user, obj):
    name = obj._meta.model_name
    if not (is_active_staff(user) and user.has_perm(f"progress.view_{name}")):
        return False
    return not is_fact(obj) or may_report_on(user, obj.node_id)


def may_publish(user, fact=None):
    if not is_reviewer(user):
        return False
    return fact is None or fact.state in _model("progressupdate").PENDING


may_return = may_publish


def may_withdraw(user, fact=None):
    """Reviewers take a published fact back (with a reason); nobody else does."""
    if not is_reviewer(user):
        return False
    return fact is None or fact.state == _state().PUBLISHED


def may_erase(user):
    return is_active_staff(user) and user.is_superuser


def may_delete(user, model_or_obj):
    """Facts: only a superuser erases (published facts are withdrawn instead). Agencies,
    responsibilities and schedules: whoever manages them (reviewers)."""
    if is_fact(model_or_obj):
        return may_erase(user)
    name = model_or_obj._meta.model_name
    return is_active_staff(user) and user.has_perm(f"progress.delete_{name}")


IMPORT_PERMISSIONS = {
    "agencies": ("progress.add_agency", "progress.change_agency"),
    "responsibilities": ("progress.add_responsibility", "progress.change_responsibility"),
    "indicators": ("progress.add_indicator", "progress.change_indicator"),
    "updates": ("progress.add_progressupdate", "progress.change_progressupdate"),
}


def may_import(user, kind=None):
    """May `user` import this kind of file (any kind, without `kind`)? None: a command."""
    if user is None:
        return True
    if not is_active_staff(user):
        return False
    kinds = [kind] if kind else list(IMPORT_PERMISSIONS)
    return any(user.has_perms(IMPORT_PERMISSIONS[k]) for k in kinds)


# The reporting routine (progress.periods) -------------------------------------------------


def may_manage_periods(user):
    """Reviewers generate and edit reporting periods, set the first reporting period and sign
    periods off; None: a command."""
    return user is None or is_reviewer(user)


def may_see_obligations(user, agency):
    """Reviewers see every agency's obligations; an agency editor only their agencies'."""
    if is_reviewer(user):
        return True
    return is_active_staff(user) and agency.editors.filter(pk=user.pk).exists()


def may_view_periods(user):
    """The periods and the obligations page: reviewers, and whoever reports progress (agency
    editors see the deadlines, never change them)."""
    return is_reviewer(user) or may_add(user, _model("progressupdate"))


def may_change_period(user, period=None):
    """Reviewers edit a period's label, dates and deadline; a signed-off period is a record
    and stays as it was signed off."""
    if not is_reviewer(user):
        return False
    return period is None or period.signed_off_at is None


def may_delete_period(user, period=None):
    """Reviewers remove a period of the calendar (to generate another rule's); never a
    signed-off one, nor the plan's first reporting period (that would end the routine)."""
    if not may_change_period(user, period):
        return False
    return period is None or period.slug != period.plan.first_reporting_period


def may_sign_off(user, period, today):
    """Reviewers sign a period off once its deadline has passed (once)."""
    from .periods import CLOSED, state

    return is_reviewer(user) and state(period, today) == CLOSED


# Rolling back (django-reversion's revision and recover views) -------------------------------


def may_roll_back(user, model, current, recorded):
    """May `user` put this object back as `recorded` (a version's field dict)? `current`: the
    object as it is now, or None when it no longer exists.

    Superusers: yes. Nobody else brings back an erased fact, or rolls back a published,
    superseded or withdrawn one (that is a correction or a withdrawal, reviewed); a draft
    goes back to an earlier draft only for someone who may change it both before and after.
    Agencies, responsibilities, schedules: whoever may change them (reviewers)."""
    if not is_active_staff(user):
        return False
    if user.is_superuser:
        return True
    name = model._meta.model_name
    if name not in FACT_MODELS:
        action = "change" if current is not None else "add"
        return user.has_perm(f"progress.{action}_{name}")
    if current is None:
        return False
    pending = model.PENDING
    if current.state not in pending or recorded.get("state") not in pending:
        return False
    return may_change(user, current) and may_report_on(user, recorded.get("node_id"))
