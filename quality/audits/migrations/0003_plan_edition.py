"""Audit plans name the edition of ISO 9001 they follow (plans made so far followed 2015),
and the clause table becomes the union of the editions' clauses, in eISO's own words."""

from django.db import migrations, models

import quality.audits.models


def sync(apps, schema_editor):
    from quality.audits.services import clauses_sync

    clauses_sync(model=apps.get_model("quality_audits", "Clause"))


class Migration(migrations.Migration):
    dependencies = [("quality_audits", "0002_seed_clauses")]

    operations = [
        migrations.AddField(
            model_name="auditplan",
            name="edition",
            field=models.CharField(
                default="2015", max_length=20, verbose_name="phiên bản tiêu chuẩn"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditplan",
            name="edition",
            field=models.CharField(
                default=quality.audits.models.current_edition_code,
                max_length=20,
                verbose_name="phiên bản tiêu chuẩn",
            ),
        ),
        migrations.AlterField(
            model_name="auditplan",
            name="criteria",
            field=models.TextField(verbose_name="chuẩn mực đánh giá"),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
