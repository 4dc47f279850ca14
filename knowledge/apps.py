from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Glossary, topics and SDGs")

    def ready(self):
        from plan.content import register_content_tables

        from .migrations import CONTENT_TABLES

        register_content_tables(*CONTENT_TABLES)
