"""Shared set-up for the benchmarks: a throw-away database on the configured server.

Benchmarks never touch the development database: each one creates its own
database (`eiso_bench_<name>`) on the same PostgreSQL server (embedded unless
DATABASE_URL is set), and its own Redis logical database.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import sysconfig
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _stdlib_statistics():
    """The standard library's `statistics`, loaded by file: bench/statistics.py (the issue
    names it so) shadows it for every script run from this folder. Registered under its
    own name, so a later `import statistics` anywhere gets the real one too."""
    found = sys.modules.get("statistics")
    if found is not None and hasattr(found, "quantiles"):
        return found
    path = Path(sysconfig.get_paths()["stdlib"]) / "statistics.py"
    spec = importlib.util.spec_from_file_location("statistics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["statistics"] = module
    return module


statistics = stats = _stdlib_statistics()

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(name: str) -> str:
    """Create a fresh benchmark database, point Django at it, migrate the public schema."""
    import psycopg

    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.settings")
    os.environ["EISO_REDIS_DB"] = os.environ.get("EISO_BENCH_REDIS_DB", "3")
    database = f"eiso_bench_{name}"
    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"]
        admin_url = _with_database(base, "postgres")
        url = _with_database(base, database)
    else:
        from iso_platform import embedded

        admin_url = embedded.postgres_url("postgres")
        url = _with_database(admin_url, database)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None) if not os.environ.get("BENCH_KEEP_REDIS_URL") else None

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    _public_tenant()
    return url


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _public_tenant() -> None:
    from django.conf import settings

    from tenants.models import Agency, AgencyKind, Domain

    public = Agency.objects.create(
        schema_name="public", code="public", name="Bench", kind=AgencyKind.PROVINCE
    )
    Domain.objects.create(domain=settings.BASE_DOMAIN, tenant=public)


def teardown(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    url = os.environ["DATABASE_URL"]
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "eiso_bench_{name}" WITH (FORCE)')


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(pct) - 1]


def report(figures: dict) -> None:
    """Benchmarks print their figures as one JSON object on the last line."""
    print(json.dumps(figures, ensure_ascii=False))
