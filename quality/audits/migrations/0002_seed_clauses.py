"""Formerly seeded the clause catalogue with the standard's own titles; the catalogue is now
eISO's own data (quality.core.editions), seeded and kept in step by migration 0003."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("quality_audits", "0001_initial")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
