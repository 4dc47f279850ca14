"""Who may write what in the knowledge layer, for django-reversion's views (staff.revisions):
plan editors edit the glossary and topics and the goals' wording (knowledge.roles), so they
may put an entry back as it was; bringing back a deleted one needs the right to add it."""


def may_roll_back(user, model, current, recorded):
    action = "change" if current is not None else "add"
    return user.has_perm(f"knowledge.{action}_{model._meta.model_name}")
