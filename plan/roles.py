"""Staff roles. The "plan editor" edits plan content (plans, nodes) and nothing else: no
users, no groups, no login lockouts. "Deleting" a node moves it to the deleted items, from
where plan editors restore it; only superusers erase for good (plan.deletion)."""

from staff.roles import grant

PLAN_EDITOR = "plan editor"
PLAN_EDITOR_PERMISSIONS = [
    "add_plannode",
    "change_plannode",
    "delete_plannode",
    "view_plannode",
    "view_deletedplannode",
    "change_plan",
    "view_plan",
]


def ensure_plan_editor_group(group_model, permission_model):
    """Create the group (or set its plan permissions back). Works with migration-state models."""
    return grant(group_model, permission_model, PLAN_EDITOR, "plan", PLAN_EDITOR_PERMISSIONS)
