from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = _("Progress and accountability")

    def ready(self):
        from django.db.backends.signals import connection_created

        from plan.content import register_content_tables

        from .migrations import CONTENT_TABLES

        register_content_tables(*CONTENT_TABLES)
        connection_created.connect(_detect_json_support)
        from plan.deletion import erasing

        erasing.connect(_erase_facts, dispatch_uid="progress-erase-facts")


def _erase_facts(sender, nodes, user, **kwargs):
    """A superuser erases plan items: their facts go first, each erased and recorded."""
    from .review import erase_facts_of

    erase_facts_of(nodes, user)


def _detect_json_support(sender, connection, **kwargs):
    """Django asks SQLite once per connection whether it has JSON functions (3 queries, the
    first time a JSON expression is compiled). Ask when the connection opens, so that it is
    not counted against the first page that reads the progress bundle."""
    if connection.vendor == "sqlite":
        connection.features.supports_json_field  # noqa: B018 - cached on the connection
