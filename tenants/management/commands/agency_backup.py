"""Back up one agency (its schema's tables and its files) to one archive.

    manage.py agency_backup sotp [--output /srv/backups/sotp.zip]

The archive is the export format (tenants/services/exports.py), read from one
consistent snapshot; restore it with agency_restore.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Agency
from tenants.services.backups import agency_backup


class Command(BaseCommand):
    help = "Back up one agency (tables, files, manifest with counts and SHA-256) to a file."

    def add_arguments(self, parser):
        parser.add_argument("code", help="agency code")
        parser.add_argument(
            "--output",
            default=None,
            help="archive path (default: BACKUP_DIR or MEDIA_ROOT/backups/)",
        )

    def handle(self, *args, **o):
        agency = Agency.objects.filter(code=o["code"]).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã “{o['code']}”. / No agency {o['code']!r}.")
        try:
            result = agency_backup(agency=agency, path=o["output"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"{result['path']}\n"
            f"size {result['size']} bytes, {result['rows']} rows in {len(result['tables'])} "
            f"tables, {result['files']} files\n"
            f"sha256 {result['sha256']}"
        )
        if result["missing_files"]:
            self.stderr.write(
                f"{len(result['missing_files'])} stored files were missing and are not in the "
                "archive: " + ", ".join(result["missing_files"][:10])
            )
