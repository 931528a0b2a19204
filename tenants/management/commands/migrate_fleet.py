"""Migrate every agency schema (and the spare pool and template) in parallel.

    manage.py migrate_fleet [--include-public] [--parallel N] [--check]

With --include-public the public schema comes first, then the province's own row and its
host (tenants/services/province.py): without them the console on BASE_DOMAIN is a 404.

Exit status is non-zero when any schema failed (or, with --check, needs work).
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tenants.services.fleet import fleet_migrate
from tenants.services.province import province_ensure


class Command(BaseCommand):
    help = "Migrate all agency schemas, skipping those already up to date."

    def add_arguments(self, parser):
        parser.add_argument(
            "--include-public", action="store_true", help="migrate the public schema first"
        )
        parser.add_argument(
            "--parallel",
            type=int,
            default=None,
            help="worker processes (default: FLEET_MIGRATE_PARALLEL or CPUs)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only report; exit 1 if any schema needs migrations",
        )

    def handle(self, *args, include_public, parallel, check, **options):
        if include_public and not check:
            started = time.perf_counter()
            call_command(
                "migrate_schemas",
                shared=True,
                interactive=False,
                verbosity=max(0, options["verbosity"] - 1),
            )
            self.stdout.write(f"public schema migrated in {time.perf_counter() - started:.2f}s")
            province, created = province_ensure()
            if created:
                self.stdout.write(f"the province console answers at {province.host}")
        report = fleet_migrate(
            parallel=parallel, check_only=check, progress=lambda line: self.stdout.write(line)
        )
        for outcome in report.failed:
            self.stderr.write(f"FAILED {outcome.schema}:\n{outcome.error}")
        if report.missing:
            self.stderr.write("missing schemas: " + ", ".join(report.missing))
        self.stdout.write(
            f"done in {report.seconds:.2f}s: {len(report.migrated)} migrated, "
            f"{report.up_to_date} already up to date, {len(report.failed)} failed"
        )
        if report.failed or report.missing:
            raise CommandError(
                f"{len(report.failed)} schema(s) "
                + ("need migrations" if check else "failed")
                + (f", {len(report.missing)} missing" if report.missing else "")
            )
