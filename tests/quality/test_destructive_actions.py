"""Destructive steps ask first and are offered only to who may take them."""

import pytest
from django_tenants.utils import schema_context

from quality.documents.models import Document
from quality.documents.services import documents as svc


@pytest.fixture
def clients(world, client_for, settings, tmp_path, eager):
    settings.MEDIA_ROOT = tmp_path / "media"
    return {
        name: client_for(world.agency_a, getattr(world, name))
        for name in ("owner_a", "member_a", "leader_a")
    }


def _draft(world, code="QT.XOA.01"):
    with schema_context(world.agency_a.schema_name):
        return svc.document_create(
            actor=world.member_a,
            doc_type="system_procedure",
            code=code,
            title="Dự thảo sẽ xoá",
            body="Nội dung",
        )


def _exists(world, pk) -> bool:
    with schema_context(world.agency_a.schema_name):
        return Document.objects.filter(pk=pk).exists()


def test_the_leader_is_not_offered_the_delete_and_is_refused(world, clients):
    document = _draft(world)
    page = clients["leader_a"].get(f"/documents/{document.pk}/").content.decode()
    assert f"/documents/{document.pk}/discard/" not in page
    assert clients["leader_a"].get(f"/documents/{document.pk}/discard/").status_code == 403
    assert clients["leader_a"].post(f"/documents/{document.pk}/discard/").status_code == 403
    assert _exists(world, document.pk)


def test_the_author_confirms_before_the_draft_is_gone(world, clients):
    document = _draft(world)
    author = clients["member_a"]
    page = author.get(f"/documents/{document.pk}/").content.decode()
    assert f'href="/documents/{document.pk}/discard/"' in page  # a link to the confirmation
    confirm = author.get(f"/documents/{document.pk}/discard/")
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "QT.XOA.01" in text and "Xác nhận xoá" in text and "Dự thảo sẽ xoá" in text
    assert _exists(world, document.pk)  # showing the question deletes nothing
    done = author.post(f"/documents/{document.pk}/discard/")
    assert done.status_code == 302 and done["Location"] == "/documents/"
    assert not _exists(world, document.pk)


def test_the_iso_secretary_may_delete_another_persons_draft(world, clients):
    document = _draft(world, code="QT.XOA.02")
    assert clients["owner_a"].get(f"/documents/{document.pk}/discard/").status_code == 200
    clients["owner_a"].post(f"/documents/{document.pk}/discard/")
    assert not _exists(world, document.pk)


def test_the_api_refuses_the_leader_too(world, clients):
    document = _draft(world, code="QT.XOA.03")
    assert clients["leader_a"].delete(f"/api/v1/documents/{document.pk}/").status_code == 403
    assert _exists(world, document.pk)
