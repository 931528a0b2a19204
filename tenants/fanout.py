"""Fan out: one Celery message per active agency, each run in that agency's schema.

The nightly and hourly jobs of every area (reminders, metering, checklist, inbox safety net,
connector pulls) start on the public schema from beat and call `fan_out`; the schema travels
in the message headers (tenant-schemas-celery).
"""

from __future__ import annotations

from tenants.models import Agency


def active_schemas() -> list[str]:
    return list(Agency.objects.active().order_by("code").values_list("schema_name", flat=True))


def fan_out(task, *, args: tuple | list = ()) -> int:
    """Queue `task(*args)` once in every active agency's schema; return how many."""
    schemas = active_schemas()
    for schema in schemas:
        task.apply_async(args=list(args), headers={"_schema_name": schema})
    return len(schemas)
