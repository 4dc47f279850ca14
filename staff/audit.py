"""The audit trail: what staff accounts do, recorded from Django's, django-axes', django-otp's
and django-reversion's own signals, so no code path can forget it.

`record()` takes the acting person from the request being served (set by
staff.middleware.StaffSecurityMiddleware) unless told otherwise.
"""

import contextlib
import contextvars

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from reversion.signals import post_revision_commit

current_request = contextvars.ContextVar("staff_current_request", default=None)
# Off while restore_site loads a backup: its rows (group memberships, permissions) replay
# the past, already in the backup's own audit trail, and are not new events.
_recording = contextvars.ContextVar("staff_audit_recording", default=True)


@contextlib.contextmanager
def not_recorded():
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


User = get_user_model()


def client_ip(request):
    if request is None:
        return None
    address = getattr(request, "axes_ip_address", None)
    if not address:
        address = request.META.get("REMOTE_ADDR")
    return address or None


def record(kind, *, user=None, username="", target="", detail="", request=None):
    from .models import AuditEvent

    if not _recording.get():
        return None
    request = request or current_request.get()
    if user is None and request is not None:
        actor = getattr(request, "user", None)
        if actor is not None and actor.is_authenticated:
            user = actor
    if user is not None and not username:
        username = user.get_username()
    return AuditEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=username[:150],
        target=str(target)[:300],
        detail=detail,
        ip_address=client_ip(request),
    )


def reset_lockout_count(user):
    """Forget the user's failed attempts once the whole sign-in succeeded."""
    from axes.utils import reset

    reset(username=user.get_username())


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record("login", user=user, request=request, detail="password")
    if not settings.STAFF_2FA_REQUIRED:
        reset_lockout_count(user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "staff_logout_reason", "")
        record("logout", user=user, request=request, detail=reason)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "staff_otp_failure", False):
        return  # recorded by the two-factor view itself, with the person
    username = (credentials or {}).get("username") or ""
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    record("login_failed", user=user, username=username, request=request)


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    record(
        "lockout",
        user=user,
        username=username or "",
        request=request,
        detail=ip_address or "",
    )


def _target(user):
    return user.get_username() if user is not None else ""


@receiver(pre_save, sender=User)
def on_user_saved(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    before = User.objects.filter(pk=instance.pk).values("is_superuser", "is_staff", "is_active")
    before = before.first()
    if before is None:
        return
    changes = [
        f"{name}: {before[name]} → {getattr(instance, name)}"
        for name in ("is_superuser", "is_staff", "is_active")
        if before[name] != getattr(instance, name)
    ]
    if changes:
        kind = "permissions" if any(not c.startswith("is_active") for c in changes) else "account"
        record(kind, target=_target(instance), detail="; ".join(changes))


@receiver(post_save, sender=User)
def on_user_created(sender, instance, created, raw=False, **kwargs):
    """The first password counts toward the history too (create_user and createsuperuser
    store it without telling the password validators)."""
    if not created or raw or not instance.has_usable_password():
        return
    from .models import PasswordHistory

    PasswordHistory.objects.create(user=instance, encoded=instance.password)


def _on_m2m(relation):
    def handler(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        names = ""
        if pk_set:
            names = ", ".join(sorted(str(o) for o in model.objects.filter(pk__in=pk_set)))
        verb = {"post_add": "+", "post_remove": "−", "post_clear": "cleared"}[action]
        record("permissions", target=str(instance), detail=f"{relation} {verb} {names}".strip())

    return handler


_user_groups = _on_m2m("groups")
_user_permissions = _on_m2m("user_permissions")
_group_permissions = _on_m2m("permissions")
m2m_changed.connect(_user_groups, sender=User.groups.through, weak=False)
m2m_changed.connect(_user_permissions, sender=User.user_permissions.through, weak=False)
m2m_changed.connect(_group_permissions, sender=Group.permissions.through, weak=False)


@receiver(post_save, sender=LogEntry)
def on_admin_log(sender, instance, created, raw=False, **kwargs):
    """Every add, change and delete made in the admin (plans, plan items, progress records,
    users, groups …), with Django's own description of the change."""
    if not created or raw:
        return
    request = current_request.get()
    if request is not None:
        request.staff_logged_change = True
    flag = {1: "+", 2: "~", 3: "−"}.get(instance.action_flag, "?")
    ct = instance.content_type
    model = f"{ct.app_label}.{ct.model}" if ct else ""
    record(
        "content",
        user=instance.user,
        target=f"{flag} {model} #{instance.object_id}: {instance.object_repr}"[:300],
        detail=instance.get_change_message(),
        request=request,
    )


@receiver(post_revision_commit)
def on_revision(sender, revision, versions, **kwargs):
    """Revisions made outside the admin's own change forms (review actions, imports,
    commands); the admin's forms are recorded through their log entry above."""
    request = current_request.get()
    if request is not None and getattr(request, "staff_logged_change", False):
        return
    objects = ", ".join(
        f"{v.content_type.app_label}.{v.content_type.model} #{v.object_id}" for v in versions[:20]
    )
    record(
        "content",
        user=revision.user,
        target=(revision.get_comment() or "revision")[:300],
        detail=objects,
        request=request,
    )
