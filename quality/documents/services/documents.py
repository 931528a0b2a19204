"""The life cycle of a controlled document.

    draft --submit--> under review --review--> (reviewed) --approve--> issued
      ^                  |                                                |
      +---send back------+                  new issued revision -> superseded
                                            withdraw              -> withdrawn

A change request (phiếu yêu cầu sửa đổi), once accepted, opens the next draft revision.
Issuing a revision supersedes the previous one in the same transaction. Nothing issued is
ever deleted; every step writes the audit trail in its transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from quality.core.events import event_announce
from quality.core.models import AgencySettings
from quality.core.permissions import can
from quality.core.services import audit_record, changes_between
from quality.core.signatures.services import SigningSecrets, records_signature_failures
from quality.documents import decisions
from quality.documents.models import (
    ChangeRequest,
    ChangeRequestStatus,
    DocType,
    Document,
    DocumentStatus,
    LegalStatus,
    ReviewNote,
    Revision,
    RevisionFile,
    RevisionStatus,
    _safe_date,
)
from quality.documents.models import ReviewNote as Note
from quality.documents.services.codes import code_validate
from quality.documents.services.distribution import distribution_carry_over
from quality.documents.services.files import revision_files_copy
from quality.documents.services.search import document_reindex

MSG_TITLE_REQUIRED = gettext_noop("Cần nhập tên tài liệu.")
MSG_NOT_EDITABLE = gettext_noop(
    "Chỉ sửa được bản dự thảo. Bản này đang ở trạng thái “%(status)s”; hãy lập phiếu yêu cầu "
    "sửa đổi để có bản mới."
)
MSG_NOT_DRAFT = gettext_noop("Chỉ gửi xem xét được bản dự thảo.")
MSG_NOT_UNDER_REVIEW = gettext_noop("Bản này không ở trạng thái đang xem xét.")
MSG_NOT_REVIEWED = gettext_noop(
    "Bản này chưa được kiểm tra; cần ý kiến của người xem xét trước khi phê duyệt."
)
MSG_REVIEWER_CANNOT = gettext_noop("Người được chọn không có quyền xem xét tài liệu.")
MSG_NOT_YOUR_REVIEW = gettext_noop("Bạn không phải người được giao xem xét bản này.")
MSG_SELF_REVIEW = gettext_noop("Cơ quan không cho phép tự kiểm tra bản dự thảo của mình.")
MSG_SELF_APPROVAL = gettext_noop("Cơ quan không cho phép tự phê duyệt bản dự thảo của mình.")
MSG_COMMENT_REQUIRED = gettext_noop("Cần ghi ý kiến khi trả lại bản dự thảo.")
MSG_NOT_IN_FORCE = gettext_noop("Tài liệu này không đang hiệu lực.")
MSG_OPEN_DRAFT = gettext_noop("Tài liệu đang có một bản dự thảo chưa ban hành (bản %(number)s).")
MSG_REQUEST_CLOSED = gettext_noop("Phiếu yêu cầu này đã được xử lý.")
MSG_REASON_REQUIRED = gettext_noop("Cần nêu lý do.")
MSG_ISSUED_NOT_DELETABLE = gettext_noop(
    "Tài liệu đã ban hành không bao giờ bị xoá; hãy thu hồi nếu không còn dùng."
)
MSG_EFFECTIVE_TOO_EARLY = gettext_noop("Ngày hiệu lực không được trước ngày ban hành lần trước.")
MSG_EXTERNAL_ONLY = gettext_noop("Chỉ tài liệu bên ngoài có các thông tin văn bản pháp luật.")
MSG_REPLACED_BY_REQUIRED = gettext_noop("Cần chọn văn bản thay thế.")
MSG_NO_CONTENT = gettext_noop(
    "Bản dự thảo chưa có nội dung: hãy tải tệp tài liệu lên hoặc nhập nội dung trước khi gửi "
    "xem xét, phê duyệt hay ban hành."
)

REVISION_FIELDS = (
    "title",
    "body",
    "change_summary",
    "change_location",
    "change_reason",
    "effective_on",
)


def _require(actor, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(capability)


def _snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _settings() -> AgencySettings:
    return AgencySettings.load()


def _touch(document: Document, **fields) -> None:
    for name, value in fields.items():
        setattr(document, name, value)
    document.updated_at = timezone.now()
    document.save(update_fields=[*fields, "updated_at"])


# --------------------------------------------------------------------------- create and edit


@transaction.atomic
def document_create(
    *,
    actor,
    doc_type: str,
    code: str,
    title: str,
    unit=None,
    body: str = "",
    review_months: int | None = None,
    legal: dict | None = None,
    pack_key: str = "",
) -> Document:
    """A new document with its first draft revision (external documents are registered in force)."""
    external = doc_type == DocType.EXTERNAL
    _require(actor, "documents.manage" if external else "documents.draft")
    code = code_validate(doc_type=doc_type, code=code)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _(MSG_TITLE_REQUIRED)})
    if legal and not external:
        raise ValidationError({"legal_number": _(MSG_EXTERNAL_ONLY)})
    document = Document.objects.create(
        doc_type=doc_type,
        code=code,
        title=title,
        unit=unit,
        created_by=actor,
        review_months=review_months or _settings().document_review_months,
        pack_key=pack_key,
        **_legal_fields(legal or {}, external),
    )
    revision = Revision.objects.create(
        document=document, number=1, title=title, body=body, drafted_by=actor
    )
    _touch(document, latest_revision=revision)
    audit_record(
        actor=actor,
        action="create",
        subject=document,
        changes={"code": code, "title": title, "doc_type": doc_type},
    )
    if external:
        _register_external(actor=actor, document=document, revision=revision)
    document_reindex(document_id=document.pk)
    return document


def _legal_fields(legal: dict, external: bool) -> dict:
    if not external:
        return {}
    allowed = ("legal_number", "issuer", "signed_on", "legal_effective_on")
    fields = {k: legal.get(k) for k in allowed if legal.get(k) not in (None, "")}
    fields["legal_status"] = LegalStatus.IN_FORCE
    return fields


def _register_external(*, actor, document: Document, revision: Revision) -> None:
    """External documents are not approved here: registering one puts it in force."""
    now = timezone.now()
    revision.status, revision.issue_number = RevisionStatus.ISSUED, 1
    revision.approved_by, revision.approved_at = actor, now
    revision.reviewed_by, revision.reviewed_at = actor, now
    revision.effective_on = document.legal_effective_on or timezone.localdate()
    revision.save()
    _touch(document, status=DocumentStatus.IN_FORCE, current_revision=revision)
    audit_record(actor=actor, action="register", subject=revision, parent=document)


@transaction.atomic
def document_update(*, actor, document: Document, **fields) -> Document:
    """Metadata that lives outside revisions: owning unit, review cycle, legal details."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    allowed = {"unit", "review_months"}
    if document.is_external:
        allowed |= {"legal_number", "issuer", "signed_on", "legal_effective_on", "title"}
    _require(actor, "documents.manage" if document.is_external else "documents.draft")
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: _(MSG_EXTERNAL_ONLY) for name in unknown})
    before = _snapshot(document, fields)
    _touch(document, **fields)
    if "review_months" in fields and document.current_revision_id:
        effective = document.current_revision.effective_on or timezone.localdate()
        _touch(document, next_review_on=add_months(effective, document.review_months))
    audit_record(
        actor=actor,
        action="edit",
        subject=document,
        changes=changes_between(before, _snapshot(document, fields)),
    )
    document_reindex(document_id=document.pk)
    return document


