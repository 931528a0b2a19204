from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from eiso.console.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo province with pilot agencies (idempotent; DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true")
        parser.add_argument("--force", action="store_true", help="allow with DEBUG off")

    def handle(self, *args, reset_passwords, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates known passwords: refused with DEBUG off "
                "(use --force on a throw-away database)."
            )
        lines = demo_seed(reset_passwords=reset_passwords)
        for line in lines or ["demo data already present"]:
            self.stdout.write(line)
