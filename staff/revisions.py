"""django-reversion's admin views (history, revision, recover, recover list), held to each
app's rules.

reversion trusts Django's model-level permissions only, and its revision and recover views
write back *every* object saved in a revision (of any model) before the change form checks
anything. Here every object the revision would write back is first put to the rules of its
own app: the module `<app>.rules` answers `may_roll_back(user, model, current, recorded)`
(`current`: the object now, or None when it no longer exists; `recorded`: the version's
fields). An app without such a function is the superuser's alone. One refusal refuses the
whole request (403) before anything is written.

A rollback that goes through is a new revision holding every object it wrote back, and an
audit event (staff.audit, kind "rollback").
"""

from contextlib import nullcontext
from importlib import import_module

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.shortcuts import get_object_or_404, redirect
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from reversion import add_to_revision, set_comment
from reversion.admin import VersionAdmin, _RollBackRevisionView
from reversion.errors import RevertError
from reversion.models import Version
from reversion.utils import mute_signals

from .audit import record


def _rule(app_label):
    try:
        module = import_module(f"{app_label}.rules")
    except ModuleNotFoundError:
        return None
    return getattr(module, "may_roll_back", None)


def may_write_back(user, version):
    """May `user` write this version's object back as it was recorded?"""
    if not (user.is_active and user.is_staff):
        return False
    model = version._model
    if model is None:
        return False
    current = model._default_manager.filter(pk=version.object_id).first()
    rule = _rule(model._meta.app_label)
    if rule is None:
        return user.is_superuser
    return bool(rule(user, model, current, version.field_dict))


def may_revert(user, revision):
    """Every object of the revision passes its app's rules."""
    return all(may_write_back(user, version) for version in revision.version_set.all())


def dangling(revision):
    """The revision's objects that would be written back pointing at a row that no longer
    exists and that the revision does not bring back (a progress update whose plan item was
    erased): such a rollback cannot be done, for anyone."""
    versions = [v for v in revision.version_set.all() if v._model is not None]
    restored = {(v._model, str(v.object_id)) for v in versions}
    found = []
    for version in versions:
        recorded = version.field_dict
        meta = version._model._meta
        for field in [*meta.concrete_fields, *meta.many_to_many]:
            if not field.is_relation or field.related_model is None:
                continue
            value = recorded.get(field.attname)
            values = set(value or ()) if field.many_to_many else {value} - {None}
            target = field.related_model
            wanted = {str(v) for v in values} - {str(pk) for m, pk in restored if m is target}
            key = field.target_field.attname
            exists = target._base_manager.filter(**{f"{key}__in": wanted}).values_list(key)
            if len(wanted) > len(set(exists)):
                found.append(version)
                break
    return found


class GuardedVersionAdmin(VersionAdmin):
    """VersionAdmin whose views ask the apps' rules first (see the module's docstring)."""

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        rule = _rule(self.model._meta.app_label)
        allowed = (
            request.user.is_superuser if rule is None else rule(request.user, self.model, None, {})
        )
        if not allowed:
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        refused = self._guard(request, version_id)
        return refused or super().recover_view(request, version_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        refused = self._guard(request, version_id, unquote(object_id))
        return refused or super().revision_view(request, object_id, version_id, extra_context)

    def _guard(self, request, version_id, object_id=None):
        """The version must be one of this admin's model (and object), and the user may
        write back every object of its revision; anything else is refused before a write
        (403). A revision that would write back a reference to a row that is gone is
        refused for everyone, with a message (a redirect to the list)."""
        version = get_object_or_404(Version.objects.select_related("revision"), pk=version_id)
        if version._model is not self.model:
            raise PermissionDenied  # another model's version, through this admin's address
        if object_id is not None and version.object_id != str(object_id):
            raise PermissionDenied
        if not may_revert(request.user, version.revision):
            raise PermissionDenied
        missing = dangling(version.revision)
        if missing:
            messages.error(
                request,
                _(
                    "This version cannot be restored: %(object)s refers to an item that no "
                    "longer exists."
                )
                % {"object": missing[0].object_repr},
            )
            opts = self.model._meta
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        return None

    # reversion's own view (VersionAdmin._reversion_revisionform_view, reversion 6), with
    # two additions: every object written back joins the new revision, and the rollback is
    # an audit event. Kept as close to the original as possible.
    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        if request.method == "GET":
            signal_context = mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
        else:
            signal_context = nullcontext()
        restored = list(version.revision.version_set.all())
        try:
            with transaction.atomic(using=version.db), signal_context:
                version.revision.revert(delete=True)
                with self.create_revision(request):
                    obj_pk = version.object_id
                    response = self.changeform_view(
                        request, quote(obj_pk), request.path, extra_context
                    )
                    if request.method == "POST" and response.status_code == 302:
                        when = localize(template_localtime(version.revision.date_created))
                        set_comment(
                            _("Reverted to previous version, saved on %(datetime)s")
                            % {"datetime": when}
                        )
                        for each in restored:
                            obj = each._model._default_manager.filter(pk=each.object_id).first()
                            if obj is not None:
                                add_to_revision(obj)
                        request.staff_rolled_back = True
                        record(
                            "rollback",
                            request=request,
                            target=f"revision #{version.revision_id} ({when})"[:300],
                            detail=", ".join(
                                f"{v.content_type.app_label}.{v.content_type.model} #{v.object_id}"
                                for v in restored[:50]
                            ),
                        )
                    elif response.status_code == 200:
                        response.template_name = template_name
                        response.render()
                        raise _RollBackRevisionView(response)
                    else:
                        raise RevertError(
                            _("Could not load %(object_repr)s version - not found")
                            % {"object_repr": version.object_repr}
                        )
        except (RevertError, models.ProtectedError) as ex:
            opts = self.model._meta
            messages.error(request, force_str(ex))
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except _RollBackRevisionView as ex:
            return ex.response
        return response
