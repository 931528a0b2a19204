"""Rewriting the stored signing secrets under the newest key of SIGNING_KEYS_SECRET
(MultiFernet.rotate), in the current schema, so that an operator can remove the old key
afterwards (docs/operations.md, "Rotating SIGNING_KEYS_SECRET"). The schemas are walked by
`manage.py signing_keys_rotate` (tenants); the fields by the apps' registrations
(`keys.encrypted_fields_register`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from iso_platform.signing.errors import SigningError
from iso_platform.signing.keys import encrypted_fields, pkcs12_is_current, pkcs12_reencrypt


@dataclass
class Rotation:
    rewritten: int = 0  # values that were under an older key (or would be, in a dry run)
    current: int = 0  # values already under the newest key
    unreadable: int = 0  # values no configured key opens: left as they are

    def __iadd__(self, other: Rotation) -> Rotation:
        self.rewritten += other.rewritten
        self.current += other.current
        self.unreadable += other.unreadable
        return self


def _rotate_value(token: bytes, counts: Rotation) -> bytes | None:
    """The rotated value, or None when it stays."""
    if pkcs12_is_current(token):
        counts.current += 1
        return None
    try:
        rotated = pkcs12_reencrypt(token)
    except SigningError:
        counts.unreadable += 1
        return None
    counts.rewritten += 1
    return rotated


def _rotate_model(model, fields: tuple[str, ...], counts: Rotation, *, dry_run: bool) -> None:
    # Locked: a credential deactivated meanwhile (its key blanked) must not get it back.
    rows = model.objects.select_for_update().only("pk", *fields).order_by("pk")
    for row in rows:
        changes = {}
        for name in fields:
            token = bytes(getattr(row, name) or b"")
            if token and (rotated := _rotate_value(token, counts)) is not None:
                changes[name] = rotated
        if changes and not dry_run:
            model.objects.filter(pk=row.pk).update(**changes)


def signing_keys_rotate(*, dry_run: bool = False) -> Rotation:
    """Rotate every registered encrypted field whose table is in the current schema, in one
    transaction (a dry run counts and writes nothing)."""
    counts = Rotation()
    tables = set(connection.introspection.table_names())
    with transaction.atomic():
        for label, fields in sorted(encrypted_fields().items()):
            model = apps.get_model(label)
            if model._meta.db_table in tables:
                _rotate_model(model, fields, counts, dry_run=dry_run)
    return counts
