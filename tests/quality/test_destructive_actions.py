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


# --------------------------------------------------------------- the shared confirmation step


def _with_open_draft(world):
    """An issued document with a new draft open (the draft cancel applies to it)."""
    with schema_context(world.agency_a.schema_name):
        document = _draft(world, code="QT.HUY.01")
        revision = document.latest_revision
        svc.revision_submit(actor=world.member_a, revision=revision)
        svc.revision_review(actor=world.owner_a, revision=revision)
        svc.revision_approve(actor=world.leader_a, revision=revision)
        request = svc.change_request_create(
            actor=world.member_a, document=document, reason="Quy định mới", proposal="Bước 5"
        )
        draft = svc.change_request_accept(actor=world.owner_a, request=request)
        return document, draft


def _status(world, revision):
    with schema_context(world.agency_a.schema_name):
        revision.refresh_from_db()
        return revision.status


def test_a_member_is_not_offered_the_draft_cancel_and_is_refused(world, clients):
    document, draft = _with_open_draft(world)
    url = f"/documents/{document.pk}/revisions/{draft.pk}/cancel/"
    member = clients["member_a"]
    assert url not in member.get(f"/documents/{document.pk}/").content.decode()
    assert member.get(url).status_code == 403
    assert member.post(url, {"reason": "Không cần"}).status_code == 403
    assert _status(world, draft) == "draft"


def test_cancelling_a_draft_asks_first_then_cancels(world, clients):
    document, draft = _with_open_draft(world)
    url = f"/documents/{document.pk}/revisions/{draft.pk}/cancel/"
    secretary = clients["owner_a"]
    page = secretary.get(f"/documents/{document.pk}/").content.decode()
    assert f'href="{url}"' in page  # a link to the question, not a one-click form
    assert f'action="{url}"' not in page
    confirm = secretary.get(url)
    text = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Xác nhận huỷ bản dự thảo" in text and "QT.HUY.01" in text and 'name="reason"' in text
    assert _status(world, draft) == "draft"  # the question changes nothing
    done = secretary.post(url, {"reason": "Không cần sửa nữa"})
    assert done.status_code == 302
    assert _status(world, draft) == "cancelled"


def test_withdrawing_and_rejecting_ask_first(world, clients):
    document, draft = _with_open_draft(world)
    with schema_context(world.agency_a.schema_name):
        open_request = svc.change_request_create(
            actor=world.member_a, document=document, reason="Khác", proposal=""
        )
    reject = f"/documents/{document.pk}/change-requests/{open_request.pk}/reject/"
    withdraw = f"/documents/{document.pk}/withdraw/"
    assert "Xác nhận không chấp nhận" in clients["owner_a"].get(reject).content.decode()
    assert "Xác nhận thu hồi" in clients["leader_a"].get(withdraw).content.decode()
    assert clients["member_a"].get(reject).status_code == 403
    assert clients["owner_a"].get(withdraw).status_code == 403  # approving is the leader's
    with schema_context(world.agency_a.schema_name):
        open_request.refresh_from_db()
        document.refresh_from_db()
        assert open_request.status == "open" and document.status == "in_force"


def test_revoking_an_integration_key_asks_first(world, clients):
    from integrations.models import ApiKey
    from integrations.services import keys

    with schema_context(world.agency_a.schema_name):
        key, _secret = keys.api_key_create(actor=world.owner_a, name="Một cửa")
    url = f"/integrations/keys/{key.pk}/revoke/"
    member = clients["member_a"]
    assert member.get("/integrations/").status_code == 403  # the button's page is refused
    assert member.get(url).status_code == 403
    assert member.post(url).status_code == 403
    secretary = clients["owner_a"]
    page = secretary.get("/integrations/").content.decode()
    assert f'href="{url}"' in page and f'action="{url}"' not in page
    confirm = secretary.get(url).content.decode()
    assert "Xác nhận thu hồi khoá" in confirm and key.key_id in confirm
    with schema_context(world.agency_a.schema_name):
        assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert secretary.post(url).status_code == 302
    with schema_context(world.agency_a.schema_name):
        assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_removing_an_approval_delegate_asks_first(world, clients):
    from quality.documents.services import delegation

    with schema_context(world.agency_a.schema_name):
        delegation.approval_delegate_set(actor=world.owner_a, user=world.member_a, granted=True)
    url = f"/documents/settings/delegates/{world.member_a.pk}/revoke/"
    assert clients["member_a"].get(url).status_code == 403
    assert clients["member_a"].post(url).status_code == 403
    secretary = clients["owner_a"]
    assert f'href="{url}"' in secretary.get("/documents/settings/").content.decode()
    assert "Xác nhận thu hồi uỷ quyền" in secretary.get(url).content.decode()
    with schema_context(world.agency_a.schema_name):
        assert world.member_a.pk in [p.pk for p in delegation.approval_delegates()]
    assert secretary.post(url).status_code == 302
    with schema_context(world.agency_a.schema_name):
        assert world.member_a.pk not in [p.pk for p in delegation.approval_delegates()]


# --------------------------------------------------------------- small things seen in use


def test_the_author_is_not_offered_to_check_her_own_draft(world, clients):
    with schema_context(world.agency_a.schema_name):
        document = svc.document_create(
            actor=world.owner_a,
            doc_type="system_procedure",
            code="QT.KT.01",
            title="Tự soạn",
            body="Nội dung",
        )
        svc.revision_submit(actor=world.owner_a, revision=document.latest_revision)
    check = "Đã kiểm tra, trình phê duyệt"
    assert check not in clients["owner_a"].get(f"/documents/{document.pk}/").content.decode()
    assert check in clients["leader_a"].get(f"/documents/{document.pk}/").content.decode()


def test_the_revision_table_header_does_not_break_inside_a_word(world, clients):
    document = _draft(world, code="QT.BH.01")
    page = clients["member_a"].get(f"/documents/{document.pk}/").content.decode()
    assert '<th class="text-nowrap">Lần BH</th>' in page
