"""The admin for staff accounts: the users list gains two-factor reset and the forced
password change; the audit trail is one list for superusers, filterable and exportable."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# The one CSV writer (spreadsheet-safe), for the audit export: the one arrow from staff to a
# content app, for a content-free helper.
from progress.spreadsheets import safe as spreadsheet_safe  # noqa: TID251

from .audit import record
from .forms import StaffAuthenticationForm
from .models import AuditEvent, StaffProfile

User = get_user_model()

admin.site.login_form = StaffAuthenticationForm

# Device secrets are not for browsing: a lost device is reset from the user list (recorded).
for model_path in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
    from django.apps import apps

    model = apps.get_model(model_path)
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def require_password_change(user):
    profile = StaffProfile.for_user(user)
    profile.must_change_password = True
    profile.save(update_fields=["must_change_password"])


class StaffUserAdmin(DjangoUserAdmin):
    actions = ["reset_two_factor"]
    list_display = (*DjangoUserAdmin.list_display, "is_active", "last_login")

    def save_model(self, request, obj, form, change):
        was_active = (
            User.objects.filter(pk=obj.pk).values_list("is_active", flat=True).first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        if not change:
            # A password an administrator chose is changed at the first sign-in.
            require_password_change(obj)
        elif obj.is_active and was_active is False:
            profile = StaffProfile.for_user(obj)
            profile.reactivated_at = timezone.now()
            profile.disabled_reason = ""
            profile.save(update_fields=["reactivated_at", "disabled_reason"])

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user != request.user:  # one's own choice is not an administrator's reset
                require_password_change(user)
        return response

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"))
    def reset_two_factor(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(request, _("Only a superuser can do this."), messages.ERROR)
            return
        from .twofactor import reset_devices

        for user in queryset:
            reset_devices(user, by=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d account will set up two-factor sign-in again at its next sign-in.",
                "%(count)d accounts will set up two-factor sign-in again at their next sign-in.",
                queryset.count(),
            )
            % {"count": queryset.count()},
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("reset_two_factor", None)
        return actions


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


class SuperuserRecordAdmin(admin.ModelAdmin):
    """A record the portal writes (the audit trail, the reminders sent): superusers read it,
    nobody adds, changes or deletes it here."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserRecordAdmin):
    """Superusers only, read-only: nobody edits or deletes the trail (prune_audit does, after
    STAFF_AUDIT_RETENTION_DAYS)."""

    list_display = ("time", "username", "kind", "target", "detail", "ip_address")
    list_filter = (("user", admin.RelatedOnlyFieldListFilter), "kind", "time")
    date_hierarchy = "time"
    search_fields = ("username", "target", "detail")
    list_per_page = 100
    actions = None

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_csv),
                name="staff_auditevent_export",
            ),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        """The list as filtered on screen (person, event, dates, search), as CSV."""
        from django.core.exceptions import PermissionDenied

        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request).select_related(None)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        # The portal's one CSV writer: a BOM (Excel opens UTF-8 only with one), and every
        # text cell spreadsheet-safe (a username or detail is whatever someone typed).
        writer = spreadsheet_safe.writer(response)
        writer.writerow(["time", "user", "event", "about", "detail", "address"])
        for event in rows.iterator():
            writer.writerow(
                [
                    timezone.localtime(event.time),  # a typed value: written as ISO 8601
                    event.username,
                    event.kind,
                    event.target,
                    event.detail,
                    event.ip_address or "",
                ]
            )
        record("content", target="audit trail exported", detail=request.GET.urlencode())
        return response
