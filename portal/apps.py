"""The portal's app: its system checks are registered when it is ready (portal.checks)."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Citizen portal"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
