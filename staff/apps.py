import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("staff")


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff accounts and audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from . import audit, checks  # noqa: F401  (signal receivers, system checks)

        if not settings.STAFF_2FA_REQUIRED:
            # Said on every start (runserver, migrate, …) so nobody mistakes this for a
            # production configuration; `check --deploy` fails as well.
            logger.warning(
                "STAFF_2FA_REQUIRED is off: staff sign in WITHOUT a second factor. "
                "Development only; never in production."
            )