@transaction.atomic
def external_status_set(
    *, actor, document: Document, status: str, replaced_by: Document | None = None
) -> Document:
    _require(actor, "documents.manage")
    document = Document.objects.select_for_update().get(pk=document.pk)
    if not document.is_external:
        raise ValidationError(_(MSG_EXTERNAL_ONLY))
    if status == LegalStatus.REPLACED and replaced_by is None:
        raise ValidationError({"replaced_by": _(MSG_REPLACED_BY_REQUIRED)})
    before = document.legal_status
    _touch(
        document,
        legal_status=status,
        replaced_by=replaced_by if status == LegalStatus.REPLACED else None,
    )
    audit_record(
        actor=actor,
        action="legal_status",
        subject=document,
        changes={
            "legal_status": [before, status],
            "replaced_by": str(replaced_by) if replaced_by else None,
        },
    )
    return document


@transaction.atomic
def revision_update(*, actor, revision: Revision, **fields) -> Revision:
    revision = Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)
    _require(actor, "documents.draft")
    if not revision.is_editable:
        raise ValidationError(_(MSG_NOT_EDITABLE) % {"status": revision.get_status_display()})
    unknown = set(fields) - set(REVISION_FIELDS)
    if unknown:
        raise ValueError(f"not revision fields: {sorted(unknown)}")
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": _(MSG_TITLE_REQUIRED)})
    before = _snapshot(revision, fields)
    for name, value in fields.items():
        setattr(revision, name, value.strip() if isinstance(value, str) else value)
    revision.save(update_fields=list(fields))
    if revision.document.status == DocumentStatus.DRAFT and "title" in fields:
        _touch(revision.document, title=revision.title)
    audit_record(
        actor=actor,
        action="edit",
        subject=revision,
        parent=revision.document,
        changes=changes_between(before, _snapshot(revision, fields)),
    )
    document_reindex(document_id=revision.document_id)
    return revision


