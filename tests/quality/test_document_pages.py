"""The documents pages, end to end through HTTP: the issue's "done when" journey and the rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from quality.core.models import Unit
from quality.documents.models import Document, RecordSeries, Revision

from .conftest import pdf_bytes, upload


@pytest.fixture
def clients(world, client_for, settings, tmp_path, eager):
    settings.MEDIA_ROOT = tmp_path / "media"
    return {
        name: client_for(world.agency_a, getattr(world, name))
        for name in ("owner_a", "member_a", "leader_a", "reader_a")
    }


def _doc(code):
    with schema_context("ag_alpha"):
        return Document.objects.get(code=code)


def test_draft_review_issue_revise_and_find_it(world, clients, django_capture_on_commit_callbacks):
    staff, secretary, leader = clients["member_a"], clients["owner_a"], clients["leader_a"]
    created = staff.post(
        "/documents/new/",
        {
            "doc_type": "system_procedure",
            "code": "qt.tn.01",
            "title": "Quy trình tiếp nhận hồ sơ đất đai",
            "body": "Bước 1: tiếp nhận.",
        },
    )
    document = _doc("QT.TN.01")
    assert created.status_code == 302 and created["Location"] == f"/documents/{document.pk}/"
    first = document.latest_revision
    base = f"/documents/{document.pk}/revisions/{first.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"{base}/files/", {"file": upload("quy-trinh.pdf", pdf_bytes())})
    staff.post(f"{base}/submit/", {"reviewer": world.owner_a.pk})
    secretary.post(f"{base}/review/", {"text": "Đạt"})
    approved = leader.post(f"{base}/approve/", {}, follow=True)
    assert "Đã phê duyệt và ban hành." in approved.content.decode()

    secretary.post(
        f"/documents/{document.pk}/revisions/{first.pk}/distribute/",
        {"users": [world.member_a.pk, world.reader_a.pk]},
    )
    staff.post(
        f"/documents/{document.pk}/change-request/",
        {"reason": "Quy định mới năm 2025", "proposal": "Sửa bước 1"},
    )
    with schema_context("ag_alpha"):
        change = document.change_requests.get()
    secretary.post(f"/documents/{document.pk}/change-requests/{change.pk}/accept/", {})
    with schema_context("ag_alpha"):
        second = Revision.objects.get(document=document, number=2)
    base2 = f"/documents/{document.pk}/revisions/{second.pk}"
    staff.post(
        f"{base2}/edit/",
        {
            "title": "Quy trình tiếp nhận hồ sơ đất đai",
            "body": "Bước 1: tiếp nhận trực tuyến.",
            "change_location": "Bước 1",
            "change_summary": "Trực tuyến",
            "change_reason": "Quy định mới",
        },
    )
    staff.post(f"{base2}/submit/", {})
    secretary.post(f"{base2}/review/", {})
    leader.post(f"{base2}/approve/", {})

    page = clients["reader_a"].get(f"/documents/{document.pk}/").content.decode()
    assert "lần ban hành 2" in page
    assert "Hết hiệu lực (đã thay thế)" in page  # revision 1 in the history
    for action in (
        "create",
        "file_upload",
        "submit",
        "review",
        "approve_issue",
        "distribute",
        "change_request",
        "supersede",
    ):
        assert f'<strong title="{action}">' in page
    assert "chưa đọc" in clients["owner_a"].get(f"/documents/{document.pk}/").content.decode()
    found = staff.get("/documents/", {"q": "tiep nhan ho so dat dai"})
    assert [d.code for d in found.context["documents"]] == ["QT.TN.01"]
    with schema_context("ag_alpha"):
        assert Revision.objects.get(pk=first.pk).status == "superseded"


def test_a_checked_revision_shows_it_awaits_approval(world, clients):
    staff, secretary = clients["member_a"], clients["owner_a"]
    staff.post(
        "/documents/new/",
        {"doc_type": "system_procedure", "code": "QT.KT.01", "title": "Kiểm tra", "body": "B1"},
    )
    document = _doc("QT.KT.01")
    base = f"/documents/{document.pk}/revisions/{document.latest_revision.pk}"
    staff.post(f"{base}/submit/", {"reviewer": world.owner_a.pk})

    def badge() -> str:
        page = clients["reader_a"].get(f"/documents/{document.pk}/").content.decode()
        draft_card = page.split("Bản dự thảo 1", 1)[1]
        return draft_card.split('<span class="badge', 1)[1].split("</span>", 1)[0]

    assert "Đang xem xét" in badge()
    secretary.post(f"{base}/review/", {"text": "Đạt"})
    assert "Đã kiểm tra, chờ phê duyệt" in badge() and "Đang xem xét" not in badge()


def test_readers_acknowledge_from_the_document_page(world, clients):
    from quality.documents.services import documents as svc
    from quality.documents.services.distribution import revision_distribute

    with schema_context("ag_alpha"):
        document = svc.document_create(
            actor=world.member_a,
            doc_type="system_procedure",
            code="QT.TN.02",
            title="X",
            body="Nội dung",
        )
        rev = document.latest_revision
        svc.revision_submit(actor=world.member_a, revision=rev)
        svc.revision_review(actor=world.owner_a, revision=rev)
        svc.revision_approve(actor=world.leader_a, revision=rev)
        revision_distribute(actor=world.owner_a, revision=rev, users=[world.reader_a])
        ack = rev.acknowledgements.get()
    page = clients["reader_a"].get(f"/documents/{document.pk}/").content.decode()
    assert "Tôi đã đọc" in page
    clients["reader_a"].post(f"/documents/{document.pk}/acknowledgements/{ack.pk}/")
    with schema_context("ag_alpha"):
        ack.refresh_from_db()
        assert ack.acknowledged_at is not None
    assert "Tài liệu mới cần đọc" in clients["reader_a"].get("/documents/inbox/").content.decode()


def test_a_reader_cannot_create_or_approve(world, clients):
    assert clients["reader_a"].get("/documents/new/").status_code == 403
    response = clients["reader_a"].post(
        "/documents/new/", {"doc_type": "form", "code": "BM.X.01", "title": "X"}
    )
    assert response.status_code == 403
    with schema_context("ag_alpha"):
        assert not Document.objects.filter(code="BM.X.01").exists()
        rev = Document.objects.get(code="QT.ISO.01").latest_revision
    denied = clients["reader_a"].post(f"/documents/{rev.document_id}/revisions/{rev.pk}/approve/")
    assert denied.status_code == 403


def test_create_form_errors_are_in_vietnamese_and_nothing_is_stored(world, clients):
    response = clients["member_a"].post(
        "/documents/new/",
        {"doc_type": "system_procedure", "code": "QT.ISO.01", "title": "Trùng mã"},
    )
    assert response.status_code == 400
    assert "đã được dùng cho tài liệu khác" in response.content.decode()
    bad = clients["member_a"].post(
        "/documents/new/", {"doc_type": "form", "code": "XYZ", "title": ""}
    )
    assert "không đúng mẫu" in bad.content.decode()


def test_editing_an_issued_revision_is_refused_with_a_message(world, clients):
    from quality.documents.services import documents as svc

    with schema_context("ag_alpha"):
        document = svc.document_create(
            actor=world.member_a,
            doc_type="system_procedure",
            code="QT.TN.03",
            title="Bản gốc",
            body="Nội dung gốc",
        )
        rev = document.latest_revision
        svc.revision_submit(actor=world.member_a, revision=rev)
        svc.revision_review(actor=world.owner_a, revision=rev)
        svc.revision_approve(actor=world.leader_a, revision=rev)
    url = f"/documents/{document.pk}/revisions/{rev.pk}/edit/"
    response = clients["member_a"].post(url, {"title": "Sửa lén"})
    assert response.status_code == 400
    assert "Chỉ sửa được bản dự thảo" in response.content.decode()
    with schema_context("ag_alpha"):
        assert Revision.objects.get(pk=rev.pk).title == "Bản gốc"


def test_a_forbidden_file_gets_a_message(world, clients):
    with schema_context("ag_alpha"):
        rev = Document.objects.get(code="QT.ISO.02").latest_revision
    response = clients["member_a"].post(
        f"/documents/{rev.document_id}/revisions/{rev.pk}/files/",
        {"file": upload("virus.exe", b"MZ\x90")},
        follow=True,
    )
    assert "không được chấp nhận" in response.content.decode()


def test_the_cover_pdf_is_a_pdf(world, clients):
    with schema_context("ag_alpha"):
        document = Document.objects.get(code="QT.ISO.03")
    response = clients["reader_a"].get(f"/documents/{document.pk}/cover.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    import io

    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "QT.ISO.03" in text and "THEO DÕI SỬA ĐỔI" in text


def test_register_queries_do_not_grow_with_the_page(world, clients):
    with CaptureQueriesContext(connection) as few:
        clients["reader_a"].get("/documents/", {"status": "draft"})
    with schema_context("ag_alpha"):
        from quality.documents.services import documents as svc

        for index in range(15):
            svc.document_create(
                actor=world.member_a,
                doc_type="form",
                code=f"BM.TN.{index:02d}",
                title=f"Biểu mẫu {index}",
            )
    with CaptureQueriesContext(connection) as many:
        clients["reader_a"].get("/documents/", {"status": "draft"})
    assert len(many) == len(few)


def test_pages_render_for_every_role(world, clients):
    with schema_context("ag_alpha"):
        pk = Document.objects.get(code="QT.ISO.04").pk
        Unit.objects.create(code="VP", name="Văn phòng")
    for client in clients.values():
        for url in (
            "/",
            "/documents/",
            f"/documents/{pk}/",
            "/documents/inbox/",
            "/documents/records/",
            "/notifications/",
        ):
            assert client.get(url).status_code == 200, url
    assert clients["owner_a"].get("/documents/settings/").status_code == 200
    assert clients["owner_a"].get("/units/").status_code == 200
    assert clients["member_a"].get("/documents/settings/").status_code == 403


def test_records_pages_carry_over_and_add_entries(world, clients):
    secretary = clients["owner_a"]
    year = __import__("datetime").date.today().year
    # The agency's template pack made this year's series; their number follows the pack.
    with schema_context("ag_alpha"):
        names = sorted(RecordSeries.objects.filter(year=year).values_list("name", flat=True))
    assert names
    response = secretary.post(
        "/documents/records/carry-over/", {"from_year": year, "to_year": year + 1}, follow=True
    )
    assert f"Đã tạo {len(names)} hồ sơ cho năm {year + 1}." in response.content.decode()
    with schema_context("ag_alpha"):
        carried = RecordSeries.objects.filter(year=year + 1)
        assert sorted(carried.values_list("name", flat=True)) == names
        series = carried.first()
    secretary.post(
        f"/documents/records/{series.pk}/", {"reference": "BC 01", "dated_on": f"{year}-01-10"}
    )
    page = secretary.get(f"/documents/records/{series.pk}/").content.decode()
    assert "BC 01" in page
    assert (
        clients["reader_a"]
        .post(f"/documents/records/{series.pk}/", {"reference": "X", "dated_on": f"{year}-01-10"})
        .status_code
        == 403
    )


def test_settings_delegate_approval_and_toggle_self_approval(world, clients):
    secretary = clients["owner_a"]
    secretary.post("/documents/settings/", {"action": "delegate", "user": world.member_a.pk})
    with schema_context("ag_alpha"):
        from iso_platform.accounts.models import User
        from quality.core.permissions import can

        assert can(User.objects.get(pk=world.member_a.pk), "documents.approve")
    secretary.post(
        "/documents/settings/",
        {
            "action": "settings",
            "allow_self_approval": "on",
            "document_review_months": 24,
            "max_upload_mb": 10,
        },
    )
    with schema_context("ag_alpha"):
        from quality.core.models import AgencySettings

        assert AgencySettings.load().allow_self_approval is True
    bad_rule = secretary.post(
        "/documents/settings/",
        {"action": "rule", "doc_type": "form", "pattern": "([", "example": "BM.1"},
    )
    assert bad_rule.status_code == 400 and "không hợp lệ" in bad_rule.content.decode()


def test_the_register_downloads_as_the_list_auditors_ask_for(world, clients):
    import io

    from openpyxl import load_workbook

    with schema_context("ag_alpha"):
        from quality.documents.services import documents as svc

        for code, title in (("BM.DM.01", "Biểu mẫu Ngũ Hành Sơn"), ("BM.DM.02", "Sổ")):
            svc.document_create(actor=world.member_a, doc_type="form", code=code, title=title)
    page = clients["reader_a"].get("/documents/", {"q": "ngu hanh son"}).content.decode()
    assert "/documents/register.xlsx?q=ngu+hanh+son" in page  # the list's filters go along
    response = clients["reader_a"].get("/documents/register.xlsx", {"q": "ngu hanh son"})
    assert response.status_code == 200
    assert 'filename="danh-muc-tai-lieu-' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "Danh mục tài liệu nội bộ"
    assert rows[0][:3] == ("STT", "Mã tài liệu", "Tên tài liệu")
    assert [row[1] for row in rows[1:]] == ["BM.DM.01"]
    assert clients["reader_a"].get("/documents/register.pdf").status_code == 404
