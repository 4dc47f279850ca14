"""Granting a role's permissions to its group: the one helper behind every app's roles
(plan.roles, knowledge.roles, progress.roles) and the migrations that make the groups.

Content-free: an app names its group, its app label and the codenames; staff knows nothing
of what they mean. Works with migration-state models (pass apps.get_model's Group and
Permission) as with the real ones.
"""


def grant(group_model, permission_model, group_name, app_label, codenames, replace=True):
    """Create the group if missing and give it `codenames` of `app_label`. `replace`: the
    group's permissions in that app become exactly those (one taken away since is removed);
    otherwise they are only added. Permissions of other apps are left as they are (plan
    editors hold the plan's and the knowledge app's). Returns the group."""
    group, _ = group_model.objects.get_or_create(name=group_name)
    wanted = permission_model.objects.filter(
        content_type__app_label=app_label, codename__in=codenames
    )
    if replace:
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label=app_label).exclude(
                pk__in=wanted.values("pk")
            )
        )
    group.permissions.add(*wanted)
    return group