# --------------------------------------------------------------------------- review and approval


@transaction.atomic
def revision_submit(*, actor, revision: Revision, reviewer=None) -> Revision:
    revision = _locked(revision)
    _require(actor, "documents.draft")
    if revision.status != RevisionStatus.DRAFT:
        raise ValidationError(_(MSG_NOT_DRAFT))
    if reviewer is not None and not can(reviewer, "documents.review"):
        raise ValidationError({"reviewer": _(MSG_REVIEWER_CANNOT)})
    _require_content(revision)
    revision.status, revision.submitted_at, revision.reviewer = (
        RevisionStatus.UNDER_REVIEW,
        timezone.now(),
        reviewer,
    )
    revision.reviewed_by = revision.reviewed_at = None
    revision.save(
        update_fields=["status", "submitted_at", "reviewer", "reviewed_by", "reviewed_at"]
    )
    audit_record(
        actor=actor,
        action="submit",
        subject=revision,
        parent=revision.document,
        changes={"reviewer": str(reviewer) if reviewer else None},
    )
    return revision


@transaction.atomic
def revision_review(*, actor, revision: Revision, note: str = "") -> Revision:
    """The reviewer's signature (kiểm tra): the draft may now be approved."""
    revision = _locked(revision)
    _check_reviewer(actor, revision)
    if revision.drafted_by_id == actor.pk and not _settings().allow_self_approval:
        raise ValidationError(_(MSG_SELF_REVIEW), code="self_review")
    revision.reviewed_by, revision.reviewed_at = actor, timezone.now()
    revision.save(update_fields=["reviewed_by", "reviewed_at"])
    if note.strip():
        ReviewNote.objects.create(revision=revision, author=actor, text=note.strip())
    audit_record(
        actor=actor,
        action="review",
        subject=revision,
        parent=revision.document,
        changes={"note": note.strip()} if note.strip() else None,
    )
    return revision


def revision_may_review(actor, revision: Revision) -> bool:
    """Whether `revision_review` would accept this person (the page offers it only then)."""
    try:
        _check_reviewer(actor, revision)
    except (PermissionDenied, ValidationError):
        return False
    return revision.drafted_by_id != actor.pk or _settings().allow_self_approval


def _check_reviewer(actor, revision: Revision) -> None:
    if revision.status != RevisionStatus.UNDER_REVIEW:
        raise ValidationError(_(MSG_NOT_UNDER_REVIEW))
    if (
        revision.reviewer_id
        and revision.reviewer_id != actor.pk
        and not can(actor, "documents.approve")
    ):
        raise PermissionDenied(_(MSG_NOT_YOUR_REVIEW))
    if not (can(actor, "documents.review") or can(actor, "documents.approve")):
        raise PermissionDenied("documents.review")


