"""`python -m eiso.testing.oidc_provider_site.seed FILE.json`: migrate, make the signing key
once, and create or update the people and clients listed in the file."""

import json
import os
import sys

import django


def main(path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.testing.oidc_provider_site.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType, RSAKey

    call_command("migrate", verbosity=0)
    if not RSAKey.objects.exists():
        call_command("creatersakey")
    data = json.loads(open(path, encoding="utf-8").read())  # noqa: SIM115 - one read
    for person in data.get("users", []):
        user, _ = User.objects.get_or_create(username=person["username"])
        user.email = person["email"]
        user.first_name = person.get("name", "")
        user.set_password(person["password"])
        user.save()
    code = ResponseType.objects.get(value="code")
    for spec in data.get("clients", []):
        client, _ = Client.objects.get_or_create(client_id=spec["client_id"])
        client.name = spec["client_id"]
        client.client_type = "confidential"
        client.client_secret = spec["secret"]
        client.require_consent = False
        client.redirect_uris = spec["redirect_uris"]
        client.post_logout_redirect_uris = spec.get("post_logout_redirect_uris", [])
        client.scope = ["openid", "email", "profile"]
        client.save()
        client.response_types.set([code])


if __name__ == "__main__":
    main(sys.argv[1])
