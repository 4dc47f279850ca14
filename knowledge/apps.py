from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Glossary, topics and SDGs")

    def ready(self):
        from plan.content import register_content_tables
        from plan.exchange import plan_loaded

        from .migrations import CONTENT_TABLES

        register_content_tables(*CONTENT_TABLES)
        plan_loaded.connect(_load_with_plan, dispatch_uid="knowledge-load-with-plan")


def _load_with_plan(sender, plan, **kwargs):
    """load_plan loaded (or replaced) a plan: load its knowledge file too, if there is one
    (fixtures/knowledge/<slug>.json), in the same transaction. A replaced plan's items are new
    rows, so its assignments are made again; entries staff have edited are kept."""
    from .exchange import load_plan_knowledge

    try:
        result = load_plan_knowledge(plan)
    except ValueError as error:
        raise ValueError(f"knowledge file: {error}") from error
    if result:
        created, skipped = result
        return f"glossary and topics: {len(created)} added, {len(skipped)} kept as edited"
    return None
