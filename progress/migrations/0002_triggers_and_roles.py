"""The progress tables bump the content version like the plan's (plan.content), and the
agency editor and reviewer roles (progress.roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from plan.content import install_triggers, remove_triggers
from progress.roles import AGENCY_EDITOR, REVIEWER, ensure_progress_groups

TABLES = (
    "progress_agency",
    "progress_agency_editors",
    "progress_responsibility",
    "progress_schedule",
    "progress_progressupdate",
    "progress_indicator",
    "progress_milestone",
)  # as of this migration; progress.migrations.CONTENT_TABLES is the list that grows


def add_triggers(apps, schema_editor):
    install_triggers(schema_editor, TABLES)


def drop_triggers(apps, schema_editor):
    remove_triggers(schema_editor, TABLES)


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_progress_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[AGENCY_EDITOR, REVIEWER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0001_initial"),
        ("plan", "0007_deleted_items"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(create_groups, remove_groups),
    ]
