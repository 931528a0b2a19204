"""Provisioning speed: pool claim vs clone vs plain django-tenants migrations.

    .venv/bin/python bench/provision.py [--count 10]

Each method provisions `count` agencies with the same work around the schema
(agency row, domain, first administrator, the template pack); only the way the
schema is made differs:

- pool:    claim a pre-migrated spare by ALTER SCHEMA ... RENAME (spares built beforehand,
           as the background refill does; not timed);
- clone:   build a spare by cloning the template schema, then claim it (the empty-pool path);
- migrate: django-tenants' own path, `auto_create_schema=True` and `save()`, which runs
           `migrate_schemas` for the new schema.

Prints p50/p95 per method (milliseconds) and the ratio migrate/pool of the medians.
"""

from __future__ import annotations

import argparse
import time

import _common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20)
    count = parser.parse_args().count
    _common.setup("provision")
    try:
        figures = run(count)
    finally:
        _common.teardown("provision")
    _common.report(figures)


def run(count: int) -> dict:
    from tenants.services import pool, schemas

    schemas.ensure_template()  # one-off work every method would otherwise pay once
    for _ in range(count + 1):  # the background refill's job: not timed
        pool.spare_build()
    # Warm-up (imports, the migration graph, the broker connection), one per method, not timed.
    _provision("warmpool", "pool")
    _provision("warmclone", "clone")
    _django_tenants_create("warmmig")
    timings = {"pool": [], "clone": [], "migrate": []}
    for index in range(count):
        timings["pool"].append(_timed(lambda i=index: _provision(f"pool{i}", "pool")))
    for index in range(count):
        timings["clone"].append(_timed(lambda i=index: _provision(f"clone{i}", "clone")))
    for index in range(count):
        timings["migrate"].append(_timed(lambda i=index: _django_tenants_create(f"mig{i}")))
    figures = {"benchmark": "provision", "count": count}
    for method, values in timings.items():
        p50, p95 = _common.percentile(values, 50), _common.percentile(values, 95)
        figures[method] = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}
        print(f"{method:8} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")
    ratio = figures["migrate"]["p50_ms"] / figures["pool"]["p50_ms"]
    figures["ratio_migrate_over_pool_p50"] = round(ratio, 1)
    print(f"migrate / pool (p50): {ratio:.1f}x")
    return figures


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _provision(code: str, method: str) -> None:
    from tenants.services.provisioning import AgencySpec, agency_provision

    agency_provision(
        spec=AgencySpec(
            code=code,
            name=f"Cơ quan {code}",
            kind="other",
            admin_email=f"admin@{code}.test",
            admin_name="Quản trị",
        ),
        method=method,  # an invitation, as from the console and the API (no password hashing)
    )


def _django_tenants_create(code: str) -> None:
    """The baseline: django-tenants creating the schema with migrations on save()."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from iso_platform.accounts.models import User
    from tenants.models import Agency, Domain, schema_name_for

    with transaction.atomic():
        agency = Agency(
            schema_name=schema_name_for(code), code=code, name=f"Cơ quan {code}", kind="other"
        )
        agency.auto_create_schema = True
        agency.save(verbosity=0)
        Domain.objects.create(domain=agency.host, tenant=agency)
        with schema_context(agency.schema_name):
            User.objects.create_user(
                f"admin@{code}.test",
                None,
                full_name="Quản trị",
                role="iso_secretary",
                is_agency_admin=True,
            )


if __name__ == "__main__":
    main()
