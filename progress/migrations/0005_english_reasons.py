"""English for the reason of a delay, its remedy (因應對策) and the reason a published target
was weakened (django-modeltranslation's per-language columns, progress.translation).

The texts stored so far are Chinese: they move into the Chinese columns, as modeltranslation's
`update_translation_fields` would; the English columns start empty (untranslated). The
original columns stay, as for every translated field (modeltranslation keeps them).
"""

from django.db import migrations, models
from django.db.models import F

COPIED = (("ProgressUpdate", ("reason", "remedy")), ("Indicator", ("target_change_reason",)))


def chinese_from_the_original(apps, schema_editor):
    for name, fields in COPIED:
        model = apps.get_model("progress", name)
        # One UPDATE a table; the content-version triggers bump once, as for any write.
        model.objects.update(**{f"{field}_zh_hant": F(field) for field in fields})


class Migration(migrations.Migration):

    dependencies = [
        ('progress', '0004_erase_with_corrections'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicator',
            name='target_change_reason_en',
            field=models.TextField(blank=True, help_text='Required when a target already published is lowered (or made later).', null=True, verbose_name='why a published target was weakened'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='target_change_reason_zh_hant',
            field=models.TextField(blank=True, help_text='Required when a target already published is lowered (or made later).', null=True, verbose_name='why a published target was weakened'),
        ),
        migrations.AddField(
            model_name='progressupdate',
            name='reason_en',
            field=models.TextField(blank=True, null=True, verbose_name='reason for the delay'),
        ),
        migrations.AddField(
            model_name='progressupdate',
            name='reason_zh_hant',
            field=models.TextField(blank=True, null=True, verbose_name='reason for the delay'),
        ),
        migrations.AddField(
            model_name='progressupdate',
            name='remedy_en',
            field=models.TextField(blank=True, null=True, verbose_name='remedy'),
        ),
        migrations.AddField(
            model_name='progressupdate',
            name='remedy_zh_hant',
            field=models.TextField(blank=True, null=True, verbose_name='remedy'),
        ),
        migrations.RunPython(chinese_from_the_original, migrations.RunPython.noop),
    ]
