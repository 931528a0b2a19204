"""Signing and issuing the province's own documents on the console: an inspection's
conclusion (TB) and the province's yearly report (BC), by the provincial administrator with
their own certificate, numbered from the department's register, kept append-only with the
evaluation report (iso_platform.signing ProvinceSignedDocument) and verified against the
province trust list. The keys come from the throwaway PKI (eiso/testing/pki.py)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from pypdf import PdfReader

from eiso.testing.pki import PKCS12_PASSWORD
from insights.models import InspectionStatus
from insights.services import inspections as services
from insights.services.signing import conclusion_sign, yearly_report_sign
from iso_platform.signing import trust_roots, verify_pdf
from iso_platform.signing.credentials import province_credential_upload
from iso_platform.signing.models import ProvinceSignedDocument
from iso_platform.signing.services import trust_anchor_add
from tenants.models import PlatformAuditEvent

TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture
def province(settings):
    settings.PROVINCE_NAME = "An Giang"
    settings.PROVINCE_ISSUER = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    settings.PROVINCE_ISSUER_ABBREVIATION = "SKHCN"


@pytest.fixture
def signer(world, signing_pki, province):
    """The provincial administrator holds a credential; the PKI's root is on the trust list."""
    trust_anchor_add(actor=world.province_admin, data=signing_pki.pem("root"))
    return province_credential_upload(
        actor=world.province_admin, data=signing_pki.pkcs12("signer"), password=PKCS12_PASSWORD
    )


@pytest.fixture
def inspection(world):
    plan = services.plan_create(actor=world.analyst, year=YEAR, title="Kế hoạch kiểm tra")
    (found,) = services.inspections_add(
        actor=world.analyst, plan=plan, agencies=[world.agency_a], scheduled_on=TODAY
    )
    return found


@pytest.fixture
def done(world, inspection):
    services.inspection_record(
        actor=world.analyst,
        inspection=inspection,
        done_on=TODAY,
        conclusion="Cơ quan duy trì hệ thống quản lý chất lượng phù hợp.",
        findings=[],
    )
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DONE
    return inspection


