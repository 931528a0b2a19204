"""Stored addresses in the one normalised form (iso_platform/accounts/identifiers.py): look-ups
compare exactly from now on. An address whose normalised form another person already has is
left as it is (that person keeps signing in; an operator decides about the other)."""

import unicodedata

from django.db import migrations


def _normalised(value: str) -> str:  # a copy of identifiers.normalise_email, frozen here
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def normalise_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken = set(User.objects.values_list("email", flat=True))
    for pk, email in User.objects.values_list("pk", "email"):
        wanted = _normalised(email)
        if wanted != email and wanted not in taken:
            User.objects.filter(pk=pk).update(email=wanted)
            taken.add(wanted)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_invitation")]

    operations = [migrations.RunPython(normalise_emails, migrations.RunPython.noop)]
