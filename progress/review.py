"""The review of progress facts: draft → published, returned with a comment, corrections,
withdrawals, erasure. Who may do each is progress.rules'; these functions do it, each in one
transaction and one revision, whoever calls (admin, importer, command).

A published fact is never changed in place. `correction()` makes a new draft revision that
`supersedes` it; publishing that draft marks the old one superseded, so the public history
shows both (what was said, and what it was corrected to, each with its date). A published
fact taken back is `withdraw()`n with a reason: it leaves current figures and downloads, and
the public history shows the withdrawal. Only a superuser `erase()`s, and that is recorded.
"""

from contextlib import contextmanager

import reversion
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version

from . import rules
from .models import Reviewed

State = Reviewed.State
# The revisions' comments (stored with each revision, shown in its history as written).
PUBLISH_COMMENT = "審核發布"
RETURN_COMMENT = "退回修正"


def correction(published, user=None):
    """An unsaved draft copy of a published fact, to be edited and reviewed again."""
    draft = type(published).objects.get(pk=published.pk)
    draft.pk = draft.id = None
    draft._state.adding = True
    draft.state = State.DRAFT
    draft.supersedes = published
    draft.review_comment = ""
    draft.published_at = None
    draft.reviewed_by = None
    draft.submitted_by = user
    return draft


def publish(fact, reviewer, comment=PUBLISH_COMMENT, *, now=None, validate=True):
    """Publish a draft (validated again), retiring the revision it corrects. Inside a
    revision already (the importer's), it joins that one. `reviewer` None: a command."""
    if reviewer is not None and not rules.may_publish(reviewer):
        raise PermissionDenied
    if fact.pk is not None and fact.state not in Reviewed.PENDING:
        raise ValidationError(_("Only a draft can be published."))
    if validate:
        fact.full_clean()
    if fact.supersedes_id:
        # Refused before anything is written (an admin action publishing many goes on with
        # the others); checked again under the lock below.
        corrected = type(fact).objects.filter(pk=fact.supersedes_id)
        _may_replace(corrected.values_list("state", flat=True).first())
    # Inside the importer's transaction, thousands of publications must not each open a
    # savepoint (PostgreSQL: 21 s for 5,000 rows with them, 10 s without).
    with _atomic(), _revision(reviewer, comment):
        now = now or timezone.now()
        if fact.supersedes_id:
            old = type(fact).objects.select_for_update().get(pk=fact.supersedes_id)
            _may_replace(old.state)
            if old.state == State.PUBLISHED:
                old.state = State.SUPERSEDED
                old.save(update_fields=["state"])
        fact.state = State.PUBLISHED
        fact.published_at = now
        fact.reviewed_by = reviewer
        fact.save()
    return fact


def _may_replace(state):
    """A correction replaces only a fact still current: not one another correction replaced
    first (two current facts of one), nor one withdrawn."""
    if state == State.SUPERSEDED:
        raise ValidationError(
            _("The fact this draft corrects has been corrected already: correct the current one.")
        )
    if state == State.WITHDRAWN:
        raise ValidationError(
            _("The fact this draft corrects was withdrawn: return the draft, or enter it anew.")
        )


def return_draft(fact, reviewer, comment):
    """Send a draft back to its agency with the reviewer's comment (required)."""
    if not rules.may_return(reviewer):
        raise PermissionDenied
    if fact.state not in Reviewed.PENDING:
        raise ValidationError(_("Only a draft can be returned."))
    if not (comment or "").strip():
        raise ValidationError(_("Say what needs changing: a returned draft needs a comment."))
    with transaction.atomic(), _revision(reviewer, RETURN_COMMENT):
        fact.state = State.RETURNED
        fact.review_comment = comment
        fact.reviewed_by = reviewer
        fact.save(update_fields=["state", "review_comment", "reviewed_by"])
    return fact


def withdraw(fact, reviewer, reason):
    """Take a published fact back, with the reason (required): it leaves current figures,
    and the public history shows when and why. Its row and versions stay."""
    if not rules.may_withdraw(reviewer):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError(_("Say why: a withdrawal needs a reason."))
    with transaction.atomic(), _revision(reviewer, f"撤回：{reason.strip()}"[:200]):
        fact = type(fact).objects.select_for_update().get(pk=fact.pk)
        if fact.state != State.PUBLISHED:
            raise ValidationError(_("Only a published fact can be withdrawn."))
        fact.state = State.WITHDRAWN
        fact.withdrawn_at = timezone.now()
        fact.withdrawn_by = reviewer
        fact.withdrawal_reason = reason.strip()
        fact.save(update_fields=["state", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        _record("withdrawal", reviewer, fact, reason.strip())
    return fact


def pending_correction(fact):
    """The correction of `fact` waiting for review (draft or returned), or None."""
    return type(fact).objects.filter(supersedes=fact, state__in=Reviewed.PENDING).first()


def with_corrections(facts):
    """`facts` and every correction made of them (and of those), as erase() removes them."""
    found, batch = [], list(facts)
    while batch:
        found += batch
        batch = list(type(batch[0]).objects.filter(supersedes__in=batch))
    return found


def erase(fact, user, *, checked=False):
    """Delete a fact and every stored version of it (superusers only), recorded in the
    audit trail. A correction that depends on it is erased with it; erasing the published
    correction of a fact makes the fact it corrected current again (never nothing current).
    `checked`: the caller has asked the rules already (erasing a plan item's facts)."""
    if not checked and not rules.may_erase(user):
        raise PermissionDenied
    model = type(fact)
    with transaction.atomic():
        for correction_ in model.objects.filter(supersedes=fact):
            erase(correction_, user, checked=True)
        versions = Version.objects.get_for_object(fact)
        count = versions.count()
        _record("erase", user, fact, f"versions: {count}")
        versions.delete()
        current = model.objects.filter(pk=fact.pk).values_list("state", flat=True).first()
        if current == State.PUBLISHED and fact.supersedes_id:
            old = model.objects.filter(pk=fact.supersedes_id, state=State.SUPERSEDED).first()
            if old is not None:
                # Saved in a revision, not update(): the plan at any date (progress.asof)
                # reads the versions, and one must say the fact is current again.
                old.state = State.PUBLISHED
                with _revision(user, "抹除更正後恢復為現行資料"):
                    old.save(update_fields=["state"])
        fact.delete()


def erase_facts_of(nodes, user):
    """Erase every progress fact about these plan items (a superuser erasing deleted plan
    items): each through erase(), recorded, with its versions."""
    for name in rules.FACT_MODELS:
        model = apps.get_model("progress", name)
        facts = model.objects.filter(node__in=nodes, supersedes__isnull=True)
        for fact in facts.order_by("pk"):
            erase(fact, user, checked=True)
        # Corrections whose original is on another item (a node moved under one erased).
        for fact in model.objects.filter(node__in=nodes).order_by("pk"):
            erase(fact, user, checked=True)


def _record(kind, user, fact, detail):
    from staff.audit import record

    model = type(fact)._meta
    target = f"{model.app_label}.{model.model_name} #{fact.pk}: {fact}"
    record(kind, user=user, target=target[:300], detail=detail)


def _atomic():
    """A transaction, or (inside one already) no savepoint of its own: a failure anywhere
    undoes the caller's whole transaction, which is what every caller wants."""
    return transaction.atomic(savepoint=not transaction.get_connection().in_atomic_block)


@contextmanager
def _revision(user, comment):
    """A revision with the acting user and comment. Inside one already (the importer's),
    reversion joins it; `atomic=False`: the caller's transaction is the one (no savepoint)."""
    with reversion.create_revision(atomic=False):
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield
