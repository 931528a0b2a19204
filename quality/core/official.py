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

from iso_platform.official import Issuer, Signer, date_line
from quality.core.models import AgencySettings, OutgoingDocument
from tenants.models import Agency

DEFAULT_POSITION = "Thủ trưởng cơ quan"

# The legal basis every decision of the QMS can truthfully cite (the agency's own founding
# decision is not known to eISO, so it is not cited). Decision 19/2014/QĐ-TTg is the Prime
# Minister's decision on applying the QMS in state administrative agencies (in force from
# 18 May 2014); its title names the 2008 edition, and agencies apply the 2015 edition, which
# replaced it, under the Ministry of Science and Technology's guidance. Written as the decree
# asks for a first citation: kind, number, date, issuer, subject.
QMS_BASES = (
    "Căn cứ Quyết định số 19/2014/QĐ-TTg ngày 05 tháng 3 năm 2014 của Thủ tướng Chính phủ về "
    "việc áp dụng Hệ thống quản lý chất lượng theo Tiêu chuẩn quốc gia TCVN ISO 9001:2008 vào "
    "hoạt động của các cơ quan, tổ chức thuộc hệ thống hành chính nhà nước;",
    "Căn cứ Tiêu chuẩn quốc gia TCVN ISO 9001:2015 (ISO 9001:2015) Hệ thống quản lý chất lượng "
    "- Các yêu cầu;",
)
# Who signs for the head: "KT." (ký thay), "TL." (thừa lệnh), "TUQ." (thừa ủy quyền),
# "Q." (quyền). The authority that issues is still the head.
_FOR_THE_HEAD = ("KT.", "TL.", "TUQ.", "Q.")


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


def authority_line(issuer: Issuer, signer: Signer) -> str:
    """Thẩm quyền ban hành of a decision, in capitals: the head's position and the agency
    ('GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ'), the head's even when a deputy signs ('KT. GIÁM
    ĐỐC'). Without a position set, 'THỦ TRƯỞNG' and the agency."""
    head = signer.authority or signer.position
    for prefix in _FOR_THE_HEAD:
        if head.upper().startswith(prefix):
            head = head[len(prefix) :]
    head = head.strip()
    if not head or head == DEFAULT_POSITION:
        head = "Thủ trưởng"
    return f"{head} {issuer.agency}".upper()


def day_text(on) -> str:
    """'ngày 05 tháng 3 năm 2026', as in the date line of the decree."""
    return date_line("", on).split(", ", 1)[1]
