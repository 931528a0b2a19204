"""On-time figures per procedure field (the month facts of `FieldFact`)."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet

from insights.models import FieldFact
from insights.selectors.common import _field_facts, _sums, counted_agencies, rate


def _field_rates(period_from, period_to, agencies: QuerySet) -> list[dict]:
    # Two levels (field and agency, then field): much cheaper than count(DISTINCT agency).
    inner = (
        _field_facts(period_from, period_to, agencies)
        .values("field", "agency_id")
        .annotate(**_sums(("completed", "in_time", "late")))
        .order_by()
    )
    sql, params = inner.query.sql_with_params()  # Django's own SQL, values as parameters
    outer = "SELECT x.field, count(*), sum(x.completed), sum(x.in_time), sum(x.late) FROM ({}) x"
    with connection.cursor() as cursor:
        cursor.execute(outer.format(sql) + " GROUP BY x.field", params)
        keys = ("field", "agencies", "completed", "in_time", "late")
        rows = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
    out = [
        {
            "field": row["field"],
            "agencies": int(row["agencies"]),
            "completed": int(row["completed"]),
            "in_time": int(row["in_time"]),
            "late": int(row["late"]),
            "on_time_rate": rate(int(row["in_time"]), int(row["completed"])),
        }
        for row in rows
    ]
    # the fields failing citizens most first; fields with nothing completed last
    return sorted(
        out,
        key=lambda r: (r["on_time_rate"] is None, r["on_time_rate"] or 0, -r["late"], r["field"]),
    )


def field_rates(*, period_from: dt.date, period_to: dt.date, kind: str | None = None) -> list[dict]:
    """On-time figures per procedure field (months touching the range), worst first."""
    return _field_rates(period_from, period_to, counted_agencies(kind=kind))


FIELD_NAMES_KEY = "insights:field-names"


def field_names() -> list[str]:
    """Every procedure field with figures (for the filter's list; cached five minutes)."""

    def read() -> list[str]:
        return list(FieldFact.objects.order_by("field").values_list("field", flat=True).distinct())

    try:
        return cache.get_or_set(FIELD_NAMES_KEY, read, 300)
    except Exception:  # noqa: BLE001 - no cache, no harm: read it
        return read()
