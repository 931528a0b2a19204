from django.core.management.base import BaseCommand

from tenants.services import pool


class Command(BaseCommand):
    help = "Fill the warm pool of pre-migrated spare schemas (AGENCY_POOL_SIZE by default)."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=None)
        parser.add_argument("--method", choices=pool.METHODS, default=pool.METHOD_REPLAY)

    def handle(self, *args, size, method, **options):
        built = pool.pool_refill(target=size, method=method)
        self.stdout.write(f"built {built} spare schema(s); pool now holds {pool.pool_size()}")
