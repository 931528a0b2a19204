"""Restore an agency archive (agency_backup or an export) in place or as a new agency.

    manage.py agency_restore sotp.zip --into sotp [--yes]
    manage.py agency_restore sotp.zip --new sotp2 --name "Sở Tư pháp (khôi phục)" \
        --kind provincial_department

--into replaces ALL of that agency's data and files by the archive's, in one
transaction (nothing changes if anything is refused or fails).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import AGENCY_KINDS_FOR_NEW, Agency
from tenants.services.backups import agency_restore_into, agency_restore_new


class Command(BaseCommand):
    help = "Restore an agency archive into an existing agency (replacing its data) or a new one."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--into", metavar="CODE", help="existing agency to replace")
        target.add_argument("--new", metavar="CODE", help="code of a new agency")
        parser.add_argument("--name", help="name of the new agency (with --new)")
        parser.add_argument("--kind", choices=[k.value for k in AGENCY_KINDS_FOR_NEW])
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **o):
        try:
            if o["into"]:
                self._into(o)
            else:
                self._new(o)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    def _into(self, o):
        agency = Agency.objects.filter(code=o["into"]).first()
        if agency is None:
            raise CommandError(f"Không có cơ quan mã “{o['into']}”. / No agency {o['into']!r}.")
        if not o["yes"] and not self._confirm(agency):
            raise CommandError("Đã huỷ. / Cancelled.")
        result = agency_restore_into(agency=agency, path=o["archive"])
        self.stdout.write(
            f"restored {result['from']} ({result['exported_at']}) into {result['agency']}: "
            f"{result['rows']} rows in {len(result['tables'])} tables, {result['files']} files "
            f"({result['files_written']} written, {result['files_kept']} unchanged, "
            f"{result['files_removed']} old removed)"
        )

    def _confirm(self, agency) -> bool:
        answer = input(
            f"Toàn bộ dữ liệu của {agency.name} ({agency.code}) sẽ bị thay bằng dữ liệu của gói "
            f"sao lưu. / ALL data of {agency.code} will be replaced. Type the code to go on: "
        )
        return answer.strip() == agency.code

    def _new(self, o):
        if not o["name"] or not o["kind"]:
            raise CommandError("--new cần --name và --kind. / --new needs --name and --kind.")
        op = agency_restore_new(path=o["archive"], code=o["new"], name=o["name"], kind=o["kind"])
        report = op.report
        self.stdout.write(
            f"restored {report['manifest']['agency']['code']} as new agency "
            f"{report['agency']['code']}: {report['rows']} rows in {len(report['loaded'])} "
            f"tables, {report['files']} files"
        )
