"""No-op fleet migration: the project's `migrate_fleet` against django-tenants' `migrate_schemas`.

    .venv/bin/python bench/fleet_migrate.py [--schemas 200] [--build-workers 2]

Builds N real agency schemas (fully migrated, with their agency rows), then times,
as separate processes (Django start-up included in both):

- `manage.py migrate_fleet`: one catalogue round trip finds every schema up to date;
- `manage.py migrate_schemas --tenant --executor=standard`: Django's migrate per schema.

Prints both durations and the ratio.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time

import _common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schemas", type=int, default=200)
    parser.add_argument("--build-workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    _common.setup("fleet")
    try:
        figures = run(args.schemas, args.build_workers)
    finally:
        _common.teardown("fleet")
    _common.report(figures)


def run(count: int, workers: int) -> dict:
    started = time.perf_counter()
    build(count, workers)
    print(f"built {count} agency schemas in {time.perf_counter() - started:.1f}s", flush=True)
    ours = _timed_command("migrate_fleet")
    print(f"migrate_fleet (no-op):                    {ours:8.2f} s", flush=True)
    theirs = _timed_command("migrate_schemas", "--tenant", "--executor=standard", "--noinput")
    print(f"migrate_schemas --executor=standard:      {theirs:8.2f} s", flush=True)
    ratio = theirs / ours
    print(f"migrate_schemas / migrate_fleet: {ratio:.1f}x")
    return {
        "benchmark": "fleet_migrate",
        "schemas": count,
        "migrate_fleet_s": round(ours, 2),
        "migrate_schemas_standard_s": round(theirs, 2),
        "ratio": round(ratio, 1),
    }


def build(count: int, workers: int) -> None:
    from django.db import connections

    from tenants.models import Agency, Domain
    from tenants.services import schemas

    schemas.ensure_template()
    names = [f"ag_fleet{index:04d}" for index in range(count)]
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for done, _name in enumerate(pool.imap_unordered(_build_one, names), start=1):
            if done % 25 == 0:
                print(f"  {done}/{count} schemas", flush=True)
    agencies = Agency.objects.bulk_create(
        Agency(schema_name=name, code=name[3:], name=name, kind="other") for name in names
    )
    Domain.objects.bulk_create(Domain(domain=a.host, tenant=a) for a in agencies)


def _build_one(name: str) -> str:
    from tenants.services import schemas

    # Migrations, not clones: clones are serialised (one template lock) and slow down as the
    # catalogue grows; migrations run in parallel workers.
    schemas.create_migrated(name)
    return name


def _timed_command(*args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(_common.ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        cwd=_common.ROOT,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-2000:])
        raise SystemExit(f"{args[0]} failed")
    return elapsed


if __name__ == "__main__":
    main()
