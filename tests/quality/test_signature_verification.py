"""Digital signatures of the PDFs eISO holds or receives: legal texts checked on upload,
any file checked again on request, any PDF checked on the verification page and the API;
every check in the agency's audit trail, in words a clerk understands."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.pki import PKCS12_PASSWORD
from iso_platform.official import render_pdf_layout
from iso_platform.signing import SignStep, pkcs12_signer, sign_pdf
from iso_platform.signing.models import TrustAnchor
from quality.core.models import AuditEvent
from quality.documents.models import FileVerification, RevisionFile, SignatureCheck
from quality.documents.services import documents as svc
from quality.documents.services import signatures
from quality.documents.services.files import revision_file_add
from tests.iso_platform.test_official import document as official_document

from .conftest import pdf_bytes, upload

SIGNER_SENTENCE = "Chữ ký hợp lệ — Phạm Minh Đức, Giám đốc, ký lúc "


# --------------------------------------------------------------------------- signed files


@pytest.fixture(scope="module")
def layout():
    return render_pdf_layout(official_document())


def signed(pki, layout, label="signer") -> bytes:
    """Signed by `label`; eISO's own signer refuses expired and revoked certificates, so
    those are signed by pyHanko's bare signer, as another system might have done."""
    if label in ("expired", "revoked"):
        signer = pki.simple_signer(label)
    else:
        signer = pkcs12_signer(pki.pkcs12(label), PKCS12_PASSWORD)
    return sign_pdf(layout.content, [SignStep(signer, "NguoiKy", layout.signature)]).content


def tampered(pdf: bytes) -> bytes:
    data = bytearray(pdf)
    data[data.index(b"ReportLab")] ^= 0x01  # inside the signed range: the hash differs
    return bytes(data)


def encrypted_pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes()))
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


DAMAGED = b"%PDF-1.4\n1 0 obj << /Type /Catalog"


def trust(pki, label="root") -> TrustAnchor:
    """Put a CA on the province trust list (public schema; rolled back with the test)."""
    cert = pki.cert(label)
    with schema_context("public"):
        return TrustAnchor.objects.create(
            der=cert.dump(),
            subject=cert.subject.human_friendly,
            fingerprint=cert.sha256.hex(),
            valid_from=cert["tbs_certificate"]["validity"]["not_before"].native,
            valid_to=cert["tbs_certificate"]["validity"]["not_after"].native,
        )


# --------------------------------------------------------------------------- documents


@pytest.fixture
def legal(flow):
    """An external document (a legal text), registered in force by the ISO secretary."""
    return svc.document_create(
        actor=flow.w.owner_a,
        doc_type="external",
        code="VB.ND30",
        title="Nghị định về công tác văn thư",
        legal={"legal_number": "30/2020/NĐ-CP", "issuer": "Chính phủ"},
    )


def add_file(flow, document, data, name="nghi-dinh.pdf", capture=None) -> RevisionFile:
    revision = document.current_revision or document.latest_revision
    with capture(execute=True):  # the verification task, eager, after the commit
        return revision_file_add(actor=flow.w.owner_a, revision=revision, upload=upload(name, data))


def verification(record) -> FileVerification:
    return FileVerification.objects.get(file=record)


def audit_rows(record):
    return list(
        AuditEvent.objects.filter(
            action="signature_verify", subject_type="revisionfile", subject_id=str(record.pk)
        ).order_by("pk")
    )


# --------------------------------------------------------------------------- on upload


