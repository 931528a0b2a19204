"""`manage.py evaluation_refresh`: the weekly adoption figures and measured baselines now."""

from django.core.management.base import BaseCommand

from evaluation.services.baselines import baselines_measure
from evaluation.services.snapshots import snapshots_refresh
from insights.services.refresh import agencies_refresh


class Command(BaseCommand):
    help = "Recompute every agency's weekly snapshots (from the statistics' week facts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--facts",
            action="store_true",
            help="Refresh every agency's statistics first (reads every agency schema).",
        )

    def handle(self, *args, **options):
        if options["facts"]:
            summary = agencies_refresh()
            self.stdout.write(f"statistics: {summary.refreshed} agencies, {summary.seconds:.1f} s")
        result = snapshots_refresh()
        measured = baselines_measure()
        self.stdout.write(
            f"weekly snapshots: {result.rows} rows in {result.seconds:.2f} s; "
            f"{measured} measured baselines"
        )
