"""The one spelling of a sign-in identifier (the e-mail address).

Every place that takes an address from a person or a file, stores it, looks it up or counts
failed sign-ins by it goes through `normalise_email`: the sign-in form, the two-factor step,
the lockout (django-axes' `AXES_USERNAME_CALLABLE`), `UserManager.get_by_natural_key`, person
creation, invitations, the staff import, agency provisioning and the operator commands.
Stored addresses are in this form, and look-ups compare exactly: an address matches a person
only when it normalises to theirs, so whatever spelling reaches the password check is also
the key the lockout counts under. (A case-insensitive look-up in the database would be a
second, different folding: PostgreSQL's `upper()` maps the dotless "ı" to "I", for example,
which Python's lower-casing does not undo.)

The form: Unicode NFKC (full-width letters, the Kelvin sign "K", non-breaking spaces become
their plain forms), surrounding white space removed, lower case.
"""

from __future__ import annotations

import unicodedata

from django import forms


def normalise_email(value) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()


def axes_username(request, credentials=None) -> str:
    """`AXES_USERNAME_CALLABLE`: the lockout key of an attempt, however it was spelt."""
    if credentials:
        typed = credentials.get("username") or credentials.get("email")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        typed = data.get("username", "") if hasattr(data, "get") else ""
    return normalise_email(typed)


class IdentifierField(forms.EmailField):
    """An e-mail address form field that normalises before validating, so that a spelling
    the validator would refuse (full-width letters) reaches the same account and lockout."""

    def to_python(self, value):
        return normalise_email(super().to_python(value))
