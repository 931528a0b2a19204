"""A revision carries the document: a new revision starts from the files and body of the one
in force, and a revision with neither file nor body is never sent for review, approved or
issued (service, pages and API alike)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from quality.documents.models import Document, Revision, RevisionFile, RevisionStatus
from quality.documents.services import documents as svc
from quality.documents.services.files import revision_file_add

from .conftest import docx_bytes, upload

NO_CONTENT = "chưa có nội dung"


def _issued_with_docx(flow, code="QT.PAKN.01"):
    document = flow.draft(code=code, title="Quy trình tiếp nhận phản ánh", body="")
    data = docx_bytes("Quy trình tiếp nhận phản ánh, kiến nghị")
    revision_file_add(
        actor=flow.w.member_a,
        revision=document.latest_revision,
        upload=upload("QT-PAKN-01.docx", data),
    )
    flow.issue(document.latest_revision)
    document.refresh_from_db()
    return document, data


def test_a_new_revision_starts_from_copies_of_the_files_in_force(flow):
    document, data = _issued_with_docx(flow)
    first = document.current_revision
    original = first.files.get()

    second = flow.revise(document)

    copy = second.files.get()
    assert (copy.name, copy.sha256, copy.size) == (original.name, original.sha256, original.size)
    assert copy.pk != original.pk and copy.file.name != original.file.name
    assert f"/{second.pk}/" in copy.file.name  # stored under the new revision
    assert default_storage.open(copy.file.name).read() == data
    # the old revision keeps its own file, untouched
    assert list(first.files.values_list("pk", flat=True)) == [original.pk]
    assert default_storage.open(original.file.name).read() == data


def test_the_new_revision_issued_with_its_copied_file(flow):
    document, _ = _issued_with_docx(flow)
    second = flow.revise(document)
    flow.issue(second)
    document.refresh_from_db()
    assert document.current_revision_id == second.pk
    assert document.current_revision.files.count() == 1


def test_the_new_revision_starts_from_the_body_too(flow):
    document = flow.issued(code="QT.PAKN.02", body="Bước 1: tiếp nhận.")
    assert flow.revise(document).body == "Bước 1: tiếp nhận."


def test_an_empty_draft_cannot_be_sent_for_review(flow):
    revision = flow.draft(code="QT.PAKN.03", body="").latest_revision
    with pytest.raises(ValidationError, match=NO_CONTENT):
        svc.revision_submit(actor=flow.w.member_a, revision=revision)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT


def test_a_draft_emptied_while_under_review_cannot_be_approved(flow):
    revision = flow.draft(code="QT.PAKN.04", body="Nội dung").latest_revision
    svc.revision_submit(actor=flow.w.member_a, revision=revision)
    svc.revision_review(actor=flow.w.owner_a, revision=revision)
    # an old draft, or one written straight to the database, has no content
    Revision.objects.filter(pk=revision.pk).update(body="  ")
    with pytest.raises(ValidationError, match=NO_CONTENT):
        svc.revision_approve(actor=flow.w.leader_a, revision=revision)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.UNDER_REVIEW and revision.issue_number is None


def test_a_draft_with_only_a_file_may_be_sent(flow):
    revision = flow.draft(code="QT.PAKN.05", body="").latest_revision
    revision_file_add(
        actor=flow.w.member_a, revision=revision, upload=upload("a.docx", docx_bytes("Nội dung"))
    )
    assert svc.revision_submit(actor=flow.w.member_a, revision=revision).status == (
        RevisionStatus.UNDER_REVIEW
    )


@pytest.fixture
def clients(world, client_for, settings, tmp_path, eager):
    settings.MEDIA_ROOT = tmp_path / "media"
    return {name: client_for(world.agency_a, getattr(world, name)) for name in ("member_a",)}


def _empty_draft(world, code):
    with schema_context(world.agency_a.schema_name):
        document = svc.document_create(
            actor=world.member_a, doc_type="system_procedure", code=code, title="Quy trình rỗng"
        )
        return document, document.latest_revision


def test_the_page_shows_the_refusal_as_an_error_of_the_submit_form(world, clients):
    document, revision = _empty_draft(world, "QT.PAKN.06")
    response = clients["member_a"].post(
        f"/documents/{document.pk}/revisions/{revision.pk}/submit/", {}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert NO_CONTENT in page and 'action="/documents/' in page  # the document page itself
    with schema_context(world.agency_a.schema_name):
        assert Revision.objects.get(pk=revision.pk).status == RevisionStatus.DRAFT


def test_the_api_answers_400_with_the_message(world, clients):
    document, revision = _empty_draft(world, "QT.PAKN.07")
    response = clients["member_a"].post(
        f"/api/v1/revisions/{revision.pk}/submit/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert NO_CONTENT in str(response.json())
    with schema_context(world.agency_a.schema_name):
        assert Revision.objects.get(pk=revision.pk).status == RevisionStatus.DRAFT
        assert Document.objects.filter(pk=document.pk).exists()
        assert not RevisionFile.objects.filter(revision=revision).exists()
