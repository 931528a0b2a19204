"""Packages that reach an agency: a signed legal text becomes an external document with its
signature status, once however often it arrives; a newer text marks the one it replaces;
everything refused is logged with its reason, leaves nothing behind and alerts the clerks;
another agency sees none of it and cannot post as this agency."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from eiso.celery import app as celery_app
from eiso.testing.pki import PKCS12_PASSWORD
from integrations.exchange import edxml, simulator
from integrations.exchange.models import ExchangeMessage, LogStatus
from integrations.services.keys import api_key_create, sign
from iso_platform.signing import pkcs12_signer
from iso_platform.signing.models import TrustAnchor
from iso_platform.signing.services import trust_anchor_add, trust_anchor_set_active
from quality.core.models import Notification
from quality.documents.models import Document, FileVerification, LegalStatus, RevisionFile
from tenants.models import Agency

A_ID, B_ID = "000.00.31.H01", "000.00.32.H01"
PATH = "/api/v1/integrations/exchange/messages"
SUBJECT = "Về việc ban hành Quy định quản lý khoa học và công nghệ"


@pytest.fixture(scope="module")
def texts(signing_pki):
    """Packages signed once for the module: a legal text, the text replacing it, the same
    text signed by a stranger (untrusted CA), and one addressed to agency B."""
    trusted = pkcs12_signer(signing_pki.pkcs12("signer"), PKCS12_PASSWORD)
    stranger = pkcs12_signer(signing_pki.pkcs12("stranger"), PKCS12_PASSWORD)
    on = dt.date(2026, 3, 2)

    def make(signer, sequence, to=A_ID, replaces=None):
        return simulator.legal_text_package(
            signer=signer,
            recipient=edxml.Party(to, "Sở"),
            sequence=sequence,
            on=on,
            subject=SUBJECT,
            replaces=replaces,
        )

    first = make(trusted, 12)
    return {
        "first": first,
        "replacement": make(trusted, 20, replaces=[first.document_id]),
        "stranger": make(stranger, 13),
        "for_b": make(trusted, 14, to=B_ID),
    }


@pytest.fixture
def exchange(world, settings, tmp_path, signing_pki, pki_hosts):
    settings.MEDIA_ROOT = tmp_path / "media"
    Agency.objects.filter(pk=world.agency_a.pk).update(identifier=A_ID)
    Agency.objects.filter(pk=world.agency_b.pk).update(identifier=B_ID)
    trust_anchor_add(actor=world.province_admin, data=signing_pki.pem("root"))
    with schema_context(world.agency_a.schema_name):
        key, secret = api_key_create(actor=world.owner_a, name="Nền tảng tích hợp tỉnh")
    return world, key, secret


def post(body: bytes, key, secret, host="alpha.localhost"):
    stamp = int(time.time())
    return Client(HTTP_HOST=host).post(
        PATH,
        data=body,
        content_type="application/xml",
        HTTP_X_EISO_KEY=key.key_id,
        HTTP_X_EISO_TIMESTAMP=str(stamp),
        HTTP_X_EISO_SIGNATURE=sign(secret, stamp, body, method="POST", path=PATH),
    )


def in_a(world):
    return schema_context(world.agency_a.schema_name)


def test_a_signed_legal_text_becomes_an_external_document_with_its_signature(
    exchange, texts, client_for
):
    world, key, secret = exchange
    response = post(edxml.write_package(texts["first"]), key, secret)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "imported" and response.json()["signature"] == "valid"
    with in_a(world):
        document = Document.objects.get(pk=response.json()["document_id"])
        assert document.is_external and document.legal_number == "12/2026/QĐ-UBND"
        assert document.issuer == "Ủy ban nhân dân tỉnh An Giang"
        assert document.signed_on == dt.date(2026, 3, 2)
        assert document.legal_status == LegalStatus.IN_FORCE and document.title == SUBJECT
        (stored,) = RevisionFile.objects.filter(revision__document=document)
        assert stored.name == "qd-12-2026.pdf" and stored.content_type == "application/pdf"
        log = ExchangeMessage.objects.get(pk=response.json()["log_id"])
        assert log.document == document and log.sender_code == "000.00.00.H01"
        # one verdict: the stored file's, made on receipt, read by the log line
        assert log.file == stored and log.verification == {}
        assert stored.verification.status == "valid" and stored.verification.attempt == 1
        assert stored.verification.signatures[0]["signer_name"] == "Phạm Minh Đức"
        assert log.package_file.read().startswith(b"<?xml")
        assert Notification.objects.filter(key=f"exchange:{log.pk}").exists()
    shown = client_for(world.agency_a, world.owner_a).get(f"/integrations/exchange/{log.pk}/")
    shown = shown.content.decode()
    assert "Chữ ký hợp lệ — Phạm Minh Đức" in shown and document.code in shown


def test_the_same_package_twice_is_one_document(exchange, texts):
    world, key, secret = exchange
    body = edxml.write_package(texts["first"])
    first = post(body, key, secret)
    again = post(body, key, secret)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert again.json()["document_id"] == first.json()["document_id"]
    with in_a(world):
        assert Document.objects.filter(legal_number="12/2026/QĐ-UBND").count() == 1


def test_a_newer_text_marks_the_one_it_replaces(exchange, texts):
    world, key, secret = exchange
    old = post(edxml.write_package(texts["first"]), key, secret).json()["document_id"]
    new = post(edxml.write_package(texts["replacement"]), key, secret)
    assert new.status_code == 201
    with in_a(world):
        replaced = Document.objects.get(pk=old)
        assert replaced.legal_status == LegalStatus.REPLACED
        assert replaced.replaced_by_id == new.json()["document_id"]
    assert "12/2026/QĐ-UBND" in new.json()["reason"]


def assert_refused(world, response, words: str):
    assert response.status_code == 422, response.content
    assert response.json()["status"] == "refused" and words in response.json()["reason"]
    # the integration API's key for why, as every refusal of an integration endpoint says it
    assert response.json()["error"] == response.json()["reason"]
    with in_a(world):
        assert not Document.objects.filter(doc_type="external").exists()
        log = ExchangeMessage.objects.get(pk=response.json()["log_id"])
        assert log.status == LogStatus.REFUSED and words in log.reason
        assert Notification.objects.filter(key=f"exchange:{log.pk}").exists()
        return log


def test_a_package_for_another_agency_is_refused(exchange, texts):
    world, key, secret = exchange
    response = post(edxml.write_package(texts["for_b"]), key, secret)
    assert_refused(world, response, f"gửi cho cơ quan khác ({B_ID})")


def test_an_unknown_recipient_code_is_refused(exchange, texts):
    world, key, secret = exchange
    stray = texts["first"]
    body = edxml.write_package(stray).replace(A_ID.encode(), b"000.00.99.H99")
    response = post(body, key, secret)
    assert_refused(world, response, "không thuộc cơ quan nào")


def test_a_signature_that_does_not_verify_is_refused_and_recorded(exchange, texts):
    world, key, secret = exchange
    response = post(edxml.write_package(texts["stranger"]), key, secret)
    log = assert_refused(world, response, "Chữ ký số của tệp")
    assert "Chứng thư số không do tổ chức được tin cậy cấp" in log.reason
    # no file was stored: the line keeps the verdict that refused it, worded like a file's
    assert log.file is None and log.verification["status"] == "untrusted"
    assert log.verification["signatures"][0]["status"] == "untrusted"
    assert log.verification["file"] == "qd-13-2026.pdf"


def test_a_pdf_without_signature_is_refused(exchange, texts):
    world, key, secret = exchange
    unsigned = edxml.Attachment("qd.pdf", "application/pdf", b"%PDF-1.4\n%%EOF")
    package = texts["first"]
    body = edxml.write_package(
        edxml.Package(**{**package.__dict__, "attachments": [unsigned], "document_id": ""})
    )
    assert_refused(world, post(body, key, secret), "qd.pdf")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<edXML>&b;</edXML>",
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file:///etc/passwd">]>'
            b"<edXML>&s;</edXML>",
            "DOCTYPE",
        ),
        (b"<edXML><broken>", "không phải XML hợp lệ"),
        (b"<a>" * 40 + b"</a>" * 40, "lồng nhau quá"),
    ],
)
def test_hostile_xml_is_refused_with_a_reason(exchange, body, words):
    world, key, secret = exchange
    assert_refused(world, post(body, key, secret), words)


def test_an_oversized_package_is_refused(exchange, texts, settings):
    world, key, secret = exchange
    settings.EXCHANGE_PACKAGE_MAX_MB = 1
    body = edxml.write_package(texts["first"]).replace(
        b"</edXML:Content>", b" " * (1024 * 1024) + b"</edXML:Content>"
    )
    assert_refused(world, post(body, key, secret), "vượt giới hạn")


def test_nothing_is_half_imported_when_an_attachment_cannot_be_stored(exchange, texts, settings):
    world, key, secret = exchange
    package = texts["first"]
    bad = edxml.Attachment("chay-thu.exe", "application/octet-stream", b"MZ\x90\x00")
    body = edxml.write_package(
        edxml.Package(**{**package.__dict__, "attachments": [*package.attachments, bad]})
    )
    log = assert_refused(world, post(body, key, secret), "Không lưu được văn bản")
    with in_a(world):
        assert not RevisionFile.objects.exists()
    stored = list((settings.MEDIA_ROOT / "ag_alpha" / "documents").rglob("*.pdf"))
    assert stored == [], "the PDF written before the refusal must be removed"
    assert log.document is None


def test_the_clerk_uploads_a_package_on_the_page(exchange, texts, client_for):
    world, _key, _secret = exchange
    page = client_for(world.agency_a, world.owner_a)
    upload = SimpleUploadedFile("goi-tin.xml", edxml.write_package(texts["first"]))
    response = page.post("/integrations/exchange/", {"package": upload})
    assert response.status_code == 302
    with in_a(world):
        log = ExchangeMessage.objects.get()
        assert log.status == LogStatus.IMPORTED and log.actor == world.owner_a
        assert log.channel == "upload" and log.document.legal_number == "12/2026/QĐ-UBND"


def test_another_agency_cannot_see_the_log_or_post_as_this_agency(exchange, texts, client_for):
    world, key, secret = exchange
    assert post(edxml.write_package(texts["first"]), key, secret).status_code == 201
    with schema_context(world.agency_b.schema_name):
        key_b, secret_b = api_key_create(actor=world.user_b, name="Hệ thống của B")
    # B's key on A's host: not a key of A.
    assert post(edxml.write_package(texts["first"]), key_b, secret_b).status_code == 401
    # A's key on B's host: not a key of B either.
    assert (
        post(edxml.write_package(texts["for_b"]), key, secret, host="beta.localhost").status_code
        == 401
    )
    # B's person on A's host: B's session means nothing there (sign-in page).
    stranger = client_for(world.agency_a)
    with schema_context(world.agency_b.schema_name):
        stranger.force_login(world.user_b)
    assert stranger.get("/integrations/exchange/").status_code in (302, 403)
    page = client_for(world.agency_b, world.user_b).get("/integrations/exchange/")
    assert page.status_code == 200 and "12/2026/QĐ-UBND" not in page.content.decode()
    with schema_context(world.agency_b.schema_name):
        assert not ExchangeMessage.objects.exists()


# --------------------------------------------------------------------------- one verdict


@pytest.fixture
def eager():
    """The re-check's Celery task runs in the test, after the commit."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def verdict_on_pages(world, client, log_id, document_id, file_id) -> tuple[str, str]:
    """The verdict block of the log line's page and of the file on the document's page."""
    log_page = client.get(f"/integrations/exchange/{log_id}/").content.decode()
    doc_page = client.get(f"/documents/{document_id}/").content.decode()
    marker = f'id="signatures-{file_id}"'
    assert marker in log_page and marker in doc_page

    def block(page):
        start = page.index(marker)
        return page[start : page.index("</div>", page.index("signature-sentence", start))]

    return block(log_page), block(doc_page)


