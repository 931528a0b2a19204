"""Files of a revision: type and size checks, SHA-256, frozen once issued, text for search."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from iso_platform import untrusted
from quality.core.models import AgencySettings
from quality.documents.models import RevisionFile, TextStatus
from quality.documents.selectors import document_register
from quality.documents.services import files
from quality.documents.services.files import revision_file_add
from tests import bombs
from tests.bombs import MB

from .conftest import PNG, docx_bytes, pdf_bytes, upload, xlsx_bytes


@pytest.mark.parametrize(
    "name,data",
    [
        ("quy-trinh.pdf", pdf_bytes()),
        ("bieu-mau.docx", docx_bytes("Biểu mẫu")),
        ("so-theo-doi.xlsx", xlsx_bytes("Sổ")),
        ("so-do.png", PNG),
    ],
    ids=["pdf", "docx", "xlsx", "png"],  # generated files differ by run: not in the ids
)
def test_allowed_files_are_stored_with_their_checksum(flow, name, data):
    revision = flow.draft().latest_revision
    record = revision_file_add(actor=flow.w.member_a, revision=revision, upload=upload(name, data))
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.size == len(data)
    assert record.file.name.startswith("ag_alpha/documents/")  # stored per agency
    assert default_storage.open(record.file.name).read() == data


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("script.exe", b"MZ\x90\x00", "không được chấp nhận"),
        ("fake.pdf", b"just some text, not a PDF", "không phải là PDF"),
        ("fake.docx", PNG, "không phải là DOCX"),
        ("empty.pdf", b"", "rỗng"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(flow, name, data, message):
    revision = flow.draft().latest_revision
    with pytest.raises(ValidationError, match=message):
        revision_file_add(actor=flow.w.member_a, revision=revision, upload=upload(name, data))
    assert not RevisionFile.objects.exists()


def test_a_file_larger_than_the_agency_limit_is_refused(flow):
    AgencySettings.objects.filter(pk=AgencySettings.load().pk).update(max_upload_mb=1)
    revision = flow.draft().latest_revision
    big = pdf_bytes() + b"0" * (1024 * 1024 + 10)
    with pytest.raises(ValidationError, match="vượt giới hạn 1 MB"):
        revision_file_add(actor=flow.w.member_a, revision=revision, upload=upload("big.pdf", big))


def test_files_of_an_issued_revision_are_frozen(flow):
    document = flow.issued()
    with pytest.raises(ValidationError, match="Không thêm tệp"):
        revision_file_add(
            actor=flow.w.member_a,
            revision=document.current_revision,
            upload=upload("a.pdf", pdf_bytes()),
        )


def test_a_failed_database_write_removes_the_stored_file(flow, monkeypatch):
    revision = flow.draft().latest_revision

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("quality.documents.services.files.audit_record", broken)
    with pytest.raises(RuntimeError):
        revision_file_add(
            actor=flow.w.member_a, revision=revision, upload=upload("a.pdf", pdf_bytes())
        )
    folder = f"ag_alpha/documents/{revision.document_id}/{revision.pk}"
    assert default_storage.listdir(folder)[1] == [] if default_storage.exists(folder) else True


@pytest.mark.parametrize(
    "name,maker", [("a.pdf", pdf_bytes), ("a.docx", docx_bytes), ("a.xlsx", xlsx_bytes)]
)
def test_text_inside_files_is_searchable_without_diacritics(
    flow, name, maker, django_capture_on_commit_callbacks
):
    document = flow.draft(code="QT.ISO.60", title="Tiêu đề không liên quan", body="")
    # reportlab's built-in PDF font has no Vietnamese glyphs: the PDF says it without marks.
    text = "Tham dinh ho so dat dai" if name.endswith(".pdf") else "Thẩm định hồ sơ đất đai"
    with django_capture_on_commit_callbacks(execute=True):  # the extraction task, eager
        revision_file_add(
            actor=flow.w.member_a,
            revision=document.latest_revision,
            upload=upload(name, maker(text)),
        )
    found = document_register(q="tham dinh ho so dat")
    assert [d.code for d in found] == ["QT.ISO.60"]


# --------------------------------------------------------------------------- untrusted files


BOMBS = {
    "docx-expands-to-110-MB": ("bom.docx", lambda: bombs.docx_bomb(110 * MB), "ratio"),
    "docx-of-110-MB-of-paragraphs": (
        "doan.docx",
        lambda: bombs.docx_bomb(110 * MB, paragraphs=True),
        "ratio",
    ),
    "xlsx-expands-to-110-MB": ("bom.xlsx", lambda: bombs.xlsx_bomb(110 * MB), "ratio"),
    "docx-of-50000-entries": ("nhieu.docx", lambda: bombs.many_entries(50_000), "entries"),
    "docx-whose-header-lies": ("doi.docx", lambda: bombs.lying_zip(expanded=50 * MB), "damaged"),
    "pdf-of-1001-pages": ("dai.pdf", lambda: bombs.pdf_pages(1001), "pages"),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_a_bomb_is_kept_marked_not_extracted_and_never_expanded(flow, client_for, case):
    name, make, code = BOMBS[case]
    data = make()
    document = flow.draft(code="QT.BOM.01")
    record = revision_file_add(
        actor=flow.w.member_a, revision=document.latest_revision, upload=upload(name, data)
    )
    peak = bombs.peak_mb(lambda: files.file_text_extract(file_id=record.pk))
    assert peak < 5 + len(data) / MB  # the stored file is read once; nothing is expanded
    record.refresh_from_db()
    assert (record.text_status, record.text_refusal["code"], record.text) == (
        TextStatus.NOT_EXTRACTED,
        code,
        "",
    )
    assert default_storage.open(record.file.name).read() == data  # the file itself is kept
    page = client_for(flow.w.agency_a, flow.w.member_a).get(f"/documents/{document.pk}/")
    assert page.status_code == 200
    assert "Chưa trích xuất nội dung để tìm kiếm:" in page.content.decode()
    assert record.text_problem in page.content.decode()
    listed = client_for(flow.w.agency_a, flow.w.member_a).get(
        f"/api/v1/revisions/{document.latest_revision.pk}/files/"
    )
    assert listed.json()[0]["text_status"] == "not_extracted"
    assert listed.json()[0]["text_problem"] == record.text_problem


def test_a_slow_file_is_stopped_at_the_deadline_and_marked(flow, settings):
    settings.UNTRUSTED_PARSE_SECONDS = 0
    revision = flow.draft().latest_revision
    record = revision_file_add(
        actor=flow.w.member_a, revision=revision, upload=upload("a.docx", docx_bytes("Chữ"))
    )
    files.file_text_extract(file_id=record.pk)
    record.refresh_from_db()
    assert record.text_status == TextStatus.NOT_EXTRACTED
    assert record.text_problem == "Đọc tệp mất hơn 0 giây nên đã dừng."


def test_the_task_soft_time_limit_is_recorded_not_raised(flow, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    revision = flow.draft().latest_revision
    record = revision_file_add(
        actor=flow.w.member_a, revision=revision, upload=upload("a.pdf", pdf_bytes())
    )

    def stuck(data, extension):
        raise SoftTimeLimitExceeded()  # what Celery raises inside the task at its soft limit

    monkeypatch.setattr(files, "extract_text", stuck)
    files.file_text_extract(file_id=record.pk)
    record.refresh_from_db()
    assert record.text_status == TextStatus.NOT_EXTRACTED
    assert "giới hạn thời gian hoặc bộ nhớ" in record.text_problem


def test_an_extraction_killed_with_its_worker_says_so_after_the_hard_limit(flow):
    revision = flow.draft().latest_revision
    record = revision_file_add(
        actor=flow.w.member_a, revision=revision, upload=upload("a.pdf", pdf_bytes())
    )
    RevisionFile.objects.filter(pk=record.pk).update(
        text_status=TextStatus.RUNNING, text_started_at=timezone.now()
    )
    record.refresh_from_db()
    assert record.text_problem == ""  # still running: nothing to say yet
    RevisionFile.objects.filter(pk=record.pk).update(
        text_started_at=timezone.now() - dt.timedelta(hours=1)
    )
    record.refresh_from_db()
    assert "bị dừng giữa chừng" in record.text_problem


def test_a_normal_file_is_marked_extracted(flow, django_capture_on_commit_callbacks):
    revision = flow.draft().latest_revision
    with django_capture_on_commit_callbacks(execute=True):
        record = revision_file_add(
            actor=flow.w.member_a, revision=revision, upload=upload("a.docx", docx_bytes("Chữ"))
        )
    record.refresh_from_db()
    assert (record.text_status, record.text, record.text_problem) == (TextStatus.DONE, "Chữ", "")


def test_docx_text_is_streamed_paragraph_by_paragraph():
    # 20 MB of paragraphs under every limit: read with flat memory, cut at MAX_TEXT.
    data = bombs.docx_bomb(20 * MB, paragraphs=True)
    texts = []
    limits = untrusted.Limits(max_bytes=None, max_expanded=50 * MB, max_entries=10, max_ratio=10**6)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(untrusted, "DOCUMENT", limits)
        peak = bombs.peak_mb(lambda: texts.append(files.extract_text(data, ".docx")))
    assert len(texts[0]) == files.MAX_TEXT and set(texts[0]) == {"a", "\n"}
    assert peak < 15
