"""The agency's official identity and its register of outgoing documents, read side.

Names on an official document are data: the agency's settings (AgencySettings.official_*,
signer_*), falling back to its name and code on the platform and to the province's place
name (settings.PROVINCE_NAME). Writes (a number for a document) are in
`quality.core.services.outgoing_number_allocate`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Case, When

from iso_platform.official import Issuer, Signer
from quality.core.models import AgencySettings, OutgoingDocument
from tenants.models import Agency

DEFAULT_POSITION = "Thủ trưởng cơ quan"


def current_agency() -> Agency | None:
    agency = getattr(connection, "tenant", None)
    if agency is not None and not hasattr(agency, "code"):
        # schema_context() outside a request carries a fake tenant: look the agency up
        agency = Agency.objects.filter(schema_name=connection.schema_name).first()
    return agency


def official_issuer() -> Issuer:
    config = AgencySettings.load()
    agency = current_agency()
    return Issuer(
        governing_body=config.official_governing_body,
        agency=config.official_name or (agency.name if agency else ""),
        abbreviation=config.official_abbreviation or (agency.code.upper() if agency else ""),
        place=config.official_place or settings.PROVINCE_NAME,
    )


def official_signer() -> Signer:
    config = AgencySettings.load()
    return Signer(
        authority=config.signer_authority,
        position=config.signer_position or DEFAULT_POSITION,
        name=config.signer_name,
    )


def outgoing_entry(*, subject, kind: str) -> OutgoingDocument | None:
    """The register's line for `subject` as a document of `kind`; None while it is a draft.

    After a merge the register also holds the merged agency's lines, whose subject ids were
    that agency's: this agency's own line (its current abbreviation) comes first."""
    own = official_issuer().abbreviation
    return (
        OutgoingDocument.objects.filter(
            subject_type=subject._meta.model_name, subject_id=str(subject.pk), kind=kind
        )
        .order_by(Case(When(issuer=own, then=0), default=1), "id")
        .first()
    )
