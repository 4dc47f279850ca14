"""The "plan editor" role: edit plan content (nodes, plan texts) and nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from plan.roles import PLAN_EDITOR, ensure_plan_editor_group


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    ensure_plan_editor_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=PLAN_EDITOR).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0002_search_text_and_versions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
