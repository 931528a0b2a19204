"""`manage.py billing_seed`: the default plans and a subscription for every agency (idempotent)."""

from django.core.management.base import BaseCommand

from billing.services.seed import billing_seed


class Command(BaseCommand):
    help = "Create the default billing plans and subscribe agencies that have none."

    def handle(self, *args, **options):
        done = billing_seed()
        for line in done:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"billing_seed: {len(done)} change(s)"))