@transaction.atomic
def revision_send_back(*, actor, revision: Revision, comment: str) -> Revision:
    revision = _locked(revision)
    _check_reviewer(actor, revision)
    if not (comment or "").strip():
        raise ValidationError({"comment": _(MSG_COMMENT_REQUIRED)})
    revision.status = RevisionStatus.DRAFT
    revision.reviewed_by = revision.reviewed_at = revision.submitted_at = None
    revision.save(update_fields=["status", "reviewed_by", "reviewed_at", "submitted_at"])
    ReviewNote.objects.create(revision=revision, author=actor, text=comment.strip(), sent_back=True)
    audit_record(
        actor=actor,
        action="send_back",
        subject=revision,
        parent=revision.document,
        changes={"comment": comment.strip()},
    )
    return revision


@records_signature_failures
@transaction.atomic
def revision_approve(
    *,
    actor,
    revision: Revision,
    effective_on: datetime.date | None = None,
    signing: SigningSecrets | None = None,
) -> Revision:
    """Approve and issue; the previous issued revision is superseded in this transaction.
    The issue decision is signed by `actor` (and the agency) when `actor` has a signing
    credential: a signature that fails leaves the revision unissued and its number unused."""
    revision = _locked(revision)
    _require(actor, "documents.approve")
    if revision.status != RevisionStatus.UNDER_REVIEW:
        raise ValidationError(_(MSG_NOT_UNDER_REVIEW))
    if revision.reviewed_by_id is None:
        raise ValidationError(_(MSG_NOT_REVIEWED))
    if revision.drafted_by_id == actor.pk and not _settings().allow_self_approval:
        raise ValidationError(_(MSG_SELF_APPROVAL), code="self_approval")
    _require_content(revision)
    document = Document.objects.select_for_update().get(pk=revision.document_id)
    previous = document.current_revision
    effective_on = effective_on or revision.effective_on or timezone.localdate()
    if previous and previous.effective_on and effective_on < previous.effective_on:
        raise ValidationError({"effective_on": _(MSG_EFFECTIVE_TOO_EARLY)})
    now = timezone.now()
    if previous is not None:
        previous.status, previous.ended_at, previous.superseded_by = (
            RevisionStatus.SUPERSEDED,
            now,
            revision,
        )
        previous.save(update_fields=["status", "ended_at", "superseded_by"])
        audit_record(
            actor=actor,
            action="supersede",
            subject=previous,
            parent=document,
            changes={"superseded_by": str(revision)},
        )
    issue_number = (document.revisions.aggregate(n=Max("issue_number"))["n"] or 0) + 1
    revision.status, revision.issue_number = RevisionStatus.ISSUED, issue_number
    revision.approved_by, revision.approved_at, revision.effective_on = actor, now, effective_on
    revision.save(
        update_fields=["status", "issue_number", "approved_by", "approved_at", "effective_on"]
    )
    _touch(
        document,
        status=DocumentStatus.IN_FORCE,
        current_revision=revision,
        title=revision.title,
        withdrawn_at=None,
        next_review_on=add_months(effective_on, document.review_months),
    )
    changes = {"issue_number": issue_number, "effective_on": effective_on}
    if not document.is_external:  # an external text is the other body's, not this agency's
        changes["decision"] = decisions.decision_number_issue(revision=revision)
    audit_record(
        actor=actor, action="approve_issue", subject=revision, parent=document, changes=changes
    )
    if not document.is_external:
        decisions.decision_sign_issue(actor=actor, revision=revision, signing=signing)
    if previous is not None:
        distribution_carry_over(actor=actor, source=previous, target=revision)
    document_reindex(document_id=document.pk)
    _announce("document.issued", document, revision, effective_on=effective_on.isoformat())
    return revision


def _announce(type_: str, document: Document, revision: Revision, **extra) -> None:
    event_announce(
        type=type_,
        subject=f"document:{document.pk}",
        data={
            "document": {
                "id": document.pk,
                "code": document.code,
                "title": document.title,
                "doc_type": document.doc_type,
            },
            "revision": {
                "id": revision.pk,
                "number": revision.number,
                "issue_number": revision.issue_number,
            },
            **extra,
            "url": f"/documents/{document.pk}/",
        },
    )


