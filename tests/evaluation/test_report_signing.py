"""Signing and issuing the pilot evaluation report on the province console: the provincial
administrator's own certificate (public schema), the department's number, the signed PDF
kept append-only and verified against the province trust list.

The keys come from the throwaway PKI (eiso/testing/pki.py): `signer` is the person,
`expired` is refused at upload.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from pypdf import PdfReader

from eiso.testing.pki import PKCS12_PASSWORD
from evaluation.models import SignedReport
from evaluation.services.signing import report_sign
from iso_platform.signing import trust_roots, verify_pdf
from iso_platform.signing.credentials import province_credential_upload
from iso_platform.signing.models import ProvinceCredential
from iso_platform.signing.services import trust_anchor_add
from tenants.models import PlatformAuditEvent


@pytest.fixture
def named(settings):
    settings.PROVINCE_NAME = "An Giang"


@pytest.fixture
def signer(world, signing_pki, named):
    """The provincial administrator holds a credential; the PKI's root is on the trust list."""
    trust_anchor_add(actor=world.province_admin, data=signing_pki.pem("root"))
    return province_credential_upload(
        actor=world.province_admin, data=signing_pki.pkcs12("signer"), password=PKCS12_PASSWORD
    )


def _sign(client, wave, sequence, password=PKCS12_PASSWORD):
    return client.post(
        f"/evaluation/waves/{wave.pk}/report/sign/",
        {"sequence": sequence, "password": password},
    )


def test_the_administrator_signs_the_report_numbered_stored_and_verified(
    world, client_for, pilot, signer
):
    admin = client_for("localhost", world.province_admin)
    response = _sign(admin, pilot, 7)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = SignedReport.objects.get()
    year = timezone.localdate().year
    assert (record.wave, record.year, record.sequence, record.number) == (
        pilot,
        year,
        7,
        "07/BC-SKHCN",
    )
    content = bytes(record.content)
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.signers[0]["serial"] == signer.serial
    # the number and the date are printed: no longer a draft
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    today = timezone.localdate()
    assert "Số: 07/BC-SKHCN" in text
    assert f"An Giang, ngày {today:%d} tháng {today:%m} năm {today:%Y}" in text
    # verified against the province trust list, as any clerk's check would
    report = verify_pdf(content, trust_roots=trust_roots(), allow_fetching=False)
    assert [(s.status, s.intact, s.trusted) for s in report.signatures] == [("valid", True, True)]
    assert PlatformAuditEvent.objects.filter(
        action="evaluation.report_sign", subject_id=str(pilot.pk), changes__number="07/BC-SKHCN"
    ).exists()
    # the page lists it, and anyone of the province downloads it byte for byte
    analyst = client_for("localhost", world.analyst)
    page = analyst.get(f"/evaluation/waves/{pilot.pk}/report/")
    assert "07/BC-SKHCN" in page.content.decode()
    download = analyst.get(f"/evaluation/waves/{pilot.pk}/report/signed/{record.pk}.pdf")
    assert download.status_code == 200 and download.content == content
    assert download["X-Content-SHA256"] == record.sha256
    # the unsigned draft stays available, still with dots
    draft = analyst.get(f"/evaluation/waves/{pilot.pk}/report.pdf")
    draft_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(draft.content)).pages)
    assert draft.status_code == 200 and "07/BC-SKHCN" not in draft_text


def test_a_wrong_password_stores_nothing_and_leaves_the_number_free(
    world, client_for, pilot, signer
):
    admin = client_for("localhost", world.province_admin)
    response = _sign(admin, pilot, 7, password="không-phải-mật-khẩu")
    assert response.status_code == 400
    assert "Mật khẩu" in response.content.decode() or "mật khẩu" in response.content.decode()
    assert not SignedReport.objects.exists()
    assert PlatformAuditEvent.objects.filter(
        action="evaluation.report_sign_failed", changes__reason="pkcs12_password"
    ).exists()
    # the same number is still free: the right password takes it
    assert _sign(admin, pilot, 7).status_code == 302
    assert SignedReport.objects.get().number == "07/BC-SKHCN"


