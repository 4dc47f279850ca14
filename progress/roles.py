"""Progress roles, made by a migration.

- **agency editor** (機關填報人員): enters indicators, progress updates and milestones, only
  on the plan items that an agency they belong to (Agency.editors) leads or supports; what
  they enter is a draft.
- **reviewer** (審核人員): sees the queue of drafts, publishes them or returns them with a
  comment, withdraws published facts with a reason, and manages agencies and
  responsibilities. No delete permission on facts: only superusers erase (progress.rules).
Superusers may do everything. The object-level rules (which items, which agencies, which
review states) are progress.rules'; these are the model-level permissions they start from.
"""

from staff.roles import grant

AGENCY_EDITOR = "agency editor"
REVIEWER = "reviewer"

FACTS = ("progressupdate", "indicator", "milestone")
AGENCY_EDITOR_PERMISSIONS = [
    *(f"{action}_{model}" for model in FACTS for action in ("add", "change", "view")),
    "view_agency",
    "view_responsibility",
    "view_schedule",
]
REVIEWER_PERMISSIONS = [
    *(f"{action}_{model}" for model in FACTS for action in ("add", "change", "view")),
    *(
        f"{action}_{model}"
        for model in ("agency", "responsibility", "schedule")
        for action in ("add", "change", "view", "delete")
    ),
    "review_progress",
]


def ensure_progress_groups(group_model, permission_model):
    """Create the two groups (or set their progress permissions back). Works with migration
    models."""
    return {
        name: grant(group_model, permission_model, name, "progress", codenames)
        for name, codenames in (
            (AGENCY_EDITOR, AGENCY_EDITOR_PERMISSIONS),
            (REVIEWER, REVIEWER_PERMISSIONS),
        )
    }
