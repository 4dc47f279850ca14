from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in form, which also says plainly when an account was disabled for
    disuse (only to someone who knows its password)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "dormant": _(
            "This account was disabled because it was not used for a long time. "
            "Ask a site administrator (superuser) to enable it again."
        ),
        "disabled": _("This account is disabled. Ask a site administrator (superuser)."),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            self.explain_disabled()
            raise

    def explain_disabled(self):
        User = get_user_model()
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None or user.is_active or not check_password(password, user.password):
            return
        profile = getattr(user, "staff_profile", None)
        code = "dormant" if profile and profile.disabled_reason == "dormant" else "disabled"
        raise ValidationError(self.error_messages[code], code=code)
