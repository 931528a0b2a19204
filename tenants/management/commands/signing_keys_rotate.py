"""Rewrite every stored signing secret under the newest key of SIGNING_KEYS_SECRET: the
province users' keys (public schema) and the agencies' (each agency schema, whatever its
status, and the spare and template schemas). One transaction per schema; run it again
after a failure, it rewrites only what is still under an older key. Then remove the old
key from SIGNING_KEYS_SECRET (docs/operations.md, "Rotating SIGNING_KEYS_SECRET")."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from iso_platform.signing.rotation import Rotation, signing_keys_rotate
from tenants.services.fleet import fleet_schemas


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored signing keys under the newest key of SIGNING_KEYS_SECRET "
        "(one transaction per schema; --dry-run counts only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")

    def handle(self, *args, dry_run, **options):
        total = Rotation()
        verb = "to rewrite" if dry_run else "rewritten"
        for schema in [settings.PUBLIC_SCHEMA_NAME, *fleet_schemas()]:
            with schema_context(schema):
                counts = signing_keys_rotate(dry_run=dry_run)
            total += counts
            if counts.rewritten or counts.current or counts.unreadable:
                self.stdout.write(self._line(schema, counts, verb))
        self.stdout.write(self._line("total", total, verb))
        if total.unreadable:
            # Already lost (no configured key opens them): say so before anyone removes a key.
            raise CommandError(
                f"{total.unreadable} stored value(s) open with no key of SIGNING_KEYS_SECRET: "
                "find the key they were written with before removing any."
            )

    @staticmethod
    def _line(name: str, counts: Rotation, verb: str) -> str:
        return (
            f"{name}: {counts.rewritten} {verb}, {counts.current} already under the newest "
            f"key, {counts.unreadable} unreadable"
        )
