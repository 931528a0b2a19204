"""Signing in the agency's flows: who signs what, in the transaction that issues it.

The keys come from the throwaway PKI (eiso/testing/pki.py): `signer` is the person, `agency`
the agency's certificate; `expired` and `no-usage` are refused at upload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django_tenants.utils import schema_context
from PIL import Image

from eiso.testing.pki import PKCS12_PASSWORD
from iso_platform.accounts.models import Role, User
from iso_platform.signing import verify_pdf
from iso_platform.signing.models import SigningConfiguration
from iso_platform.signing.services import trust_anchor_add
from quality.audits import services as audits
from quality.core.models import (
    AgencySettings,
    AuditEvent,
    OutgoingDocument,
    SignedDocument,
    SigningCredential,
    Unit,
)
from quality.core.signatures import services as signing
from quality.core.signatures.services import SignatureRefused, SigningSecrets
from quality.documents.models import RevisionStatus
from quality.documents.services import documents as docs
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import meetings as review_meetings
from tests.quality.conftest import Flow

BOTH = SigningSecrets(secret=PKCS12_PASSWORD, agency_secret=PKCS12_PASSWORD)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (60, 30), (0, 0, 160, 255)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def upload(pki, user, label="signer", *, for_agency=False, image=PNG):
    return signing.credential_pkcs12_upload(
        actor=user,
        data=pki.pkcs12(label),
        password=PKCS12_PASSWORD,
        image=image,
        for_agency=for_agency,
    )


@pytest.fixture
def keys(in_a, signing_pki):
    """The leader holds a personal credential, the agency its own (kept by its admin)."""
    w = in_a
    w.pki = signing_pki
    w.leader_key = upload(signing_pki, w.leader_a)
    w.agency_key = upload(signing_pki, w.owner_a, "agency", for_agency=True)
    return w


def under_review(w, code="QT.SIGN.01"):
    flow = Flow(w)
    document = flow.draft(code=code, title="Quy trình ký số")
    revision = document.latest_revision
    docs.revision_submit(actor=w.member_a, revision=revision)
    docs.revision_review(actor=w.owner_a, revision=revision)
    return document, revision


def valid_signatures(w, content: bytes) -> list[str]:
    report = verify_pdf(content, trust_roots=[w.pki.root], allow_fetching=False)
    return [
        (s.status if s.intact and s.trusted else "bad", s.signer_name) for s in report.signatures
    ]


def person_and_agency(w, record: SignedDocument) -> None:
    names = valid_signatures(w, bytes(record.content))
    assert len(names) == 2 and all(status == "valid" for status, _name in names), names
    assert [s["kind"] for s in record.signers] == ["person", "agency"]
    assert record.signers[0]["serial"] == w.leader_key.serial
    assert record.signers[1]["serial"] == w.agency_key.serial
    assert record.sha256 == hashlib.sha256(bytes(record.content)).hexdigest()


def actions(subject) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_type=subject._meta.model_name, subject_id=str(subject.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --------------------------------------------------------------------------- documents


def test_issuing_signs_the_decision_by_the_leader_then_the_agency(keys):
    w = keys
    _document, revision = under_review(w)
    docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH)
    record = SignedDocument.objects.get(subject_type="revision", subject_id=str(revision.pk))
    assert record.register.number.startswith("01/QĐ-")
    person_and_agency(w, record)
    assert actions(revision)[-2:] == ["approve_issue", "sign"]


def test_a_wrong_password_issues_nothing_and_uses_no_number(keys):
    w = keys
    document, revision = under_review(w)
    wrong = SigningSecrets(secret="sai-mat-khau", agency_secret=PKCS12_PASSWORD)
    with pytest.raises(SignatureRefused, match="Mật khẩu của tệp chứng thư số") as caught:
        docs.revision_approve(actor=w.leader_a, revision=revision, signing=wrong)
    assert caught.value.reason == "pkcs12_password"
    revision.refresh_from_db()
    document.refresh_from_db()
    assert revision.status == RevisionStatus.UNDER_REVIEW and revision.issue_number is None
    assert not OutgoingDocument.objects.exists() and not SignedDocument.objects.exists()
    failed = AuditEvent.objects.get(action="sign_failed")
    assert failed.changes == {"reason": "pkcs12_password"} and failed.actor_id == w.leader_a.pk
    # the number it took is free again
    docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH)
    assert OutgoingDocument.objects.get().number.startswith("01/QĐ-")


def test_a_wrong_agency_password_refuses_the_whole_issue(keys):
    w = keys
    _document, revision = under_review(w)
    wrong = SigningSecrets(secret=PKCS12_PASSWORD, agency_secret="sai")
    with pytest.raises(SignatureRefused):
        docs.revision_approve(actor=w.leader_a, revision=revision, signing=wrong)
    with pytest.raises(SignatureRefused, match="chứng thư số của cơ quan"):
        docs.revision_approve(
            actor=w.leader_a, revision=revision, signing=SigningSecrets(PKCS12_PASSWORD)
        )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.UNDER_REVIEW
    assert not OutgoingDocument.objects.exists()


def test_without_a_credential_the_approval_stays_unsigned_unless_the_agency_requires_it(keys):
    w = keys
    w.leader_key.delete()
    _document, revision = under_review(w)
    AgencySettings.objects.filter(pk=AgencySettings.load().pk).update(signature_required=True)
    with pytest.raises(SignatureRefused, match="bắt buộc ký số"):
        docs.revision_approve(actor=w.leader_a, revision=revision)
    assert not OutgoingDocument.objects.exists()
    AgencySettings.objects.update(signature_required=False)
    docs.revision_approve(actor=w.leader_a, revision=revision)
    assert OutgoingDocument.objects.count() == 1 and not SignedDocument.objects.exists()


def test_withdrawing_signs_the_withdrawal_decision(keys):
    w = keys
    document, revision = under_review(w)
    docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH)
    docs.document_withdraw(
        actor=w.leader_a, document=document, reason="Không còn áp dụng", signing=BOTH
    )
    record = SignedDocument.objects.get(subject_type="document", subject_id=str(document.pk))
    assert record.register.number.startswith("02/QĐ-")
    person_and_agency(w, record)


def test_a_token_on_pkcs11_signs_an_issue(in_a, signing_pki, pkcs11_token, settings):
    w = in_a
    w.pki = signing_pki
    settings.SIGNING_PKCS11_MODULES = (pkcs11_token.module,)
    key = signing.credential_token_register(
        actor=w.leader_a,
        module_path=pkcs11_token.module,
        token_label=pkcs11_token.label,
        key_label=pkcs11_token.key_label,
        pin=pkcs11_token.pin,
    )
    assert key.kind == "pkcs11" and key.serial
    _document, revision = under_review(w)
    with pytest.raises(SignatureRefused, match="Mã PIN của thiết bị ký số không đúng"):
        docs.revision_approve(actor=w.leader_a, revision=revision, signing=SigningSecrets("0000"))
    assert not OutgoingDocument.objects.exists()
    docs.revision_approve(
        actor=w.leader_a, revision=revision, signing=SigningSecrets(pkcs11_token.pin)
    )
    record = SignedDocument.objects.get()
    assert [status for status, _ in valid_signatures(w, bytes(record.content))] == ["valid"]


def test_a_module_outside_the_allow_list_is_refused(in_a, settings):
    settings.SIGNING_PKCS11_MODULES = ()
    with pytest.raises(ValidationError, match="không nằm trong danh sách được phép"):
        signing.credential_token_register(
            actor=in_a.leader_a,
            module_path="/opt/vendor/evil.so",
            token_label="x",
            key_label="",
            pin="1",
        )
    assert not SigningCredential.objects.exists()


def test_the_remote_signing_service_signs_an_approval(in_a, signing_pki, csc_hosts):
    w, csc = in_a, csc_hosts
    w.pki = signing_pki
    SigningConfiguration.objects.update_or_create(pk=1, defaults={"remote_service_url": csc.url})
    key = signing.credential_remote_register(
        actor=w.leader_a, credential_id=csc.credential, access_token=csc.token
    )
    assert key.kind == "remote" and bytes(key.remote_token_encrypted) != csc.token.encode()
    _document, revision = under_review(w)
    with pytest.raises(SignatureRefused) as caught:
        docs.revision_approve(actor=w.leader_a, revision=revision, signing=SigningSecrets("999"))
    assert caught.value.reason == "remote_refused"
    docs.revision_approve(actor=w.leader_a, revision=revision, signing=SigningSecrets(csc.pin))
    record = SignedDocument.objects.get()
    assert record.signers[0]["source"] == "remote"
    assert [status for status, _ in valid_signatures(w, bytes(record.content))] == ["valid"]


# --------------------------------------------------------------------------- reports


def _reported_plan(w):
    auditor = User.objects.create_user(
        "auditor@alpha.test", "x" * 12, full_name="Đánh Giá Viên", role=Role.INTERNAL_AUDITOR
    )
    unit = Unit.objects.create(code="P1", name="Phòng Một")
    programme = audits.programme_create(actor=w.owner_a, year=2026, objectives="Toàn bộ")
    plan = audits.plan_create(
        actor=w.owner_a,
        programme=programme,
        title="Đánh giá nội bộ đợt 1",
        scope="Các quy trình",
        start_on=dt.date(2026, 5, 4),
        end_on=dt.date(2026, 5, 6),
        lead=auditor,
    )
    audits.assignment_add(actor=w.owner_a, plan=plan, auditor=auditor, unit=unit)
    audits.checklist_build(actor=w.owner_a, plan=plan, clause_codes=["7.5"])
    audits.checklist_assess(actor=auditor, item=plan.checklist.get(), grade="conformity")
    return plan


def test_approving_the_audit_report_signs_it(keys):
    w = keys
    plan = _reported_plan(w)
    with pytest.raises(SignatureRefused):
        audits.plan_report(
            actor=w.leader_a, plan=plan, conclusion="Phù hợp", signing=SigningSecrets()
        )
    plan.refresh_from_db()
    assert plan.reported_at is None and not OutgoingDocument.objects.exists()
    audits.plan_report(actor=w.leader_a, plan=plan, conclusion="Phù hợp", signing=BOTH)
    person_and_agency(w, SignedDocument.objects.get(subject_type="auditplan"))


def test_recording_the_review_minutes_signs_them(keys):
    w = keys
    review = review_meetings.review_create(
        actor=w.owner_a,
        title="Họp xem xét của lãnh đạo",
        chair=w.leader_a,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        participants="Lãnh đạo",
        meeting_on=dt.date(2026, 1, 6),
    )
    review_meetings.review_compile_inputs(actor=w.owner_a, review=review)
    review_meetings.review_hold(
        actor=w.leader_a, review=review, conclusions="Phù hợp, hiệu lực", signing=BOTH
    )
    record = SignedDocument.objects.get(subject_type="managementreview")
    assert record.register.kind == "BB"
    person_and_agency(w, record)


def test_submitting_the_annual_report_signs_it(keys):
    w = keys
    report = annual_reports.annual_report_generate(actor=w.owner_a, year=2025)
    with pytest.raises(SignatureRefused):
        annual_reports.annual_report_submit(
            actor=w.leader_a, report=report, signing=SigningSecrets("sai")
        )
    report.refresh_from_db()
    assert report.status == "draft" and not OutgoingDocument.objects.exists()
    annual_reports.annual_report_submit(actor=w.leader_a, report=report, signing=BOTH)
    person_and_agency(w, SignedDocument.objects.get(subject_type="annualreport"))


# --------------------------------------------------------------------------- immutability


def test_the_database_refuses_to_change_or_delete_a_signed_document(keys):
    w = keys
    _document, revision = under_review(w)
    docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH)
    record = SignedDocument.objects.get()
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        SignedDocument.objects.filter(pk=record.pk).update(content=b"%PDF-forged")
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        SignedDocument.objects.filter(pk=record.pk).delete()
    assert SignedDocument.objects.get().sha256 == record.sha256


# --------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    ("label", "password", "message"),
    [
        ("signer", "sai", "Mật khẩu của tệp chứng thư số (PKCS#12) không đúng"),
        ("expired", PKCS12_PASSWORD, "Chứng thư số đã hết hạn"),
        ("no-usage", PKCS12_PASSWORD, "không được cấp cho mục đích ký số"),
    ],
)
def test_an_unusable_pkcs12_is_refused_and_nothing_is_stored(
    in_a, signing_pki, label, password, message
):
    with pytest.raises(ValidationError, match=re.escape(message)):
        signing.credential_pkcs12_upload(
            actor=in_a.leader_a, data=signing_pki.pkcs12(label), password=password
        )
    assert not SigningCredential.objects.exists()


def test_a_file_that_is_not_pkcs12_or_an_image_that_is_not_png_is_refused(in_a, signing_pki):
    with pytest.raises(ValidationError, match="không phải tệp chứng thư số PKCS#12"):
        signing.credential_pkcs12_upload(actor=in_a.leader_a, data=b"not a pfx", password="x")
    with pytest.raises(ValidationError, match="PNG"):
        upload(signing_pki, in_a.leader_a, image=b"GIF89a....")
    assert not SigningCredential.objects.exists()


def test_the_file_is_stored_encrypted_and_a_replacement_deactivates_the_old_one(in_a, signing_pki):
    w = in_a
    first = upload(signing_pki, w.leader_a)
    raw = signing_pki.pkcs12("signer")
    assert raw not in bytes(first.pkcs12_encrypted) and PKCS12_PASSWORD.encode() not in bytes(
        first.pkcs12_encrypted
    )
    second = upload(signing_pki, w.leader_a)
    first.refresh_from_db()
    assert not first.is_active and bytes(first.pkcs12_encrypted) == b"" and second.is_active
    assert AuditEvent.objects.filter(action="credential_add").count() == 2


def test_only_leaders_and_the_administrator_keep_the_agency_certificate(in_a, signing_pki):
    with pytest.raises(PermissionDenied):
        upload(signing_pki, in_a.member_a, "agency", for_agency=True)
    assert upload(signing_pki, in_a.leader_a, "agency", for_agency=True).is_agency


def test_a_person_never_signs_with_someone_elses_credential(keys):
    w = keys
    w.owner_a.role = Role.AGENCY_LEADER  # may approve, has no credential of their own
    w.owner_a.save()
    _document, revision = under_review(w, code="QT.SIGN.02")
    AgencySettings.objects.update(signature_required=True)
    with pytest.raises(SignatureRefused, match="bắt buộc ký số"):
        docs.revision_approve(actor=w.owner_a, revision=revision, signing=BOTH)
    with pytest.raises(PermissionDenied):
        signing.credential_deactivate(actor=w.owner_a, credential=w.leader_key)
    w.leader_key.refresh_from_db()
    assert w.leader_key.is_active


# --------------------------------------------------------------------------- pages


def test_the_page_uploads_and_shows_the_librarys_message(world, client_for, signing_pki):
    page = client_for(world.agency_a, world.leader_a)
    assert "Chữ ký số của tôi" in page.get("/signatures/").content.decode()
    wrong = page.post(
        "/signatures/",
        {
            "kind": "pkcs12",
            "pkcs12-file": _file("a.p12", signing_pki.pkcs12("signer")),
            "pkcs12-password": "sai",
        },
    )
    assert wrong.status_code == 400
    assert "Mật khẩu của tệp chứng thư số (PKCS#12) không đúng" in wrong.content.decode()
    with schema_context(world.agency_a.schema_name):
        assert not SigningCredential.objects.exists()
    ok = page.post(
        "/signatures/",
        {
            "kind": "pkcs12",
            "pkcs12-file": _file("a.p12", signing_pki.pkcs12("signer")),
            "pkcs12-password": PKCS12_PASSWORD,
        },
    )
    assert ok.status_code == 302
    with schema_context(world.agency_a.schema_name):
        assert SigningCredential.objects.get().owner == world.leader_a


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/x-pkcs12")


def test_the_download_serves_the_signed_copy_and_others_get_404(world, client_for, signing_pki):
    with schema_context(world.agency_a.schema_name):
        w = world
        w.pki = signing_pki
        w.leader_key = upload(signing_pki, w.leader_a)
        w.agency_key = upload(signing_pki, w.owner_a, "agency", for_agency=True)
        document, revision = under_review(w)
        docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH)
        record = SignedDocument.objects.get()
    route = f"/documents/{document.pk}/revisions/{revision.pk}/decision.pdf"
    got = client_for(world.agency_a, world.member_a).get(route)
    assert got.status_code == 200 and got.content == bytes(record.content)
    assert got["X-Content-SHA256"] == record.sha256
    docx = client_for(world.agency_a, world.member_a).get(route.replace(".pdf", ".docx"))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"  # the editable form
    theirs = client_for(world.agency_b, world.user_b)
    assert theirs.get(route).status_code == 404
    assert theirs.post("/signatures/", {"deactivate": w.leader_key.pk}).status_code == 404
    assert world.leader_a.email not in theirs.get("/signatures/").content.decode()
    outsider = client_for(world.agency_a, world.user_b)
    assert b"%PDF" not in outsider.get(route).content[:10]
    # someone else of the same agency cannot deactivate the leader's credential either
    mine = client_for(world.agency_a, world.member_a)
    assert mine.post("/signatures/", {"deactivate": w.leader_key.pk}).status_code == 404


def test_pyhankos_validator_accepts_a_decision_signed_through_the_flow(keys, pki_hosts, tmp_path):
    w = keys
    trust_anchor_add(actor=w.province_admin, data=w.pki.pem("root"))
    SigningConfiguration.objects.update_or_create(pk=1, defaults={"timestamp_url": w.pki.tsa_url})
    _document, revision = under_review(w)
    docs.revision_approve(actor=w.leader_a, revision=revision, signing=BOTH)
    record = SignedDocument.objects.get()
    assert record.timestamped and record.long_term, record.unavailable
    (tmp_path / "signed.pdf").write_bytes(bytes(record.content))
    (tmp_path / "ca.pem").write_bytes(w.pki.pem("root"))
    cli = Path(sys.executable).parent / "pyhanko"
    result = subprocess.run(
        [str(cli), "sign", "validate", "--pretty-print", "--trust", "ca.pem", "--trust-replace"]
        + ["signed.pdf"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The signature is judged VALID." in result.stdout
