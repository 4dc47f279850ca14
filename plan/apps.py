from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "plan"
    verbose_name = _("Policy plans")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
