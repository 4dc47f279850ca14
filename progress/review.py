"""The review of progress facts: draft → published, returned with a comment, corrections.

A published fact is never changed in place. `correction()` makes a new draft revision that
`supersedes` it; publishing that draft marks the old one superseded, so the public history
shows both (what was said, and what it was corrected to, each with its date).
"""

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Reviewed

State = Reviewed.State
REVIEW_PERMISSION = "progress.review_progress"


def can_review(user):
    return user.is_active and user.has_perm(REVIEW_PERMISSION)


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


def publish(fact, reviewer, comment="審核發布"):
    """Publish a draft (validated again), retiring the revision it corrects."""
    if not can_review(reviewer):
        raise PermissionDenied
    if fact.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(_("Only a draft can be published."))
    fact.full_clean()
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(reviewer)
        reversion.set_comment(comment)
        now = timezone.now()
        if fact.supersedes_id:
            old = type(fact).objects.select_for_update().get(pk=fact.supersedes_id)
            old.state = State.SUPERSEDED
            old.save(update_fields=["state"])
        fact.state = State.PUBLISHED
        fact.published_at = now
        fact.reviewed_by = reviewer
        fact.save()
    return fact


def return_draft(fact, reviewer, comment):
    """Send a draft back to its agency with the reviewer's comment (required)."""
    if not can_review(reviewer):
        raise PermissionDenied
    if fact.state not in (State.DRAFT, State.RETURNED):
        raise ValidationError(_("Only a draft can be returned."))
    if not (comment or "").strip():
        raise ValidationError(_("Say what needs changing: a returned draft needs a comment."))
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(reviewer)
        reversion.set_comment("退回修正")
        fact.state = State.RETURNED
        fact.review_comment = comment
        fact.reviewed_by = reviewer
        fact.save(update_fields=["state", "review_comment", "reviewed_by"])
    return fact
