"""Gap assessment towards a newer edition of ISO 9001, and its answers with evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from quality.core.editions import agency_edition, catalogue, latest_edition
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.services.files import upload_check
from quality.transition.models import Assessment, GapEvidence, GapQuestion, GapStatus

MSG_SAME_EDITION = gettext_noop("Cơ quan đang theo %(edition)s: không có gì để chuyển đổi.")
MSG_NO_PATH = gettext_noop("Không có đường chuyển đổi từ %(start)s sang %(end)s trong danh mục.")
MSG_UNKNOWN = gettext_noop("Không có phiên bản tiêu chuẩn “%(code)s” trong danh mục.")
MSG_EXISTS = gettext_noop("Đã có đánh giá khoảng cách sang %(edition)s.")
MSG_DEADLINE = gettext_noop("Cần hạn hoàn thành chuyển đổi, không trước hôm nay.")
MSG_STATUS = gettext_noop("Hãy chọn kết quả đánh giá.")
MSG_ANSWER = gettext_noop("Cần nhận xét: đáp ứng thế nào, hoặc còn thiếu gì.")
MSG_TOO_MANY_FILES = gettext_noop("Tối đa %(n)s tệp mỗi lần.")
MAX_FILES = 10


def _require(actor) -> None:
    if not can(actor, "transition.manage"):
        raise PermissionDenied("transition.manage")


@transaction.atomic
def assessment_start(
    *, actor, target: str | None = None, deadline: dt.date | None = None
) -> Assessment:
    """One question per change on the way from the agency's edition to `target` (the newest
    edition when None); the deadline defaults to the end of the target's transition."""
    _require(actor)
    editions = catalogue()
    if target is not None and target not in editions:
        raise ValidationError({"target": _(MSG_UNKNOWN) % {"code": target[:30]}})
    end = editions[target] if target else latest_edition()
    start = agency_edition()
    if start.code == end.code:
        raise ValidationError({"target": _(MSG_SAME_EDITION) % {"edition": start.name}})
    changes = editions.changes_between(start.code, end.code)
    if not changes:
        raise ValidationError({"target": _(MSG_NO_PATH) % {"start": start.name, "end": end.name}})
    deadline = deadline or end.transition_ends
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": _(MSG_DEADLINE)})
    if Assessment.objects.select_for_update().filter(target_edition=end.code).exists():
        raise ValidationError({"target": _(MSG_EXISTS) % {"edition": end.name}})
    assessment = Assessment.objects.create(
        from_edition=start.code, target_edition=end.code, deadline=deadline, created_by=actor
    )
    GapQuestion.objects.bulk_create(
        GapQuestion(
            assessment=assessment,
            edition=edition.code,
            change_key=change.key[:120],
            kind=change.kind,
            clauses=", ".join(change.targets or change.sources)[:100],
            summary=change.summary,
            question=change.question or change.summary,
        )
        for edition, change in changes
        if change.kind != "same"
    )
    audit_record(
        actor=actor,
        action="create",
        subject=assessment,
        changes={"from": start.code, "to": end.code, "questions": len(changes)},
    )
    return assessment


def question_answer(
    *, actor, question: GapQuestion, status: str, answer: str, files: Sequence = ()
) -> GapQuestion:
    """Record the finding on one question, with evidence files checked as every upload is
    (type by content, the agency's size limit, the plan's storage). Files written before a
    failure are removed again, so storage and database agree."""
    _require(actor)
    if status not in GapStatus.values or status == GapStatus.OPEN:
        raise ValidationError({"status": _(MSG_STATUS)})
    if not (answer or "").strip():
        raise ValidationError({"answer": _(MSG_ANSWER)})
    if len(files) > MAX_FILES:
        raise ValidationError({"files": _(MSG_TOO_MANY_FILES) % {"n": MAX_FILES}})
    checked = [(upload, *upload_check(upload)) for upload in files]
    written: list[GapEvidence] = []
    try:
        with transaction.atomic():
            return _answer(actor, question, status, answer.strip(), checked, written)
    except BaseException:
        for record in written:
            record.file.storage.delete(record.file.name)
        raise


def _answer(actor, question, status, answer, checked, written) -> GapQuestion:
    question = GapQuestion.objects.select_for_update().get(pk=question.pk)
    before = {"status": question.status, "answer": question.answer}
    question.status, question.answer = status, answer
    question.answered_by, question.answered_at = actor, timezone.now()
    question.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    for upload, name, content_type, digest in checked:
        record = GapEvidence(
            question=question,
            name=name,
            content_type=content_type,
            size=upload.size,
            sha256=digest,
            uploaded_by=actor,
        )
        storage = record.file.storage
        target = storage.get_available_name(
            record.file.field.generate_filename(record, name), max_length=500
        )
        record.file.name = target
        written.append(record)
        upload.seek(0)
        record.file.name = storage.save(target, upload, max_length=500)
        record.save()
    changes = {"status": [before["status"], status], "answer": answer}
    if written:
        changes["files"] = ", ".join(r.name for r in written)
    audit_record(
        actor=actor,
        action="gap_answer",
        subject=question,
        parent=question.assessment,
        changes=changes,
    )
    return question
