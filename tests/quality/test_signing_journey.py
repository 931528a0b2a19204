"""In Chromium: the leader keeps a PKCS#12 certificate, issues a document typing its
password, and downloads the signed decision; a wrong password leaves the document unissued.

Signed documents cannot be deleted (a database trigger), so the journey runs in an agency of
its own, committed and dropped afterwards by the `committed` fixture.
"""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from eiso.testing.browser import chromium, live_server
from eiso.testing.pki import PKCS12_PASSWORD
from eiso.testing.world import PASSWORD
from iso_platform.accounts.models import Role, User
from iso_platform.signing import verify_pdf
from quality.core.models import OutgoingDocument, SignedDocument
from quality.documents.models import RevisionStatus
from quality.documents.services import documents as docs
from tenants.models import AgencyKind
from tenants.services.provisioning import AgencySpec, agency_provision

pytestmark = [pytest.mark.slow]

FETCH_JS = """async (url) => {
  const answer = await fetch(url);
  const bytes = new Uint8Array(await answer.arrayBuffer());
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return [answer.status, answer.headers.get("content-type"), btoa(text)];
}"""
WRONG = "Mật khẩu của tệp chứng thư số (PKCS#12) không đúng"


def _agency_with_a_draft():
    result = agency_provision(
        spec=AgencySpec(
            code="kyso-hanh-trinh",
            name="Sở Ký Số",
            kind=AgencyKind.PROVINCIAL_DEPARTMENT,
            admin_email="quantri@kyso.test",
            admin_name="Quản Trị Ký Số",
        ),
        admin_password=PASSWORD,
        method="clone",  # the warm pool may be empty: a clone of the template schema
    )
    agency, admin = result.agency, result.admin
    with schema_context(agency.schema_name):
        leader = User.objects.create_user(
            "lanhdao@kyso.test", PASSWORD, full_name="Phạm Minh Đức", role=Role.AGENCY_LEADER
        )
        staff = User.objects.create_user(
            "chuyenvien@kyso.test", PASSWORD, full_name="Võ Thị Ánh", role=Role.STAFF
        )
        document = docs.document_create(
            actor=staff,
            doc_type="system_procedure",
            code="QT.KS.01",
            title="Quy trình ký số văn bản",
            body="Mục đích: ký số văn bản của cơ quan.",
        )
        revision = document.latest_revision
        docs.revision_submit(actor=staff, revision=revision)
        docs.revision_review(actor=admin, revision=revision)
    return agency, leader, document, revision


def _unissued(agency, revision) -> bool:
    """Read between browser steps. Inside Playwright's sync API the ORM gets a connection of
    its own (another async context), closed here so that the test database can be dropped."""
    try:
        with schema_context(agency.schema_name):
            revision.refresh_from_db()
            return (
                revision.status == RevisionStatus.UNDER_REVIEW
                and not OutgoingDocument.objects.exists()
            )
    finally:
        connection.close()


def _sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def test_the_leader_issues_a_signed_decision_and_a_wrong_password_issues_nothing(
    committed, signing_pki, tmp_path
):
    agency, leader, document, revision = _agency_with_a_draft()
    p12 = tmp_path / "lanhdao.p12"
    p12.write_bytes(signing_pki.pkcs12("signer"))
    with live_server() as port, chromium() as browser:
        page = browser.new_page()
        base = f"http://{agency.host}:{port}"
        _sign_in(page, base, leader.email)

        page.goto(f"{base}/signatures/")
        page.set_input_files("#id_pkcs12-file", str(p12))
        page.fill("#id_pkcs12-password", PKCS12_PASSWORD)
        with page.expect_navigation():
            page.locator("form:has(#id_pkcs12-file) button[type=submit]").click()
        assert "Đã lưu chữ ký số." in page.content()

        approve = f"form[action$='/revisions/{revision.pk}/approve/']"
        page.goto(f"{base}/documents/{document.pk}/")
        page.fill(f"{approve} input[name=signing_secret]", "sai-mat-khau")
        with page.expect_navigation():
            page.locator(f"{approve} button[type=submit]").click()
        assert WRONG in page.content()
        assert _unissued(agency, revision)

        page.goto(f"{base}/documents/{document.pk}/")
        page.fill(f"{approve} input[name=signing_secret]", PKCS12_PASSWORD)
        with page.expect_navigation():
            page.locator(f"{approve} button[type=submit]").click()
        assert "Đã phê duyệt và ban hành." in page.content()

        # The link on the page, fetched by the page with its session.
        href = page.locator(f"a[href$='/revisions/{revision.pk}/decision.pdf']").first
        status, kind, body = page.evaluate(FETCH_JS, href.get_attribute("href"))
        assert (status, kind) == (200, "application/pdf")
        signed = base64.b64decode(body)
    with schema_context(agency.schema_name):
        record = SignedDocument.objects.get()
        assert signed == bytes(record.content)
    report = verify_pdf(signed, trust_roots=[signing_pki.root], allow_fetching=False)
    assert [s.signer_name for s in report.signatures if s.intact and s.trusted] == [
        signing_pki.cert("signer").subject.native["common_name"]
    ]
