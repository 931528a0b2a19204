"""Files of a revision: type and size checks, SHA-256, frozen once issued, text for search."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from quality.core.models import AgencySettings
from quality.documents.models import RevisionFile
from quality.documents.selectors import document_register
from quality.documents.services.files import revision_file_add

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
