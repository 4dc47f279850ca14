"""Plan editors edit the glossary and topics and classify plan items, as they edit the plan:
the knowledge layer is content like the plan's. The 17 goals are fixed: only their wording
and assignments change."""

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
    from plan.roles import PLAN_EDITOR

    group, _ = group_model.objects.get_or_create(name=PLAN_EDITOR)
    group.permissions.add(
        *permission_model.objects.filter(
            content_type__app_label="knowledge", codename__in=KNOWLEDGE_EDITOR_PERMISSIONS
        )
    )
