"""Fleet migration: every agency schema, the spare pool and the clone template.

django-tenants' `migrate_schemas` starts Django's migrate command for every
schema, even when there is nothing to do (about 0.1 s to several seconds per
schema: minutes for a province). Here one catalogue round trip reads what every
schema has applied; only schemas that lag behind the code are migrated, in
parallel worker processes. Failures are collected per schema, never hidden.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections

from tenants.models import Agency, SpareSchema
from tenants.services import schemas


@dataclass
class SchemaOutcome:
    schema: str
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class FleetReport:
    total: int = 0
    up_to_date: int = 0
    missing: list[str] = field(default_factory=list)
    outcomes: list[SchemaOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SchemaOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def migrated(self) -> list[SchemaOutcome]:
        return [o for o in self.outcomes if o.ok]


def fleet_schemas() -> list[str]:
    """Agencies first (users wait on them), then spares, then the template."""
    agencies = list(Agency.objects.agencies().order_by("id").values_list("schema_name", flat=True))
    spares = list(SpareSchema.objects.order_by("id").values_list("schema_name", flat=True))
    found = schemas.existing([schemas.TEMPLATE_SCHEMA])
    return agencies + spares + sorted(found)


def pending_schemas(names: list[str]) -> tuple[list[str], list[str]]:
    """(schemas that need migrations, schemas that do not exist)."""
    applied = schemas.applied_migrations(names)
    pending = [n for n in names if n in applied and not schemas.is_up_to_date(applied[n])]
    return pending, [n for n in names if n not in applied]


def fleet_migrate(
    *,
    parallel: int | None = None,
    progress: Callable[[str], None] | None = None,
    check_only: bool = False,
) -> FleetReport:
    started = time.perf_counter()
    say = progress or (lambda _line: None)
    names = fleet_schemas()
    pending, missing = pending_schemas(names)
    report = FleetReport(
        total=len(names), up_to_date=len(names) - len(pending) - len(missing), missing=missing
    )
    say(
        f"{len(names)} schemas: {report.up_to_date} up to date, {len(pending)} to migrate, "
        f"{len(missing)} missing"
    )
    if pending and not check_only:
        workers = _worker_count(parallel, len(pending))
        for idx, outcome in enumerate(_run(pending, workers), start=1):
            report.outcomes.append(outcome)
            state = "ok" if outcome.ok else "FAILED"
            say(f"[{idx}/{len(pending)}] {outcome.schema} {state} {outcome.seconds:.2f}s")
    elif check_only:
        report.outcomes = [SchemaOutcome(n, False, 0.0, "pending") for n in pending]
    report.seconds = time.perf_counter() - started
    return report


def _worker_count(parallel: int | None, pending: int) -> int:
    wanted = parallel or settings.FLEET_MIGRATE_PARALLEL or os.cpu_count() or 1
    return max(1, min(wanted, pending))


def _run(pending: list[str], workers: int):
    if workers == 1:
        for name in pending:
            yield migrate_one(name)
        return
    # Forked workers must not share the parent's database socket.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(migrate_one, name): name for name in pending}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # the worker process itself died
                yield SchemaOutcome(futures[future], False, 0.0, repr(exc))


def migrate_one(name: str) -> SchemaOutcome:
    started = time.perf_counter()
    try:
        schemas.migrate(name, stdout=io.StringIO())
        return SchemaOutcome(name, True, time.perf_counter() - started)
    except Exception:
        return SchemaOutcome(
            name, False, time.perf_counter() - started, traceback.format_exc(limit=3)
        )