def test_a_signed_legal_text_is_verified_on_upload_and_shown_on_its_page(
    flow, legal, signing_pki, pki_hosts, layout, client_for, django_capture_on_commit_callbacks
):
    anchor = trust(signing_pki)
    record = add_file(
        flow, legal, signed(signing_pki, layout), capture=django_capture_on_commit_callbacks
    )
    check = verification(record)
    assert check.status == SignatureCheck.VALID
    assert check.message.startswith(SIGNER_SENTENCE)
    assert check.trust_fingerprints == [anchor.fingerprint]
    assert check.checked_at is not None and not check.revocation_unreachable
    (one,) = check.signatures
    assert one["signer_organisation"] and one["trusted"] and one["revocation"] == "checked"
    (row,) = audit_rows(record)
    assert row.changes["trigger"] == "upload" and row.changes["status"] == "valid"
    assert row.changes["signers"] == ["Phạm Minh Đức"]
    assert row.parent_id == str(legal.pk)  # in the document's own trail

    page = client_for(flow.w.agency_a, flow.w.member_a).get(f"/documents/{legal.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert SIGNER_SENTENCE in html and "Chữ ký số hợp lệ" in html
    assert "Chi tiết chữ ký số" in html and "đã kiểm tra" in html
    assert "Kiểm tra lại" in html


@pytest.mark.parametrize(
    "label,status,message",
    [
        ("expired", "expired", "Chứng thư số đã hết hạn khi ký"),
        ("revoked", "revoked", "Chứng thư số đã bị thu hồi"),
        ("stranger", "untrusted", "Chứng thư số không do tổ chức được tin cậy cấp"),
    ],
)
def test_a_bad_certificate_is_said_in_one_sentence(
    flow,
    legal,
    signing_pki,
    pki_hosts,
    layout,
    client_for,
    django_capture_on_commit_callbacks,
    label,
    status,
    message,
):
    trust(signing_pki)
    record = add_file(
        flow, legal, signed(signing_pki, layout, label), capture=django_capture_on_commit_callbacks
    )
    check = verification(record)
    assert (check.status, check.message) == (status, message)
    page = client_for(flow.w.agency_a, flow.w.member_a).get(f"/documents/{legal.pk}/")
    assert message in page.content.decode()
    assert "Chữ ký số không hợp lệ" in page.content.decode()  # the badge


def test_a_tampered_legal_text_says_it_was_changed_after_signing(
    flow, legal, signing_pki, pki_hosts, layout, client_for, django_capture_on_commit_callbacks
):
    trust(signing_pki)
    record = add_file(
        flow,
        legal,
        tampered(signed(signing_pki, layout)),
        capture=django_capture_on_commit_callbacks,
    )
    check = verification(record)
    assert check.status == SignatureCheck.MODIFIED
    assert check.message == "Tài liệu đã bị thay đổi sau khi ký"
    page = client_for(flow.w.agency_a, flow.w.member_a).get(f"/documents/{legal.pk}/")
    assert "Tài liệu đã bị thay đổi sau khi ký" in page.content.decode()


def test_an_unsigned_legal_text_is_said_so_and_is_no_error(
    flow, legal, django_capture_on_commit_callbacks
):
    record = add_file(flow, legal, pdf_bytes(), capture=django_capture_on_commit_callbacks)
    check = verification(record)
    assert (check.status, check.message) == ("unsigned", "Tài liệu không có chữ ký số")
    assert check.signatures == [] and check.refusal == {}


@pytest.mark.parametrize(
    "case,code,words",
    [
        ("damaged", "damaged", "Không đọc được tệp"),
        ("encrypted", "encrypted", "đặt mật khẩu"),
        ("too-big", "too_big", "vượt giới hạn 1 MB"),
    ],
)
def test_a_file_that_cannot_be_checked_says_why(
    flow, legal, settings, django_capture_on_commit_callbacks, client_for, case, code, words
):
    settings.SIGNING_VERIFY_MAX_MB = 1
    data = {
        "damaged": DAMAGED,
        "encrypted": encrypted_pdf(),
        "too-big": pdf_bytes() + b"%" * (1024 * 1024 + 10),
    }[case]
    record = add_file(flow, legal, data, capture=django_capture_on_commit_callbacks)
    check = verification(record)
    assert check.status == SignatureCheck.REFUSED and check.refusal["code"] == code
    assert words in check.message
    page = client_for(flow.w.agency_a, flow.w.member_a).get(f"/documents/{legal.pk}/")
    assert page.status_code == 200 and words in page.content.decode()
    assert audit_rows(record)[0].changes["status"] == "refused"


def test_the_page_shows_the_check_under_way_until_the_worker_answers(flow, legal, client_for):
    # No commit callbacks run here: the task waits in the outbox, as with a busy worker.
    record = revision_file_add(
        actor=flow.w.owner_a, revision=legal.current_revision, upload=upload("a.pdf", pdf_bytes())
    )
    assert verification(record).status == SignatureCheck.PENDING
    client = client_for(flow.w.agency_a, flow.w.member_a)
    html = client.get(f"/documents/{legal.pk}/").content.decode()
    assert "Đang kiểm tra chữ ký số…" in html
    assert f'hx-get="/documents/{legal.pk}/files/{record.pk}/signatures/"' in html
    part = client.get(f"/documents/{legal.pk}/files/{record.pk}/signatures/")
    assert part.status_code == 200 and "Đang kiểm tra chữ ký số…" in part.content.decode()
    assert "Kiểm tra lại" not in part.content.decode()
    # A check killed with its worker stays pending: past the task's limit it may be retried.
    FileVerification.objects.filter(file=record).update(
        requested_at=timezone.now() - dt.timedelta(hours=1)
    )
    part = client.get(f"/documents/{legal.pk}/files/{record.pk}/signatures/")
    assert "Kiểm tra lại" in part.content.decode()


def test_files_of_internal_documents_are_checked_only_on_request(
    flow, client_for, django_capture_on_commit_callbacks
):
    draft = flow.draft()
    record = add_file(flow, draft, pdf_bytes(), capture=django_capture_on_commit_callbacks)
    assert not FileVerification.objects.filter(file=record).exists()
    client = client_for(flow.w.agency_a, flow.w.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/documents/{draft.pk}/files/{record.pk}/verify/")
    assert answer.status_code == 302
    assert verification(record).status == SignatureCheck.UNSIGNED
    assert audit_rows(record)[0].changes["trigger"] == "request"


def test_a_recheck_after_the_province_trusts_the_root_turns_untrusted_into_valid(
    flow, legal, signing_pki, pki_hosts, layout, client_for, django_capture_on_commit_callbacks
):
    record = add_file(
        flow, legal, signed(signing_pki, layout), capture=django_capture_on_commit_callbacks
    )
    assert verification(record).status == SignatureCheck.UNTRUSTED
    assert verification(record).trust_fingerprints == []
    anchor = trust(signing_pki)
    client = client_for(flow.w.agency_a, flow.w.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/documents/{legal.pk}/files/{record.pk}/verify/")
    check = verification(record)
    assert check.status == SignatureCheck.VALID and check.message.startswith(SIGNER_SENTENCE)
    assert check.trust_fingerprints == [anchor.fingerprint] and check.attempt == 2
    assert [r.changes["status"] for r in audit_rows(record)] == ["untrusted", "valid"]


def test_an_older_run_never_overwrites_a_newer_request(
    flow, legal, django_capture_on_commit_callbacks
):
    record = add_file(flow, legal, pdf_bytes(), capture=django_capture_on_commit_callbacks)
    first = verification(record)
    signatures.file_verification_request(actor=flow.w.owner_a, record=record)  # attempt 2
    assert (
        signatures.file_verification_run(
            verification_id=first.pk, attempt=first.attempt, trigger="upload"
        )
        is None
    )
    assert verification(record).status == SignatureCheck.PENDING


def test_only_pdf_files_are_checked(flow, client_for, django_capture_on_commit_callbacks):
    from .conftest import PNG

    draft = flow.draft()
    record = add_file(
        flow, draft, PNG, name="so-do.png", capture=django_capture_on_commit_callbacks
    )
    client = client_for(flow.w.agency_a, flow.w.member_a)
    answer = client.post(f"/documents/{draft.pk}/files/{record.pk}/verify/", follow=True)
    assert "Chỉ kiểm tra được chữ ký số của tệp PDF." in answer.content.decode()
    assert not FileVerification.objects.exists()


def test_another_agency_can_neither_trigger_nor_see_a_verification(
    flow, legal, client_for, django_capture_on_commit_callbacks
):
    record = add_file(flow, legal, pdf_bytes(), capture=django_capture_on_commit_callbacks)
    other = flow.draft(code="QT.ISO.98")
    before = verification(record).attempt
    # A's own file under another of A's documents is not found either.
    insider = client_for(flow.w.agency_a, flow.w.member_a)
    assert insider.get(f"/documents/{other.pk}/files/{record.pk}/signatures/").status_code == 404
    assert insider.post(f"/documents/{other.pk}/files/{record.pk}/verify/").status_code == 404
    outsider = client_for(flow.w.agency_b, flow.w.user_b)
    assert outsider.post(f"/documents/{legal.pk}/files/{record.pk}/verify/").status_code == 404
    assert outsider.get(f"/documents/{legal.pk}/files/{record.pk}/signatures/").status_code == 404
    with schema_context(flow.w.agency_a.schema_name):
        assert verification(record).attempt == before


def test_the_read_only_role_sees_the_verdict_but_may_not_replace_it(
    flow, legal, client_for, django_capture_on_commit_callbacks
):
    """Checking a stored file again replaces the verdict everyone sees: a write."""
    record = add_file(flow, legal, pdf_bytes(), capture=django_capture_on_commit_callbacks)
    before = verification(record)
    reader = client_for(flow.w.agency_a, flow.w.reader_a)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        answer = reader.post(f"/documents/{legal.pk}/files/{record.pk}/verify/")
    assert answer.status_code == 403 and not queued
    assert verification(record).attempt == before.attempt
    assert len(audit_rows(record)) == 1  # the upload's check only
    page = reader.get(f"/documents/{legal.pk}/").content.decode()
    assert "Tài liệu không có chữ ký số" in page and "/verify/" not in page
    polled = reader.get(f"/documents/{legal.pk}/files/{record.pk}/signatures/").content.decode()
    assert "Kiểm tra lại" not in polled
    writer = client_for(flow.w.agency_a, flow.w.member_a)
    assert "Kiểm tra lại" in writer.get(f"/documents/{legal.pk}/").content.decode()


def test_the_read_only_role_may_check_a_pdf_it_brings(flow, client_for):
    """A read: the answer goes to the asker; only the audit row says who checked what."""
    from django.db import connection

    def counters() -> dict:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT schemaname || '.' || relname, n_tup_ins + n_tup_upd + n_tup_del"
                " FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
            )
            return dict(cur.fetchall())

    reader = client_for(flow.w.agency_a, flow.w.reader_a)
    before = counters()
    page = reader.post("/documents/signatures/", {"file": upload("a.pdf", pdf_bytes())})
    api = reader.post("/api/v1/signatures/verify/", {"file": upload("b.pdf", pdf_bytes())})
    assert page.status_code == 200 and "Tài liệu không có chữ ký số" in page.content.decode()
    assert api.status_code == 200 and api.json()["status"] == "unsigned"
    after = counters()
    changed = {t for t, n in after.items() if n != before.get(t, 0)}
    schema = flow.w.agency_a.schema_name
    assert changed <= {f"{schema}.quality_core_auditevent", "public.django_session"}, changed
    rows = AuditEvent.objects.filter(action="signature_verify", actor_id=flow.w.reader_a.pk)
    assert sorted(rows.values_list("subject_label", flat=True)) == ["a.pdf", "b.pdf"]


# --------------------------------------------------------------------------- the page


def test_the_page_checks_a_pdf_without_keeping_it(
    flow, signing_pki, pki_hosts, layout, client_for, settings
):
    trust(signing_pki)
    client = client_for(flow.w.agency_a, flow.w.member_a)
    assert "Kiểm tra chữ ký số" in client.get("/documents/signatures/").content.decode()
    answer = client.post(
        "/documents/signatures/", {"file": upload("cong-van.pdf", signed(signing_pki, layout))}
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and SIGNER_SENTENCE in html and "Chi tiết chữ ký số" in html
    assert not RevisionFile.objects.exists() and not FileVerification.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(media.rglob("*.pdf"))  # nothing written
    row = AuditEvent.objects.filter(action="signature_verify").latest("pk")
    assert row.subject_type == "signature_check" and row.subject_label == "cong-van.pdf"
    assert row.changes["trigger"] == "page" and row.changes["status"] == "valid"
    assert row.actor_id == flow.w.member_a.pk


@pytest.mark.parametrize(
    "data,words",
    [
        (DAMAGED, "Không đọc được tệp"),
        (b"", "Tập tin được gửi là rỗng"),
        ("encrypted", "đặt mật khẩu"),
        ("big", "vượt giới hạn 1 MB"),
    ],
    ids=["damaged", "empty", "encrypted", "too-big"],
)
def test_the_page_answers_a_bad_file_with_a_message(flow, client_for, settings, data, words):
    settings.SIGNING_VERIFY_MAX_MB = 1
    data = {"encrypted": encrypted_pdf(), "big": b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)}.get(
        data, data
    )
    client = client_for(flow.w.agency_a, flow.w.member_a)
    answer = client.post("/documents/signatures/", {"file": upload("x.pdf", data)})
    assert answer.status_code == 400
    assert words in answer.content.decode()


# --------------------------------------------------------------------------- the API


def test_the_api_answers_the_report_as_json(flow, signing_pki, pki_hosts, layout, client_for):
    trust(signing_pki)
    client = client_for(flow.w.agency_a, flow.w.member_a)
    answer = client.post(
        "/api/v1/signatures/verify/", {"file": upload("a.pdf", signed(signing_pki, layout))}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body) == {"status", "message", "revocation_unreachable", "signatures"}
    assert body["status"] == "valid" and body["message"].startswith(SIGNER_SENTENCE)
    (one,) = body["signatures"]
    assert one["signer_name"] == "Phạm Minh Đức" and one["trusted"] is True
    assert one["revocation"] == "checked" and one["signing_time"].endswith("+07:00")
    tampered_answer = client.post(
        "/api/v1/signatures/verify/",
        {"file": upload("b.pdf", tampered(signed(signing_pki, layout)))},
    )
    assert tampered_answer.json()["status"] == "modified"
    unsigned = client.post("/api/v1/signatures/verify/", {"file": upload("c.pdf", pdf_bytes())})
    assert unsigned.json() == {
        "status": "unsigned",
        "message": "Tài liệu không có chữ ký số",
        "revocation_unreachable": False,
        "signatures": [],
    }
    triggers = AuditEvent.objects.filter(action="signature_verify").values_list(
        "changes__trigger", flat=True
    )
    assert list(triggers) == ["api", "api", "api"]


def test_the_api_refuses_a_bad_file_and_strangers(flow, client_for):
    client = client_for(flow.w.agency_a, flow.w.member_a)
    bad = client.post("/api/v1/signatures/verify/", {"file": upload("x.pdf", DAMAGED)})
    assert bad.status_code == 400
    assert "Không đọc được tệp" in bad.json()["file"][0]
    assert client.post("/api/v1/signatures/verify/", {}).status_code == 400
    anonymous = client_for(flow.w.agency_a)
    answer = anonymous.post("/api/v1/signatures/verify/", {"file": upload("x.pdf", DAMAGED)})
    assert answer.status_code in (401, 403)


def test_the_api_is_throttled_per_person(flow, client_for, settings):
    from django.core.cache import cache

    settings.SIGNING_VERIFY_RATE = "2/m"
    cache.delete_many(
        [f"throttle_signature_verify_{flow.w.agency_a.schema_name}:{flow.w.member_a.pk}"]
    )
    client = client_for(flow.w.agency_a, flow.w.member_a)
    codes = [
        client.post("/api/v1/signatures/verify/", {"file": upload("a.pdf", pdf_bytes())})
        for _ in range(3)
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert "Quá nhiều yêu cầu kiểm tra chữ ký số" in codes[2].json()["detail"]
    cache.delete_many(
        [f"throttle_signature_verify_{flow.w.agency_a.schema_name}:{flow.w.member_a.pk}"]
    )


# --------------------------------------------------------------------------- in the browser


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{db['NAME']}?host={db['HOST']}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _worker(log_path, signing_pki):
    """A real Celery worker on the test database: the check runs there, as in production."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from eiso.testing.workers import purge_queued_tasks

    purge_queued_tasks()  # what earlier tests queued without a worker is not ours
    environment = dict(
        os.environ,
        DEBUG="true",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        OUTBOUND_ALLOWED_HOSTS=signing_pki.host_entry,
        AGENCY_POOL_SIZE="0",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "eiso", "worker", "-l", "INFO", "--pool", "solo"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole
    )


@pytest.mark.slow
def test_a_clerk_uploads_a_signed_legal_text_then_a_tampered_copy(
    committed, signing_pki, layout, tmp_path
):
    from eiso.testing.browser import chromium, live_server
    from eiso.testing.workers import stop_process_group
    from eiso.testing.world import PASSWORD
    from quality.documents.models import Document

    w = committed
    good = signed(signing_pki, layout)
    (tmp_path / "nghi-dinh-30.pdf").write_bytes(good)
    (tmp_path / "ban-sao-bi-sua.pdf").write_bytes(tampered(good))
    anchor = trust(signing_pki)
    with schema_context(w.agency_a.schema_name):
        legal = svc.document_create(
            actor=w.owner_a,
            doc_type="external",
            code="VB.ND30.WEB",
            title="Nghị định về công tác văn thư",
            legal={"legal_number": "30/2020/NĐ-CP", "issuer": "Chính phủ"},
        )
    worker = _worker(tmp_path / "worker.log", signing_pki)
    try:
        with live_server() as port, chromium() as browser:
            page = browser.new_page()
            base = f"http://{w.agency_a.host}:{port}"
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", w.owner_a.email)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.locator("main button[type=submit]").click()
            for name, sentence in (
                ("nghi-dinh-30.pdf", "Chữ ký hợp lệ — Phạm Minh Đức, Giám đốc, ký lúc"),
                ("ban-sao-bi-sua.pdf", "Tài liệu đã bị thay đổi sau khi ký"),
            ):
                page.goto(f"{base}/documents/{legal.pk}/")
                page.set_input_files("input[type=file][name=file]", str(tmp_path / name))
                with page.expect_navigation():
                    page.get_by_role("button", name="Tải lên").click()
                item = page.locator("li[id^=file-]", has_text=name)
                # "Đang kiểm tra chữ ký số…" until the worker answers; the page asks again.
                item.locator(".signature-sentence").wait_for(timeout=60_000)
                assert sentence in item.inner_text(), (item.inner_text(), _tail(tmp_path))
    finally:
        stop_process_group(worker)
        with schema_context("public"):
            TrustAnchor.objects.filter(pk=anchor.pk).delete()
        with schema_context(w.agency_a.schema_name):
            for record in RevisionFile.objects.filter(revision__document_id=legal.pk):
                record.file.storage.delete(record.file.name)
                record.delete()
            Document.objects.filter(pk=legal.pk).update(current_revision=None, latest_revision=None)
            legal.revisions.all().delete()
            Document.objects.filter(pk=legal.pk).delete()


def _tail(tmp_path) -> str:
    return "\n".join((tmp_path / "worker.log").read_text(errors="replace").splitlines()[-20:])
