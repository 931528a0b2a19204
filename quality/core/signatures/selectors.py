"""Reads: whose credential signs, and the signed copy of an issued document."""

from __future__ import annotations

import datetime as dt

from quality.core.signatures.models import SignedDocument, SigningCredential


def person_credential(user) -> SigningCredential | None:
    """The person's active credential: only its owner ever signs with it."""
    if not (user and user.is_authenticated):
        return None
    return SigningCredential.objects.filter(owner=user, is_active=True).first()


def agency_credential() -> SigningCredential | None:
    return SigningCredential.objects.filter(owner__isnull=True, is_active=True).first()


def signed_copy(*, number: str, issued_on: dt.date | None) -> SignedDocument | None:
    """The signed PDF of the document numbered `number` in `issued_on`'s year (numbers
    restart each year, so the year tells them apart)."""
    if not number or issued_on is None:
        return None
    return SignedDocument.objects.filter(
        register__number=number, register__year=issued_on.year
    ).first()


def signed_for(subject, kind: str) -> SignedDocument | None:
    return SignedDocument.objects.filter(
        subject_type=subject._meta.model_name, subject_id=str(subject.pk), register__kind=kind
    ).first()