def _text(content: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def _verified(content: bytes) -> list:
    report = verify_pdf(content, trust_roots=trust_roots(), allow_fetching=False)
    return [(s.status, s.intact, s.trusted) for s in report.signatures]


def _sign_conclusion(client, inspection, sequence, password=PKCS12_PASSWORD):
    return client.post(
        f"/inspections/{inspection.pk}/conclusion/sign/",
        {"sequence": sequence, "password": password},
    )


def _sign_yearly(client, year, sequence, password=PKCS12_PASSWORD):
    return client.post(
        f"/reports/province/{year}/sign/", {"sequence": sequence, "password": password}
    )


# --------------------------------------------------------------------------- the conclusion


def test_the_administrator_signs_the_conclusion_numbered_stored_and_verified(
    world, client_for, done, signer
):
    admin = client_for("localhost", world.province_admin)
    response = _sign_conclusion(admin, done, 7)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = ProvinceSignedDocument.objects.get()
    assert (record.kind, record.subject_type, record.subject_id) == (
        "TB",
        "insights.inspection",
        str(done.pk),
    )
    assert (record.year, record.sequence, record.number) == (YEAR, 7, "07/TB-SKHCN")
    content = bytes(record.content)
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.signers[0]["serial"] == signer.serial
    text = _text(content)
    assert "Số: 07/TB-SKHCN" in text
    month = f"{TODAY.month:02d}" if TODAY.month < 3 else str(TODAY.month)
    assert f"An Giang, ngày {TODAY:%d} tháng {month} năm {TODAY:%Y}" in text
    assert signer.subject_name in text  # the holder signs, not the configured name
    assert _verified(content) == [("valid", True, True)]
    assert PlatformAuditEvent.objects.filter(
        action="inspection.conclusion_sign", subject_id=str(done.pk), changes__number=record.number
    ).exists()
    # the analyst sees it on the inspection page and downloads it byte for byte
    analyst = client_for("localhost", world.analyst)
    page = analyst.get(f"/inspections/{done.pk}/").content.decode()
    url = f"/inspections/{done.pk}/conclusion/signed/{record.pk}.pdf"
    assert "07/TB-SKHCN" in page and url in page
    download = analyst.get(url)
    assert download.status_code == 200 and download.content == content
    assert download["X-Content-SHA256"] == record.sha256
    # ... but not through another inspection's address
    other = services.inspections_add(
        actor=world.analyst, plan=done.plan, agencies=[world.agency_b], scheduled_on=TODAY
    )[0]
    assert (
        analyst.get(f"/inspections/{other.pk}/conclusion/signed/{record.pk}.pdf").status_code == 404
    )
    # the unsigned draft stays available, still with dots
    draft = analyst.get(f"/inspections/{done.pk}/conclusion.pdf")
    assert draft.status_code == 200 and "07/TB-SKHCN" not in _text(draft.content)


def test_a_planned_inspection_has_no_conclusion_to_sign(world, client_for, inspection, signer):
    admin = client_for("localhost", world.province_admin)
    assert _sign_conclusion(admin, inspection, 1).status_code == 404
    with pytest.raises(ValidationError) as refused:
        conclusion_sign(
            actor=world.province_admin, inspection=inspection, sequence=1, password=PKCS12_PASSWORD
        )
    assert "đã thực hiện" in refused.value.message_dict["sequence"][0]
    assert not ProvinceSignedDocument.objects.exists()


def test_a_wrong_password_stores_nothing_and_leaves_the_number_free(
    world, client_for, done, signer
):
    admin = client_for("localhost", world.province_admin)
    response = _sign_conclusion(admin, done, 7, password="không-phải-mật-khẩu")
    assert response.status_code == 400
    assert "mật khẩu" in response.content.decode().lower()
    assert not ProvinceSignedDocument.objects.exists()
    assert PlatformAuditEvent.objects.filter(
        action="inspection.conclusion_sign_failed", changes__reason="pkcs12_password"
    ).exists()
    assert _sign_conclusion(admin, done, 7).status_code == 302
    assert ProvinceSignedDocument.objects.get().number == "07/TB-SKHCN"


def test_only_the_provincial_administrator_signs(world, client_for, done, signing_pki, province):
    province_credential_upload(
        actor=world.analyst, data=signing_pki.pkcs12("signer"), password=PKCS12_PASSWORD
    )
    analyst = client_for("localhost", world.analyst)
    assert _sign_conclusion(analyst, done, 1).status_code == 403
    assert _sign_yearly(analyst, YEAR, 1).status_code == 403
    # the analyst's page shows the signed copies but offers no signing
    assert "conclusion/sign/" not in analyst.get(f"/inspections/{done.pk}/").content.decode()
    with pytest.raises(PermissionDenied):
        yearly_report_sign(actor=world.analyst, year=YEAR, sequence=1, password=PKCS12_PASSWORD)
    assert not ProvinceSignedDocument.objects.exists()


# --------------------------------------------------------------------------- the yearly report


def test_the_administrator_signs_the_yearly_report_numbered_stored_and_verified(
    world, client_for, signer
):
    admin = client_for("localhost", world.province_admin)
    response = _sign_yearly(admin, YEAR, 5)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/reports/province/?year={YEAR}"
    record = ProvinceSignedDocument.objects.get()
    assert (record.kind, record.subject_type, record.subject_id, record.number) == (
        "BC",
        "insights.province_report",
        str(YEAR),
        "05/BC-SKHCN",
    )
    content = bytes(record.content)
    assert "Số: 05/BC-SKHCN" in _text(content)
    assert f"năm {YEAR}" in _text(content)
    assert _verified(content) == [("valid", True, True)]
    assert PlatformAuditEvent.objects.filter(
        action="province_report.sign", subject_id=str(YEAR), changes__number="05/BC-SKHCN"
    ).exists()
    analyst = client_for("localhost", world.analyst)
    page = analyst.get("/reports/province/", {"year": YEAR}).content.decode()
    assert "05/BC-SKHCN" in page
    download = analyst.get(f"/reports/province/signed/{record.pk}.pdf")
    assert download.status_code == 200 and download.content == content
    # another year's page does not list it; the draft keeps its dots
    assert (
        "05/BC-SKHCN" not in analyst.get("/reports/province/", {"year": YEAR - 1}).content.decode()
    )
    draft = analyst.get("/reports/province/pdf/", {"year": YEAR})
    assert draft.status_code == 200 and "05/BC-SKHCN" not in _text(draft.content)


def test_a_number_is_used_once_a_year_for_a_kind(world, client_for, done, signer):
    yearly_report_sign(actor=world.province_admin, year=YEAR, sequence=3, password=PKCS12_PASSWORD)
    # the same BC number, for the report of another year: refused, it would print twice
    admin = client_for("localhost", world.province_admin)
    response = _sign_yearly(admin, YEAR - 1, 3)
    assert response.status_code == 400
    assert (
        "03/BC-SKHCN" in response.content.decode() and "đã được dùng" in response.content.decode()
    )
    # a notice numbered 3 is another number: 03/TB-SKHCN
    record = conclusion_sign(
        actor=world.province_admin, inspection=done, sequence=3, password=PKCS12_PASSWORD
    )
    assert record.number == "03/TB-SKHCN"
    assert ProvinceSignedDocument.objects.count() == 2


def test_a_year_the_page_does_not_offer_is_not_signed(world, client_for, signer):
    admin = client_for("localhost", world.province_admin)
    assert _sign_yearly(admin, 1999, 1).status_code == 404
    assert _sign_yearly(admin, YEAR + 5, 1).status_code == 404
    assert not ProvinceSignedDocument.objects.exists()


def test_a_signed_document_cannot_be_changed_or_deleted(world, signer):
    record = yearly_report_sign(
        actor=world.province_admin, year=YEAR, sequence=1, password=PKCS12_PASSWORD
    )
    for change in (
        lambda: ProvinceSignedDocument.objects.filter(pk=record.pk).update(number="99/BC-SKHCN"),
        lambda: ProvinceSignedDocument.objects.filter(pk=record.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            change()
    assert bytes(ProvinceSignedDocument.objects.get().content) == bytes(record.content)
