from django.db import migrations

# Before calendar days had their own column, a catalogue record counted in calendar days
# ("30 ngày") was written to limit_days (working days) with a warning. The import log says
# which versions those were (the record's unit, the version it wrote): their figure moves to
# limit_calendar_days, unless someone changed the version's limit since.

CALENDAR_DAYS = "ngày"


def move_calendar_days(apps, schema_editor):
    CatalogueImport = apps.get_model("integrations_catalogue", "CatalogueImport")
    ProcedureVersion = apps.get_model("quality_procedures", "ProcedureVersion")
    for row in CatalogueImport.objects.filter(status="applied").order_by("pk"):
        units = {record["code"]: record for record in row.records or []}
        for entry in row.diff or []:
            record = units.get(entry.get("code"))
            if not record or record.get("unit") != CALENDAR_DAYS or not entry.get("version"):
                continue
            days = record["rules"].get("limit_days")
            ProcedureVersion.objects.filter(
                procedure_id=entry.get("procedure_id"),
                number=entry["version"],
                limit_days=days,
                limit_calendar_days__isnull=True,
            ).update(limit_days=None, limit_calendar_days=days)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations_catalogue", "0001_initial"),
        ("quality_procedures", "0006_calendar_day_limits"),
    ]

    operations = [migrations.RunPython(move_calendar_days, migrations.RunPython.noop)]
