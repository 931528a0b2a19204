"""Create an agency from the command line.

    manage.py provision_agency --code sotp --name "Sở Tư pháp" \
        --kind provincial_department --admin-email a@b.vn --admin-name "Nguyễn Văn A"
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import AGENCY_KINDS_FOR_NEW
from tenants.services.provisioning import METHODS, AgencySpec, agency_provision


class Command(BaseCommand):
    help = "Provision an agency (pool claim when possible) and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--kind", required=True, choices=[k.value for k in AGENCY_KINDS_FOR_NEW]
        )
        parser.add_argument("--parent", default=None, help="parent agency code")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", required=True)
        parser.add_argument(
            "--password",
            default=None,
            help="initial password (otherwise an invitation link is printed)",
        )
        parser.add_argument("--method", choices=METHODS, default="auto")

    def handle(self, *args, **o):
        spec = AgencySpec(
            code=o["code"],
            name=o["name"],
            kind=o["kind"],
            admin_email=o["admin_email"],
            admin_name=o["admin_name"],
            parent_code=o["parent"],
        )
        try:
            result = agency_provision(spec=spec, admin_password=o["password"], method=o["method"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        agency = result.agency
        self.stdout.write(
            f"{agency.name} is ready at {agency.url} ({result.method}, {result.duration_ms} ms)"
        )
        if result.invitation:
            self.stdout.write(
                f"invitation for {result.admin.email}: "
                f"{agency.url.rstrip('/')}{result.invitation.path()}"
            )
        else:
            self.stdout.write(f"sign in as {result.admin.email} with the given password")
