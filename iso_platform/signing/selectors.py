"""Reads of the province trust configuration, from the public schema or any agency schema
(django-tenants keeps `public` on every agency's search path)."""

from __future__ import annotations

from asn1crypto import x509

from iso_platform.signing.models import ProvinceSignedDocument, SigningConfiguration, TrustAnchor


def trust_roots() -> list[x509.Certificate]:
    """The active trust anchors, as certificates for pyHanko."""
    return [
        x509.Certificate.load(bytes(der))
        for der in TrustAnchor.objects.filter(is_active=True).values_list("der", flat=True)
    ]


def signing_configuration() -> SigningConfiguration:
    """The configuration row; an unsaved empty one when the province has not set it yet
    (reading never writes, so an agency request does not create public rows)."""
    return SigningConfiguration.objects.filter(pk=1).first() or SigningConfiguration(pk=1)


def province_signed(*, subject_type: str, subject_id) -> list[ProvinceSignedDocument]:
    """The signed copies of one document of the department, newest first, without their
    bytes (the page lists them; the download reads one)."""
    return list(
        ProvinceSignedDocument.objects.filter(
            subject_type=subject_type, subject_id=str(subject_id)
        ).defer("content")
    )
