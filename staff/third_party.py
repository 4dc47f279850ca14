"""Staff security's third-party apps as the admin names them: in Chinese, like the rest of the
admin (their interface strings are in staff/admin_strings.py)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    # django-axes gives its app no name, so the admin would show the label "Axes".
    verbose_name = _("Login lockouts")
