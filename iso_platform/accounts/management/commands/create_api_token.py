from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import User
from iso_platform.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user (public schema by default) and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="cli")
        parser.add_argument("--schema", default="public", help="agency schema holding the user")
        parser.add_argument("--days", type=int, default=None, help="expires after N days")

    def handle(self, *args, email, name, schema, days, **options):
        with schema_context(schema):
            user = User.objects.filter(email=normalise_email(email)).first()
            if user is None:
                raise CommandError(f"No user {email!r} in schema {schema!r}.")
            _token, raw = api_token_create(user=user, name=name, ttl_days=days)
        self.stdout.write(raw)
