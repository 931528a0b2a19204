"""Row counts of a schema's tables, in one query."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from tenants.services.datamove.catalog import catalog
from tenants.services.datamove.engine.common import qt


def table_counts(schema: str, tables: Iterable[str] | None = None) -> dict[str, int]:
    names = list(tables) if tables is not None else [t.name for t in catalog().values()]
    if not names:
        return {}
    sql = " UNION ALL ".join(
        f"SELECT %s, count(*) FROM {qt(schema, name)}"  # noqa: S608 - catalogue names
        for name in names
    )
    with connection.cursor() as cur:
        cur.execute(sql, names)
        return {name: n for name, n in cur.fetchall()}
