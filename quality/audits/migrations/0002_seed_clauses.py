"""Seed the TCVN ISO 9001:2015 clause catalogue (numbers and Vietnamese titles)."""

from django.db import migrations


def seed(apps, schema_editor):
    from quality.audits.clauses import CLAUSES

    Clause = apps.get_model("quality_audits", "Clause")
    Clause.objects.bulk_create(
        [Clause(code=code, title=title,
                sort_key=".".join(part.zfill(2) for part in code.split(".")))
         for code, title in CLAUSES], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("quality_audits", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
