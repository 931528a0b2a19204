"""The decisions that issue and withdraw a controlled document: numbered in the register of
outgoing documents when the revision is issued or the document withdrawn, drafts before, in
the decree's decision layout, downloadable as PDF and DOCX by the agency's own people only."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from iso_platform.official import render_docx, render_pdf
from quality.core.models import OutgoingDocument, Unit
from quality.core.official import authority_line, day_text
from quality.core.services import agency_settings_update
from quality.documents import decisions
from quality.documents.models import Document, Revision
from quality.documents.services import documents as svc

NAMES = {
    "official_governing_body": "UBND tỉnh An Giang",
    "official_name": "Sở Khoa học và Công nghệ",
    "official_abbreviation": "SKHCN",
    "official_place": "An Giang",
    "signer_authority": "KT. Giám đốc",
    "signer_position": "Phó Giám đốc",
    "signer_name": "Nguyễn Văn An",
}


def folded(text: str) -> str:
    return " ".join(text.split())


def pdf_text(content: bytes) -> str:
    return folded("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def docx_text(content: bytes) -> str:
    word = docx.Document(io.BytesIO(content))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    return folded("\n".join([p.text for p in word.paragraphs] + cells))


def both(doc) -> list[str]:
    return [pdf_text(render_pdf(doc)), docx_text(render_docx(doc))]


@pytest.fixture
def named(flow):
    agency_settings_update(actor=flow.w.owner_a, **NAMES)
    return flow


def _decisions():
    return list(OutgoingDocument.objects.filter(kind="QĐ").order_by("sequence"))


def test_issuing_numbers_the_decision_in_the_register_without_gaps(named):
    first = named.issued(code="QT.01", title="Quy trình kiểm soát tài liệu")
    second = named.issued(code="QT.02", title="Quy trình đánh giá nội bộ")
    draft = named.revise(first)
    named.issue(draft)
    lines = _decisions()
    assert [line.number for line in lines] == ["01/QĐ-SKHCN", "02/QĐ-SKHCN", "03/QĐ-SKHCN"]
    assert [(line.subject_type, line.subject_id) for line in lines] == [
        ("revision", str(first.current_revision_id)),
        ("revision", str(second.current_revision_id)),
        ("revision", str(draft.pk)),
    ]
    assert lines[0].summary == "Về việc ban hành tài liệu QT.01 Quy trình kiểm soát tài liệu"
    assert lines[0].issued_on == timezone.localdate()


def test_a_refused_approval_numbers_nothing(named):
    document = named.draft()
    revision = document.latest_revision
    svc.revision_submit(actor=named.w.member_a, revision=revision)
    with pytest.raises(Exception):  # noqa: B017 - not reviewed yet: refused
        svc.revision_approve(actor=named.w.leader_a, revision=revision)
    assert _decisions() == []


def test_the_issue_decision_reads_as_the_decree_asks_and_is_a_draft_before_issue(named):
    unit = Unit.objects.create(code="VP", name="Văn phòng Sở")
    document = named.draft(code="QT.01", title="Quy trình kiểm soát tài liệu", unit=unit)
    revision = document.latest_revision
    for text in both(decisions.issue_decision(revision)):
        assert "Số: .../QĐ-SKHCN" in text and "An Giang, ngày ... tháng ... năm ..." in text
    named.issue(revision)
    revision.refresh_from_db()
    today = timezone.localdate()
    for text in both(decisions.issue_decision(revision)):
        for expected in (
            "UBND TỈNH AN GIANG SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            "Số: 01/QĐ-SKHCN",
            f"An Giang, {day_text(today)}",
            "QUYẾT ĐỊNH Về việc ban hành tài liệu QT.01 Quy trình kiểm soát tài liệu",
            "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            "Căn cứ Quyết định số 19/2014/QĐ-TTg ngày 05 tháng 3 năm 2014 của Thủ tướng",
            "Căn cứ Tiêu chuẩn quốc gia TCVN ISO 9001:2015",
            "Theo đề nghị của Văn phòng Sở.",
            "QUYẾT ĐỊNH:",
            "Điều 1. Ban hành kèm theo Quyết định này tài liệu QT.01 “Quy trình kiểm soát tài "
            "liệu”, lần ban hành 1.",
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
            "Điều 3. Văn phòng Sở, các đơn vị, cá nhân có liên quan chịu trách nhiệm thi hành",
            "- Như Điều 3;",
            "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC",
            "Nguyễn Văn An",
        ):
            assert expected in text, expected
        assert "Số: .../" not in text


def test_a_new_issue_replaces_the_previous_one_and_may_apply_later(named):
    document = named.issued(code="QT.01", title="Quy trình kiểm soát tài liệu")
    draft = named.revise(document)
    later = timezone.localdate() + dt.timedelta(days=10)
    svc.revision_submit(actor=named.w.member_a, revision=draft)
    svc.revision_review(actor=named.w.owner_a, revision=draft)
    svc.revision_approve(actor=named.w.leader_a, revision=draft, effective_on=later)
    draft.refresh_from_db()
    text = pdf_text(render_pdf(decisions.issue_decision(draft)))
    assert "lần ban hành 2." in text
    assert "kể từ ngày ký và thay thế tài liệu QT.01 lần ban hành 1." in text
    assert f"Tài liệu được áp dụng kể từ {day_text(later)}." in text


def test_withdrawing_numbers_the_withdrawal_decision_which_names_the_issue_decision(named):
    document = named.issued(code="QT.01", title="Quy trình kiểm soát tài liệu")
    draft_text = docx_text(render_docx(decisions.withdrawal_decision(document)))
    assert "Số: .../QĐ-SKHCN" in draft_text and "Lý do" not in draft_text
    svc.document_withdraw(actor=named.w.leader_a, document=document, reason="Sáp nhập quy trình")
    document.refresh_from_db()
    line = _decisions()[-1]
    assert (line.number, line.subject_type, line.subject_id) == (
        "02/QĐ-SKHCN",
        "document",
        str(document.pk),
    )
    for text in both(decisions.withdrawal_decision(document)):
        assert "Số: 02/QĐ-SKHCN" in text
        assert "QUYẾT ĐỊNH Về việc bãi bỏ tài liệu QT.01 Quy trình kiểm soát tài liệu" in text
        assert (
            "Điều 1. Bãi bỏ tài liệu QT.01 “Quy trình kiểm soát tài liệu”, lần ban hành 1, ban "
            f"hành kèm theo Quyết định số 01/QĐ-SKHCN {day_text(timezone.localdate())}. "
            "Lý do: Sáp nhập quy trình." in text
        )


def test_a_download_never_numbers_and_a_numbered_decision_keeps_its_number(named):
    document = named.issued()
    revision = document.current_revision
    agency_settings_update(actor=named.w.owner_a, official_abbreviation="KHCN")
    for _download in range(2):
        assert "Số: 01/QĐ-SKHCN" in pdf_text(render_pdf(decisions.issue_decision(revision)))
    assert decisions.decision_number_issue(revision=revision) == "01/QĐ-SKHCN"
    assert len(_decisions()) == 1


def test_an_external_document_gets_no_decision(named):
    document = svc.document_create(
        actor=named.w.owner_a,
        doc_type="external",
        code="TLBN.01",
        title="Hệ thống quản lý chất lượng - Các yêu cầu",
        body="Tiêu chuẩn quốc gia",
    )
    assert document.status == "in_force" and _decisions() == []


@pytest.mark.parametrize(
    "authority,position,expected",
    [
        ("KT. Giám đốc", "Phó Giám đốc", "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"),
        ("", "Giám đốc", "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"),
        ("", "Thủ trưởng cơ quan", "THỦ TRƯỞNG SỞ KHOA HỌC VÀ CÔNG NGHỆ"),
    ],
)
def test_the_authority_is_the_heads_even_when_a_deputy_signs(authority, position, expected):
    from iso_platform.official import Issuer, Signer

    issuer = Issuer(agency="Sở Khoa học và Công nghệ", abbreviation="SKHCN")
    assert authority_line(issuer, Signer(position=position, authority=authority)) == expected


# --------------------------------------------------------------------------- downloads


def test_the_decisions_download_as_pdf_and_docx_from_the_document_page(world, client_for):
    with schema_context(world.agency_a.schema_name):
        from tests.quality.conftest import Flow

        document = Flow(world).issued(code="QT.77", title="Quy trình tiếp nhận hồ sơ")
        revision = document.current_revision
    page = client_for(world.agency_a, world.member_a)
    detail = page.get(f"/documents/{document.pk}/").content.decode()
    base = f"/documents/{document.pk}"
    assert f"{base}/revisions/{revision.pk}/decision.pdf" in detail
    assert f"{base}/withdrawal-decision.docx" in detail
    # the history names the number in Vietnamese, not by the service's key
    assert re.search(r"Số quyết định:</dt> <dd[^>]*>01/QĐ-", detail), detail
    pdf = page.get(f"{base}/revisions/{revision.pk}/decision.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert 'filename="quyet-dinh-ban-hanh-qt77-ban-1.pdf"' in pdf["Content-Disposition"]
    assert re.search(r"Số: 01/QĐ-[A-Z0-9]+", pdf_text(pdf.content))
    word = page.get(f"{base}/revisions/{revision.pk}/decision.docx")
    assert word.status_code == 200 and "Quy trình tiếp nhận hồ sơ" in docx_text(word.content)
    draft = page.get(f"{base}/withdrawal-decision.pdf")
    assert draft.status_code == 200 and "Số: .../QĐ-" in pdf_text(draft.content)


def test_another_agencys_people_and_ids_get_404(world, client_for):
    with schema_context(world.agency_a.schema_name):
        from tests.quality.conftest import Flow

        flow = Flow(world)
        document = flow.issued(code="QT.78", title="Quy trình A")
        other = flow.issued(code="QT.79", title="Quy trình khác")
        revision = document.current_revision
    routes = (
        f"/documents/{document.pk}/revisions/{revision.pk}/decision.pdf",
        f"/documents/{document.pk}/revisions/{revision.pk}/decision.docx",
        f"/documents/{document.pk}/withdrawal-decision.pdf",
        f"/documents/{document.pk}/withdrawal-decision.docx",
    )
    outsider = client_for(world.agency_a, world.user_b)
    for route in routes:
        response = outsider.get(route)
        assert response.status_code in (302, 403, 404), route
        assert b"%PDF" not in response.content[:10]
    # on agency B's own host, A's ids are nowhere
    theirs = client_for(world.agency_b, world.user_b)
    for route in routes:
        assert theirs.get(route).status_code == 404, route
    # a revision of another document is not this document's
    mine = client_for(world.agency_a, world.member_a)
    wrong = f"/documents/{document.pk}/revisions/{other.current_revision_id}/decision.pdf"
    assert mine.get(wrong).status_code == 404
    with schema_context(world.agency_a.schema_name):
        assert Revision.objects.filter(pk=other.current_revision_id).exists()
        assert Document.objects.filter(pk=document.pk).exists()
