from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import User
from iso_platform.accounts.two_factor import two_factor_reset


class Command(BaseCommand):
    help = (
        "Remove a person's two-factor devices and recovery codes (lost phone and codes). "
        "A provincial administrator enrols again at the next sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--schema", default="public", help="agency schema holding the user")

    def handle(self, *args, email, schema, **options):
        with schema_context(schema):
            user = User.objects.filter(email=normalise_email(email)).first()
            if user is None:
                raise CommandError(f"No user {email!r} in schema {schema!r}.")
            removed = two_factor_reset(user=user)
        self.stdout.write(f"Removed {removed} device(s) of {user.email} in schema {schema}.")
