"""The revisions recorded when a plan was loaded say so in Chinese, like every other entry of
the admin's history ("loaded: kaohsiung-112-115.json" → "載入官方原文：kaohsiung-112-115.json").
plan.history still recognises both."""

from django.db import migrations

OLD, NEW = "loaded: ", "載入官方原文："


def to_chinese(apps, schema_editor):
    Revision = apps.get_model("reversion", "Revision")
    for revision in Revision.objects.filter(comment__startswith=OLD).only("pk", "comment"):
        Revision.objects.filter(pk=revision.pk).update(
            comment=NEW + revision.comment[len(OLD) :]
        )


def to_english(apps, schema_editor):
    Revision = apps.get_model("reversion", "Revision")
    for revision in Revision.objects.filter(comment__startswith=NEW).only("pk", "comment"):
        Revision.objects.filter(pk=revision.pk).update(
            comment=OLD + revision.comment[len(NEW) :]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0009_current_plan"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(to_chinese, to_english)]
