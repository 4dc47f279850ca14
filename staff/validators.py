"""Password rules beyond Django's: character classes, and no reuse of recent passwords.

PasswordHistoryValidator.password_changed() runs whenever a password is saved (Django calls
every validator's password_changed from User.save()), so it also keeps the history and the
date of the change, whoever changed it.
"""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class CharacterClassesValidator:
    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        classes = (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _(
            "Your password must contain at least %(count)d of these: lower-case letters, "
            "upper-case letters, digits, other characters (such as spaces or punctuation)."
        ) % {"count": self.min_classes}


class PasswordHistoryValidator:
    help_text = gettext_lazy("Your password cannot be one of your previous %(count)d passwords.")

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory

        count = settings.STAFF_PASSWORD_HISTORY
        recent = PasswordHistory.objects.filter(user=user).values_list("encoded", flat=True)
        # The current password counts as one of them even where no history was kept yet.
        encoded = {user.password, *recent[:count]} if user.password else set(recent[:count])
        if any(check_password(password, old) for old in encoded if old):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password, user):
        from .models import PasswordHistory, StaffProfile

        if user.pk is None:
            return
        latest = PasswordHistory.objects.filter(user=user).first()
        if latest is None or latest.encoded != user.password:
            PasswordHistory.objects.create(user=user, encoded=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
            : settings.STAFF_PASSWORD_HISTORY
        ]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
        profile = StaffProfile.for_user(user)
        profile.password_changed_at = timezone.now()
        # A password the person chose themselves; an administrator's setting it raises the
        # flag again right after (staff.admin).
        profile.must_change_password = False
        profile.save(update_fields=["password_changed_at", "must_change_password"])
        from .audit import record

        record("password", user=user, target=user.get_username())

    def get_help_text(self):
        return self.help_text % {"count": settings.STAFF_PASSWORD_HISTORY}
