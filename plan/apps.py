from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "plan"
    verbose_name = _("Policy plans")

    def ready(self):
        from django.db.models.signals import post_migrate
        from reversion.signals import post_revision_commit

        from . import checks  # noqa: F401 - registers the system checks
        from .asof import positions_after_revision
        from .content import ensure_triggers, register_content_tables

        # Dated pages number their items by the recorded positions (plan.asof).
        register_content_tables("plan_treepositions")
        post_revision_commit.connect(
            positions_after_revision, dispatch_uid="plan.asof.positions_after_revision"
        )

        # After every migrate: a migration may have rebuilt a content table (SQLite does for
        # some column changes), taking its content-version triggers with it.
        post_migrate.connect(ensure_triggers, dispatch_uid="plan.content.ensure_triggers")