def _require_content(revision: Revision) -> None:
    """A revision is the document: one with neither a file nor a body has nothing to issue."""
    if not revision.body.strip() and not revision.files.exists():
        raise ValidationError(_(MSG_NO_CONTENT), code="no_content")


def _locked(revision: Revision) -> Revision:
    return Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)


# --------------------------------------------------------------------------- change and end of life


@transaction.atomic
def change_request_create(
    *, actor, document: Document, reason: str, proposal: str = ""
) -> ChangeRequest:
    _require(actor, "documents.draft")
    document = Document.objects.get(pk=document.pk)
    if document.status != DocumentStatus.IN_FORCE:
        raise ValidationError(_(MSG_NOT_IN_FORCE))
    if not (reason or "").strip():
        raise ValidationError({"reason": _(MSG_REASON_REQUIRED)})
    request = ChangeRequest.objects.create(
        document=document, requested_by=actor, reason=reason.strip(), proposal=proposal.strip()
    )
    audit_record(
        actor=actor,
        action="change_request",
        subject=request,
        parent=document,
        changes={"reason": reason.strip(), "proposal": proposal.strip()},
    )
    return request


def change_request_accept(
    *, actor, request: ChangeRequest, note: str = "", drafter=None
) -> Revision:
    """Accept the request and open the next draft, starting from the revision in force:
    its title, body and copies of its files (the author replaces or edits them; the files
    of the revision in force stay as they are).

    The draft is assigned to `drafter`, by default the person who asked for the change
    (when they may draft), otherwise to the person accepting.
    """
    written: list[str] = []
    try:
        return _change_request_accept(
            actor=actor, request=request, note=note, drafter=drafter, written=written
        )
    except BaseException:
        # Copies are written inside the transaction; a rollback must not leave them behind.
        _delete_files(written)
        raise


@transaction.atomic
def _change_request_accept(*, actor, request, note, drafter, written: list[str]) -> Revision:
    _require(actor, "documents.review")
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ChangeRequestStatus.OPEN:
        raise ValidationError(_(MSG_REQUEST_CLOSED))
    document = Document.objects.select_for_update().get(pk=request.document_id)
    if document.status != DocumentStatus.IN_FORCE:
        raise ValidationError(_(MSG_NOT_IN_FORCE))
    _refuse_second_draft(document)
    base = document.current_revision
    number = (document.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = Revision.objects.create(
        document=document,
        number=number,
        title=base.title,
        body=base.body,
        change_summary=request.proposal,
        change_reason=request.reason,
        drafted_by=drafter
        or (request.requested_by if can(request.requested_by, "documents.draft") else actor),
        change_request=request,
    )
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        ChangeRequestStatus.ACCEPTED,
        actor,
        timezone.now(),
        note.strip(),
    )
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _touch(document, latest_revision=revision)
    copied = revision_files_copy(source=base, target=revision, written=written)
    audit_record(
        actor=actor,
        action="change_request_accept",
        subject=request,
        parent=document,
        changes={"new_revision": number},
    )
    audit_record(
        actor=actor,
        action="create",
        subject=revision,
        parent=document,
        changes={"files_copied": copied} if copied else None,
    )
    document_reindex(document_id=document.pk)
    return revision


def _refuse_second_draft(document: Document) -> None:
    open_draft = document.revisions.filter(
        status__in=[RevisionStatus.DRAFT, RevisionStatus.UNDER_REVIEW]
    ).first()
    if open_draft is not None:
        raise ValidationError(_(MSG_OPEN_DRAFT) % {"number": open_draft.number})


@transaction.atomic
def change_request_reject(*, actor, request: ChangeRequest, note: str) -> ChangeRequest:
    _require(actor, "documents.review")
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ChangeRequestStatus.OPEN:
        raise ValidationError(_(MSG_REQUEST_CLOSED))
    if not (note or "").strip():
        raise ValidationError({"note": _(MSG_REASON_REQUIRED)})
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        ChangeRequestStatus.REJECTED,
        actor,
        timezone.now(),
        note.strip(),
    )
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="change_request_reject",
        subject=request,
        parent=request.document,
        changes={"note": note.strip()},
    )
    return request


