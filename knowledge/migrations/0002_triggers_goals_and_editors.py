"""The knowledge tables bump the content version like the plan's (plan.content); the 17
goals are loaded from knowledge/sdgs.json; plan editors may edit the knowledge."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from knowledge.exchange import GOALS_FILE, load_goals, read
from knowledge.roles import grant_plan_editors
from plan.content import install_triggers, remove_triggers

TABLES = (
    "knowledge_term",
    "knowledge_term_related",
    "knowledge_topic",
    "knowledge_topic_nodes",
    "knowledge_goal",
    "knowledge_goal_nodes",
)  # as of this migration; knowledge.migrations.CONTENT_TABLES is the list that grows


def add_triggers(apps, schema_editor):
    install_triggers(schema_editor, TABLES)


def drop_triggers(apps, schema_editor):
    remove_triggers(schema_editor, TABLES)


def add_goals(apps, schema_editor):
    load_goals(read(GOALS_FILE), apps.get_model("knowledge", "Goal"))


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    grant_plan_editors(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
        ("plan", "0010_load_comments_in_chinese"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(add_goals, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
