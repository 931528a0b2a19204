"""Document life cycle: draft -> review -> approve and issue -> superseded / withdrawn."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from quality.core.models import AgencySettings, AuditEvent
from quality.documents.models import Document, Revision
from quality.documents.services import codes
from quality.documents.services import documents as svc


def actions(document):
    from quality.documents.selectors import document_audit_trail

    return list(document_audit_trail(document).order_by("id").values_list("action", flat=True))


def test_a_document_goes_from_draft_to_issued(flow):
    w = flow.w
    document = flow.draft()
    revision = document.latest_revision
    assert (document.status, revision.status, revision.number) == ("draft", "draft", 1)
    svc.revision_submit(actor=w.member_a, revision=revision, reviewer=w.owner_a)
    svc.revision_review(actor=w.owner_a, revision=revision, note="Đạt yêu cầu")
    issued = svc.revision_approve(actor=w.leader_a, revision=revision)
    document.refresh_from_db()
    assert issued.status == "issued" and issued.issue_number == 1
    assert document.status == "in_force" and document.current_revision == issued
    assert issued.approved_by == w.leader_a and issued.reviewed_by == w.owner_a
    assert document.next_review_on.year == issued.effective_on.year + 1
    assert actions(document) == ["create", "submit", "review", "approve_issue"]


def test_issuing_revision_two_supersedes_revision_one_in_the_same_transaction(flow):
    document = flow.issued()
    first = document.current_revision
    second = flow.revise(document)
    assert second.number == 2 and second.status == "draft"
    assert second.body == first.body and second.change_summary == "Bổ sung bước 5"
    flow.issue(second)
    first.refresh_from_db()
    second.refresh_from_db()
    document.refresh_from_db()
    assert first.status == "superseded" and first.superseded_by == second
    assert first.is_out_of_force
    assert document.current_revision == second and second.issue_number == 2
    assert Revision.objects.filter(document=document, status="issued").count() == 1


def test_a_failure_while_issuing_leaves_the_old_revision_in_force(flow, monkeypatch):
    document = flow.issued()
    second = flow.revise(document)
    svc.revision_submit(actor=flow.w.member_a, revision=second)
    svc.revision_review(actor=flow.w.owner_a, revision=second)

    def broken(**kwargs):
        raise RuntimeError("distribution failed")

    monkeypatch.setattr(svc, "distribution_carry_over", broken)
    with pytest.raises(RuntimeError):
        svc.revision_approve(actor=flow.w.leader_a, revision=second)
    first = document.current_revision
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "issued" and second.status == "under_review"


def test_only_the_leader_or_a_delegate_approves(flow):
    from quality.documents.services.delegation import approval_delegate_set

    w = flow.w
    document = flow.draft()
    revision = document.latest_revision
    svc.revision_submit(actor=w.member_a, revision=revision)
    svc.revision_review(actor=w.owner_a, revision=revision)
    for person in (w.member_a, w.owner_a, w.reader_a):
        with pytest.raises(PermissionDenied):
            svc.revision_approve(actor=person, revision=revision)
    approval_delegate_set(actor=w.owner_a, user=w.owner_a, granted=True)
    from iso_platform.accounts.models import User

    delegate = User.objects.get(pk=w.owner_a.pk)  # fresh permission cache
    assert svc.revision_approve(actor=delegate, revision=revision).status == "issued"


def test_self_approval_is_refused_unless_the_agency_allows_it(flow):
    w = flow.w
    document = svc.document_create(
        actor=w.leader_a,
        doc_type="system_procedure",
        code="QT.ISO.77",
        title="Tự soạn",
        body="Nội dung tự soạn",
    )
    revision = document.latest_revision
    svc.revision_submit(actor=w.leader_a, revision=revision)
    svc.revision_review(actor=w.owner_a, revision=revision)
    with pytest.raises(ValidationError) as exc:
        svc.revision_approve(actor=w.leader_a, revision=revision)
    assert exc.value.code == "self_approval"
    assert exc.value.messages == [svc.MSG_SELF_APPROVAL]
    AgencySettings.objects.filter(pk=AgencySettings.load().pk).update(allow_self_approval=True)
    assert svc.revision_approve(actor=w.leader_a, revision=revision).status == "issued"


def test_approval_needs_a_review_first(flow):
    document = flow.draft()
    revision = document.latest_revision
    svc.revision_submit(actor=flow.w.member_a, revision=revision)
    with pytest.raises(ValidationError, match="chưa được kiểm tra"):
        svc.revision_approve(actor=flow.w.leader_a, revision=revision)


def test_sending_back_needs_a_comment_and_returns_to_draft(flow):
    w = flow.w
    revision = flow.draft().latest_revision
    svc.revision_submit(actor=w.member_a, revision=revision)
    with pytest.raises(ValidationError):
        svc.revision_send_back(actor=w.owner_a, revision=revision, comment="  ")
    svc.revision_send_back(actor=w.owner_a, revision=revision, comment="Thiếu bước kiểm tra")
    revision.refresh_from_db()
    assert revision.status == "draft"
    assert revision.notes.get().text == "Thiếu bước kiểm tra"


def test_only_the_assigned_reviewer_reviews(flow):
    w = flow.w
    from iso_platform.accounts.models import User

    other = User.objects.create_user(
        "truongphong@alpha.test", "x" * 12, full_name="TP", role="unit_head"
    )
    revision = flow.draft().latest_revision
    svc.revision_submit(actor=w.member_a, revision=revision, reviewer=w.owner_a)
    with pytest.raises(PermissionDenied):
        svc.revision_review(actor=other, revision=revision)


def test_a_reader_cannot_draft_or_review(flow):
    w = flow.w
    with pytest.raises(PermissionDenied):
        svc.document_create(
            actor=w.reader_a, doc_type="system_procedure", code="QT.ISO.50", title="X"
        )
    revision = flow.draft().latest_revision
    svc.revision_submit(actor=w.member_a, revision=revision)
    with pytest.raises(PermissionDenied):
        svc.revision_review(actor=w.reader_a, revision=revision)


def test_an_issued_revision_cannot_be_edited(flow):
    document = flow.issued()
    before = Revision.objects.get(pk=document.current_revision_id)
    with pytest.raises(ValidationError, match="Chỉ sửa được bản dự thảo"):
        svc.revision_update(actor=flow.w.member_a, revision=before, title="Sửa lén")
    after = Revision.objects.get(pk=before.pk)
    assert after.title == before.title


@pytest.mark.parametrize(
    "code,doc_type",
    [
        ("QT-ISO-01", "system_procedure"),
        ("", "form"),
        ("HD.", "instruction"),
        ("BM.01", "system_procedure"),
    ],
)
def test_codes_must_follow_the_agency_pattern(flow, code, doc_type):
    with pytest.raises(ValidationError) as exc:
        svc.document_create(actor=flow.w.member_a, doc_type=doc_type, code=code, title="X")
    assert "code" in exc.value.message_dict
    assert not Document.objects.filter(code=code).exists()


def test_codes_are_unique_ignoring_case_and_normalised(flow):
    document = flow.draft(code="qt.iso.99")
    assert document.code == "QT.ISO.99"
    with pytest.raises(ValidationError, match="đã được dùng"):
        flow.draft(code="Qt.Iso.99")


def test_the_code_pattern_is_configurable(flow):
    codes.code_rule_set(
        actor=flow.w.owner_a, doc_type="instruction", pattern=r"^HDCV-\d{3}$", example="HDCV-001"
    )
    with pytest.raises(ValidationError):
        svc.document_create(
            actor=flow.w.member_a, doc_type="instruction", code="HD.VP.01", title="X"
        )
    assert (
        svc.document_create(
            actor=flow.w.member_a, doc_type="instruction", code="hdcv-002", title="Hướng dẫn"
        ).code
        == "HDCV-002"
    )
    with pytest.raises(ValidationError, match="không hợp lệ"):
        codes.code_rule_set(actor=flow.w.owner_a, doc_type="form", pattern="(", example="x")


def test_a_change_request_opens_one_draft_at_a_time(flow):
    document = flow.issued()
    flow.revise(document)
    request = svc.change_request_create(actor=flow.w.member_a, document=document, reason="Lần nữa")
    with pytest.raises(ValidationError, match="đang có một bản dự thảo"):
        svc.change_request_accept(actor=flow.w.owner_a, request=request)


def test_a_rejected_change_request_needs_a_reason(flow):
    document = flow.issued()
    request = svc.change_request_create(actor=flow.w.member_a, document=document, reason="R")
    with pytest.raises(ValidationError):
        svc.change_request_reject(actor=flow.w.owner_a, request=request, note="")
    assert (
        svc.change_request_reject(actor=flow.w.owner_a, request=request, note="Không cần").status
        == "rejected"
    )


def test_withdrawn_documents_stay_readable_and_marked(flow):
    document = flow.issued()
    flow.revise(document)
    svc.document_withdraw(actor=flow.w.leader_a, document=document, reason="Không còn áp dụng")
    document.refresh_from_db()
    assert document.status == "withdrawn" and document.is_out_of_force
    assert document.current_revision.status == "withdrawn"
    assert not document.revisions.filter(status__in=["draft", "under_review"]).exists()
    assert Document.objects.filter(pk=document.pk).exists()


def test_nothing_issued_is_ever_deleted(flow):
    document = flow.issued()
    with pytest.raises(ValidationError, match="không bao giờ bị xoá"):
        svc.document_discard(actor=flow.w.owner_a, document=document)
    assert Document.objects.filter(pk=document.pk).exists()
    draft = flow.draft(code="QT.ISO.98")
    svc.document_discard(actor=flow.w.owner_a, document=draft)
    assert not Document.objects.filter(pk=draft.pk).exists()


def test_external_documents_are_registered_in_force_and_can_be_replaced(flow):
    w = flow.w
    old = svc.document_create(
        actor=w.owner_a,
        doc_type="external",
        code="TLBN.01",
        title="Nghị định 61/2018/NĐ-CP về một cửa",
        legal={"legal_number": "61/2018/NĐ-CP", "issuer": "Chính phủ"},
    )
    assert old.status == "in_force" and old.legal_status == "in_force"
    new = svc.document_create(
        actor=w.owner_a,
        doc_type="external",
        code="TLBN.02",
        title="Nghị định 118/2025/NĐ-CP",
        legal={"legal_number": "118/2025/NĐ-CP", "issuer": "Chính phủ"},
    )
    with pytest.raises(ValidationError):
        svc.external_status_set(actor=w.owner_a, document=old, status="replaced")
    svc.external_status_set(actor=w.owner_a, document=old, status="replaced", replaced_by=new)
    old.refresh_from_db()
    assert old.is_out_of_force and old.replaced_by == new
    with pytest.raises(PermissionDenied):
        svc.document_create(actor=w.member_a, doc_type="external", code="TLBN.03", title="X")


def test_the_audit_trail_cannot_be_edited_or_deleted(flow):
    flow.draft()
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "create"


def test_every_step_is_in_the_audit_trail_with_who(flow):
    document = flow.issued()
    second = flow.revise(document)
    svc.revision_update(actor=flow.w.member_a, revision=second, body="Nội dung mới")
    trail = list(AuditEvent.objects.filter(parent_id=str(document.pk)).order_by("id"))
    assert [e.action for e in trail][-4:] == [
        "change_request",
        "change_request_accept",
        "create",
        "edit",
    ]
    assert trail[-1].actor_label.startswith("Thành Viên Alpha")
    assert trail[-1].changes["body"][1] == "Nội dung mới"


def test_the_effective_date_cannot_go_back_before_the_previous_issue(flow):
    import datetime

    document = flow.issued()
    second = flow.revise(document)
    svc.revision_submit(actor=flow.w.member_a, revision=second)
    svc.revision_review(actor=flow.w.owner_a, revision=second)
    with pytest.raises(ValidationError):
        svc.revision_approve(
            actor=flow.w.leader_a, revision=second, effective_on=datetime.date(2000, 1, 1)
        )