@transaction.atomic
def revision_cancel(*, actor, revision: Revision, reason: str) -> Revision:
    """Abandon a draft of an issued document (the issued revision stays in force)."""
    revision = _locked(revision)
    _require(actor, "documents.review")
    if revision.status not in (RevisionStatus.DRAFT, RevisionStatus.UNDER_REVIEW):
        raise ValidationError(_(MSG_NOT_EDITABLE) % {"status": revision.get_status_display()})
    if not (reason or "").strip():
        raise ValidationError({"reason": _(MSG_REASON_REQUIRED)})
    revision.status, revision.ended_at = RevisionStatus.CANCELLED, timezone.now()
    revision.save(update_fields=["status", "ended_at"])
    document = revision.document
    if document.latest_revision_id == revision.pk and document.current_revision_id:
        _touch(document, latest_revision=document.current_revision)
    audit_record(
        actor=actor,
        action="cancel",
        subject=revision,
        parent=document,
        changes={"reason": reason.strip()},
    )
    return revision


@records_signature_failures
@transaction.atomic
def document_withdraw(
    *, actor, document: Document, reason: str, signing: SigningSecrets | None = None
) -> Document:
    """Take an issued document out of force. It stays readable, marked "hết hiệu lực". The
    withdrawal decision is signed as the issue decision is (revision_approve)."""
    _require(actor, "documents.approve")
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.IN_FORCE or document.is_external:
        raise ValidationError(_(MSG_NOT_IN_FORCE))
    if not (reason or "").strip():
        raise ValidationError({"reason": _(MSG_REASON_REQUIRED)})
    now = timezone.now()
    current = document.current_revision
    current.status, current.ended_at = RevisionStatus.WITHDRAWN, now
    current.save(update_fields=["status", "ended_at"])
    document.revisions.filter(
        status__in=[RevisionStatus.DRAFT, RevisionStatus.UNDER_REVIEW]
    ).update(status=RevisionStatus.CANCELLED, ended_at=now)
    _touch(document, status=DocumentStatus.WITHDRAWN, withdrawn_at=now, next_review_on=None)
    audit_record(
        actor=actor,
        action="withdraw",
        subject=document,
        changes={
            "reason": reason.strip(),
            "revision": current.number,
            "decision": decisions.decision_number_withdrawal(document=document),
        },
    )
    decisions.decision_sign_withdrawal(actor=actor, document=document, signing=signing)
    _announce("document.withdrawn", document, current, reason=reason.strip())
    return document


def document_may_discard(user, document: Document) -> bool:
    """Who may delete a never-issued document: document control, or the one who wrote it."""
    if can(user, "documents.delete"):
        return True
    return document.created_by_id == user.pk and can(user, "documents.draft")


@transaction.atomic
def document_discard(*, actor, document: Document) -> None:
    """Delete a document that was never issued (drafts only). Issued ones are never deleted."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if not document_may_discard(actor, document):
        raise PermissionDenied("documents.delete")
    if document.revisions.exclude(
        status__in=[RevisionStatus.DRAFT, RevisionStatus.UNDER_REVIEW, RevisionStatus.CANCELLED]
    ).exists():
        raise ValidationError(_(MSG_ISSUED_NOT_DELETABLE))
    audit_record(
        actor=actor,
        action="discard",
        subject=document,
        changes={"code": document.code, "title": document.title},
    )

    paths = list(
        RevisionFile.objects.filter(revision__document=document).values_list("file", flat=True)
    )
    RevisionFile.objects.filter(revision__document=document).delete()
    Note.objects.filter(revision__document=document).delete()
    Document.objects.filter(pk=document.pk).update(latest_revision=None, current_revision=None)
    document.revisions.all().delete()
    Document.objects.filter(pk=document.pk).delete()
    transaction.on_commit(lambda: _delete_files(paths))


def _delete_files(paths) -> None:
    from django.core.files.storage import default_storage

    for path in paths:
        default_storage.delete(path)


def add_months(day: datetime.date, months: int) -> datetime.date:

    year, month = divmod(day.month - 1 + months, 12)
    return _safe_date(day.year + year, month + 1, day.day)
