"""Plan editors edit the glossary and topics and classify plan items, as they edit the plan:
the knowledge layer is content like the plan's. The 17 goals are fixed: only their wording
and assignments change."""

from plan.roles import PLAN_EDITOR
from staff.roles import grant

KNOWLEDGE_EDITOR_PERMISSIONS = [
    "add_term",
    "change_term",
    "delete_term",
    "view_term",
    "add_topic",
    "change_topic",
    "delete_topic",
    "view_topic",
    "change_goal",
    "view_goal",
]


def grant_plan_editors(group_model, permission_model):
    """Add the knowledge permissions to the plan editors' group (creating it if missing)."""
    return grant(
        group_model,
        permission_model,
        PLAN_EDITOR,
        "knowledge",
        KNOWLEDGE_EDITOR_PERMISSIONS,
        replace=False,
    )
