"""Staff account state the 資通系統防護基準 asks for, beside Django's User, and the audit trail."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    must_change_password = models.BooleanField(
        _("must change password at next sign-in"),
        default=False,
        help_text=_("Set when an administrator sets the password."),
    )
    password_changed_at = models.DateTimeField(_("password last changed"), default=timezone.now)
    disabled_reason = models.CharField(_("why disabled"), max_length=20, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    reactivated_at = models.DateTimeField(_("reactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff account state")
        verbose_name_plural = _("staff account states")

    def __str__(self):
        return str(self.user)

    @classmethod
    def for_user(cls, user):
        profile, _created = cls.objects.get_or_create(user=user)
        return profile

    def password_expired(self):
        days = settings.STAFF_PASSWORD_MAX_AGE_DAYS
        return bool(days) and self.password_changed_at < timezone.now() - timezone.timedelta(
            days=days
        )


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords (never the passwords)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    encoded = models.CharField(max_length=256)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d}"


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("signed in")
        LOGOUT = "logout", _("signed out")
        LOGIN_FAILED = "login_failed", _("failed sign-in")
        LOCKOUT = "lockout", _("locked out")
        OTP_FAILED = "otp_failed", _("wrong two-factor code")
        OTP_ENROLLED = "otp_enrolled", _("two-factor enrolled")
        OTP_RESET = "otp_reset", _("two-factor reset")
        PASSWORD = "password", _("password changed")
        PASSWORD_RESET = "password_reset", _("password reset requested")
        PERMISSIONS = "permissions", _("permissions or groups changed")
        ACCOUNT = "account", _("account changed")
        CONTENT = "content", _("content changed")
        ROLLBACK = "rollback", _("rolled back to an earlier version")
        WITHDRAWAL = "withdrawal", _("published fact withdrawn")
        ERASE = "erase", _("erased for good")
        REMINDER = "reminder", _("reminder e-mailed")

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices, db_index=True)
    # Who did it (null for a failed sign-in under an unknown name); the name is kept as text
    # too, so the record survives the account's deletion.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    target = models.CharField(_("about"), max_length=300, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        ordering = ["-time", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"
