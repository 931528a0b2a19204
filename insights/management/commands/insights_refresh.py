from django.core.management.base import BaseCommand, CommandError

from insights.services.refresh import agencies_refresh, agency_refresh, refreshable_agencies
from tenants.models import Agency


class Command(BaseCommand):
    help = (
        "Recompute the department's statistics now, in this process: one agency (--agency CODE)"
        " or every active agency (--all)."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--agency", metavar="CODE")
        target.add_argument("--all", action="store_true")

    def handle(self, *args, agency=None, all=False, **options):
        if agency:
            found = Agency.objects.filter(code=agency).first()
            if found is None:
                raise CommandError(f"no agency with code {agency!r}")
            try:
                status = agency_refresh(agency=found)
            except Exception as exc:
                raise CommandError(f"{found.code}: {exc}") from exc
            self.stdout.write(f"{found.code}: refreshed in {status.refresh_ms} ms")
            return
        summary = agencies_refresh(agencies=refreshable_agencies())
        self.stdout.write(
            f"refreshed {summary.refreshed} agencies in {summary.seconds:.1f}s"
            + (f"; failed: {', '.join(summary.failed)}" if summary.failed else "")
        )
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} agencies failed")
