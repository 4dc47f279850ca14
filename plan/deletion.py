"""Deleting plan items without losing the official text.

Staff never erase a node by mistake: "delete" moves the node and everything under it to the
deleted items (a flag; the tree, its order and its rules stay as they were, the refs stay
reserved), hidden from every page, feed and export. Restoring it brings it back where it
was, with its translations and history. Only a superuser can erase items for good, from the
deleted items, after a confirmation; Django's admin log records it. Before the rows go,
`erasing` tells the other apps (progress erases its facts about them, each recorded), so
that nothing about the items disappears unrecorded (plan knows nothing of progress).
"""

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from .history import DELETED, RESTORED, comment_for
from .models import PlanNode

# Sent with `nodes` (the items about to be erased, subtrees included) and `user`.
erasing = Signal()


def erase(nodes, user):
    """Erase deleted items for good with everything under them (superusers: the admin asks)."""
    with transaction.atomic():
        subtree = PlanNode.objects.none()
        for node in nodes:
            subtree |= PlanNode.objects.get_descendants(node, include_self=True)
        erasing.send(PlanNode, nodes=subtree, user=user)
        # treebeard deletes each node's subtree by path (it defers the other fields, which a
        # select_related would contradict).
        PlanNode.objects.filter(pk__in=[node.pk for node in nodes]).delete()


def _mark(node, deleted, comment, user):
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(comment_for(comment, node.ref))
        if user is not None:
            reversion.set_user(user)
        now = timezone.now()
        changed = []
        for item in PlanNode.objects.get_descendants(node, include_self=True):
            if item.deleted != deleted:
                item.deleted = deleted
                item.edited_at = now
                item.save(update_fields=["deleted", "edited_at", "updated_at"])
                reversion.add_to_revision(item)
                changed.append(item)
        return changed


def move_to_deleted(node, user=None):
    """Hide the node and everything under it; returns the items moved."""
    return _mark(node, True, DELETED, user)


def restore(node, user=None):
    """Bring the node and everything under it back to where it was; returns the items."""
    if node.depth > 1:
        parent = PlanNode.objects.get_parent(node)
        if parent.deleted:
            raise ValidationError(
                _("Restore “%(parent)s” first: this item sits under it.") % {"parent": parent}
            )
    return _mark(node, False, RESTORED, user)
