"""Who may write what in the plan, for the write paths that are not the plan's own forms.

The plan's forms (nodes, plans) use Django's permissions (plan.roles); deleting a node moves
it to the deleted items (plan.deletion), and only a superuser erases. Here: rolling back
through django-reversion's views (staff.revisions), which would write a recorded row back
raw.
"""


def may_roll_back(user, model, current, recorded):
    """A plan item is never written back raw: its recorded version has no place in the tree
    (path, depth), so it would land nowhere (an erased item) or overwrite the item's state
    without its subtree (a deleted one). Its texts are reverted through its change form
    (plan.admin) and deleted items are restored from their list, in place. A plan comes back
    only as it is: its texts, never a plan that no longer exists (its items are gone), nor
    with another first reporting period (the progress reviewers' choice, never a plan
    editor's: reversion would write the recorded one back with the texts)."""
    name = model._meta.model_name
    if name == "plan":
        return (
            current is not None
            and user.has_perm("plan.change_plan")
            and recorded.get("first_reporting_period", "") == current.first_reporting_period
        )
    return False
