"""Terms store their pinyin when saved (the Simplified reading's glossary is in pinyin order,
issue 21), like their zhuyin: pages never load pypinyin. Filled here for the terms there are."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from knowledge.glossary import pinyin

    Term = apps.get_model("knowledge", "Term")
    for term in Term.objects.all():
        # Migration-state models have no save() of their own: what Term.save() does.
        term.pinyin = " ".join(pinyin(term.term_zh_hant or term.term or "", term.reading))
        term.save(update_fields=["pinyin"])


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0004_automatic_reading"),
    ]

    operations = [
        migrations.AddField(
            model_name="term",
            name="pinyin",
            field=models.CharField(blank=True, editable=False, max_length=300),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