def test_the_log_and_the_document_show_one_verdict(exchange, texts, client_for):
    world, key, secret = exchange
    answer = post(edxml.write_package(texts["first"]), key, secret).json()
    assert answer["signature"] == "valid"
    with in_a(world):
        log = ExchangeMessage.objects.get(pk=answer["log_id"])
        assert FileVerification.objects.filter(file__revision__document=log.document).count() == 1
        assert log.file_verification == FileVerification.objects.get(file=log.file)
        file_id = log.file_id
    client = client_for(world.agency_a, world.owner_a)
    on_log, on_document = verdict_on_pages(world, client, log.pk, answer["document_id"], file_id)
    assert on_log == on_document
    assert "Chữ ký hợp lệ — Phạm Minh Đức" in on_log
    log_page = client.get(f"/integrations/exchange/{log.pk}/").content.decode()
    recheck = f'action="/documents/{answer["document_id"]}/files/{file_id}/verify/"'
    assert recheck in log_page and "Kiểm tra lại" in log_page
    listing = client.get("/integrations/exchange/").content.decode()
    assert "Chữ ký số hợp lệ" in listing


def test_a_recheck_after_the_province_trusts_a_new_ca_updates_both_views(
    exchange, texts, signing_pki, client_for, eager, django_capture_on_commit_callbacks
):
    world, key, secret = exchange
    answer = post(edxml.write_package(texts["first"]), key, secret).json()
    with in_a(world):
        file_id = ExchangeMessage.objects.get(pk=answer["log_id"]).file_id
    client = client_for(world.agency_a, world.owner_a)
    recheck = f"/documents/{answer['document_id']}/files/{file_id}/verify/"
    # The province withdraws the root it trusted: the text, checked again, is untrusted.
    with schema_context("public"):
        root = TrustAnchor.objects.get(fingerprint=signing_pki.cert("root").sha256.hex())
    trust_anchor_set_active(actor=world.province_admin, anchor=root, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(recheck).status_code == 302
    on_log, on_document = verdict_on_pages(
        world, client, answer["log_id"], answer["document_id"], file_id
    )
    assert on_log == on_document and "không do tổ chức được tin cậy cấp" in on_log
    # Then it trusts a new CA (the issuing intermediate): checked again, valid on both pages.
    trust_anchor_add(actor=world.province_admin, data=signing_pki.pem("interm"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(recheck)
    on_log, on_document = verdict_on_pages(
        world, client, answer["log_id"], answer["document_id"], file_id
    )
    assert on_log == on_document and "Chữ ký hợp lệ — Phạm Minh Đức" in on_log
    with in_a(world):
        check = FileVerification.objects.get(file_id=file_id)
        assert check.attempt == 3 and check.status == "valid"
        assert check.trust_fingerprints == [signing_pki.cert("interm").sha256.hex()]
    assert post(edxml.write_package(texts["first"]), key, secret).json()["signature"] == "valid"


def test_a_refused_package_shows_its_reason_and_the_verdict_that_refused_it(
    exchange, texts, client_for
):
    world, key, secret = exchange
    answer = post(edxml.write_package(texts["stranger"]), key, secret).json()
    assert answer["signature"] == "untrusted"
    client = client_for(world.agency_a, world.owner_a)
    page = client.get(f"/integrations/exchange/{answer['log_id']}/").content.decode()
    assert answer["reason"] in page and "Kiểm tra chữ ký số khi nhận" in page
    assert 'data-signature-status="untrusted"' in page
    assert "Chứng thư số không do tổ chức được tin cậy cấp" in page and "Kiểm tra lại" not in page
    listing = client.get("/integrations/exchange/").content.decode()
    assert "Chữ ký số không hợp lệ" in listing and "Bị từ chối" in listing


def test_a_package_of_an_unknown_kind_is_imported_with_its_kind_as_received(
    exchange, texts, client_for
):
    world, key, secret = exchange
    package = edxml.Package(
        **{**texts["first"].__dict__, "type_code": "97", "type_name": "Công điện"}
    )
    answer = post(edxml.write_package(package), key, secret)
    assert answer.status_code == 201 and answer.json()["status"] == "imported"
    with in_a(world):
        log = ExchangeMessage.objects.get(pk=answer.json()["log_id"])
        assert (log.type_code, log.type_name) == ("97", "Công điện")
        assert not log.document_type.known
    page = client_for(world.agency_a, world.owner_a).get(f"/integrations/exchange/{log.pk}/")
    shown = page.content.decode()
    assert "Công điện" in shown and "mã “97”" in shown and "chưa có trong bảng đối chiếu" in shown


def test_a_known_kind_is_shown_with_its_abbreviation(exchange, texts, client_for):
    world, key, secret = exchange
    answer = post(edxml.write_package(texts["first"]), key, secret).json()
    page = client_for(world.agency_a, world.owner_a).get(
        f"/integrations/exchange/{answer['log_id']}/"
    )
    assert "Quyết định (QĐ)" in page.content.decode()


def test_the_migration_carries_old_log_summaries_over(exchange, texts):
    """Log lines written before the verdict moved to the file: an imported package's summary
    becomes its file's verification, a refused one's is kept in the new shape."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("integrations.exchange.migrations.0002_verdict_on_the_file")
    world, key, secret = exchange
    imported = post(edxml.write_package(texts["first"]), key, secret).json()
    refused = post(edxml.write_package(texts["stranger"]), key, secret).json()
    old = {
        "file": "qd-12-2026.pdf",
        "status": "valid",
        "message": "Chữ ký hợp lệ — Phạm Minh Đức, Giám đốc",
        "signatures": [
            {
                "status": "valid",
                "message": "Chữ ký hợp lệ — Phạm Minh Đức, Giám đốc",
                "signer": "Phạm Minh Đức",
                "title": "Giám đốc",
                "organisation": "Sở",
                "signed_at": "2026-03-02T09:00:00+07:00",
                "timestamped": False,
                "revocation": "checked",
            }
        ],
    }
    stranger = {**old, "status": "invalid", "message": "Chữ ký số không hợp lệ"}
    stranger["signatures"] = [{**old["signatures"][0], "status": "untrusted"}]
    with in_a(world):
        FileVerification.objects.all().delete()
        ExchangeMessage.objects.filter(pk=imported["log_id"]).update(file=None, verification=old)
        ExchangeMessage.objects.filter(pk=refused["log_id"]).update(verification=stranger)
        migration.carry_over(apps, None)
        line = ExchangeMessage.objects.get(pk=imported["log_id"])
        assert line.verification == {} and line.file.name == "qd-12-2026.pdf"
        check = line.file_verification
        assert check.status == "valid" and check.signatures[0]["signer_name"] == "Phạm Minh Đức"
        assert check.sentence.startswith("Chữ ký hợp lệ — Phạm Minh Đức, Giám đốc")
        kept = ExchangeMessage.objects.get(pk=refused["log_id"]).verification
        assert kept["status"] == "untrusted" and kept["file"] == "qd-12-2026.pdf"
        assert kept["signatures"][0]["signer_name"] == "Phạm Minh Đức"