def test_a_number_is_used_once_a_year(world, pilot, signer):
    report_sign(actor=world.province_admin, wave=pilot, sequence=3, password=PKCS12_PASSWORD)
    with pytest.raises(ValidationError) as refused:
        report_sign(actor=world.province_admin, wave=pilot, sequence=3, password=PKCS12_PASSWORD)
    assert "03/BC-SKHCN" in refused.value.message_dict["sequence"][0]
    assert "đã được dùng" in refused.value.message_dict["sequence"][0]
    assert SignedReport.objects.count() == 1


def test_without_a_credential_the_page_points_to_my_signature(world, client_for, pilot):
    admin = client_for("localhost", world.province_admin)
    page = admin.get(f"/evaluation/waves/{pilot.pk}/report/")
    assert "/signing/mine/" in page.content.decode()
    response = _sign(admin, pilot, 1)
    assert response.status_code == 400
    assert "Chữ ký số của tôi" in response.content.decode()
    assert not SignedReport.objects.exists()


def test_a_signed_report_cannot_be_changed_or_deleted(world, pilot, signer):
    record = report_sign(
        actor=world.province_admin, wave=pilot, sequence=1, password=PKCS12_PASSWORD
    )
    for change in (
        lambda: SignedReport.objects.filter(pk=record.pk).update(content=b"%PDF-forged"),
        lambda: SignedReport.objects.filter(pk=record.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            change()
    assert bytes(SignedReport.objects.get().content) == bytes(record.content)


def test_only_the_provincial_administrator_signs(world, client_for, pilot, signing_pki):
    province_credential_upload(
        actor=world.analyst, data=signing_pki.pkcs12("signer"), password=PKCS12_PASSWORD
    )
    analyst = client_for("localhost", world.analyst)
    assert _sign(analyst, pilot, 1).status_code == 403
    # agency people: the console's routes do not exist on their host, and their session is
    # not the console's
    owner = client_for(world.agency_a, world.owner_a)
    assert _sign(owner, pilot, 1).status_code == 404
    assert owner.get(f"/evaluation/waves/{pilot.pk}/report/").status_code == 404
    assert not SignedReport.objects.exists()


def test_my_signature_keeps_a_pkcs12_file_checked_by_its_password(world, client_for, signing_pki):
    admin = client_for("localhost", world.province_admin)

    def upload(label, password=PKCS12_PASSWORD):
        data = signing_pki.pkcs12(label)
        return admin.post(
            "/signing/mine/",
            {"file": io.BytesIO(data), "password": password},
            format="multipart",
        )

    wrong = upload("signer", password="sai")
    assert wrong.status_code == 400 and not ProvinceCredential.objects.exists()
    assert upload("expired").status_code == 400 and not ProvinceCredential.objects.exists()
    assert upload("signer").status_code == 302
    first = ProvinceCredential.objects.get()
    assert first.owner == world.province_admin and first.is_active
    assert PKCS12_PASSWORD.encode() not in bytes(first.pkcs12_encrypted)
    assert signing_pki.pkcs12("signer") != bytes(first.pkcs12_encrypted)  # encrypted at rest
    assert upload("signer").status_code == 302  # a new file replaces it
    first.refresh_from_db()
    assert not first.is_active and bytes(first.pkcs12_encrypted) == b""
    current = ProvinceCredential.objects.get(is_active=True)
    # nobody else stops it
    analyst = client_for("localhost", world.analyst)
    assert analyst.post("/signing/mine/", {"deactivate": current.pk}).status_code == 404
    assert admin.post("/signing/mine/", {"deactivate": current.pk}).status_code == 302
    current.refresh_from_db()
    assert not current.is_active
    assert PlatformAuditEvent.objects.filter(action="province_credential_deactivate").exists()
