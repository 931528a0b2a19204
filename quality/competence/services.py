"""Writes of competence and awareness: required competences, training sessions with their
attendance and evaluation, qualifications, awareness campaigns and quiz answers.

Each write is one transaction with its audit-trail row; a refusal stores nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.accounts.models import User
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.models import Document, DocumentStatus, RevisionStatus
from quality.documents.services.distribution import revision_distribute

from .models import (
    Answer,
    Attempt,
    Attendance,
    AwarenessMethod,
    Campaign,
    Choice,
    Competence,
    Qualification,
    Question,
    Result,
    TrainingSession,
)

MSG_TITLE = gettext_noop("Cần nhập nội dung.")
MSG_HOURS = gettext_noop("Số giờ đào tạo phải lớn hơn 0.")
MSG_NOT_STAFF = gettext_noop(
    "Có người không phải cán bộ đang làm việc của cơ quan: chỉ ghi nhận người trong danh sách."
)
MSG_NO_ATTENDEES = gettext_noop("Cần chọn ít nhất một người tham dự.")
MSG_ALREADY = gettext_noop("%(names)s đã có trong danh sách tham dự.")
MSG_EVALUATED_EARLY = gettext_noop(
    "Ngày đánh giá hiệu quả không được trước ngày đào tạo (%(day)s)."
)
MSG_EVALUATED_FUTURE = gettext_noop("Ngày đánh giá hiệu quả không được sau hôm nay.")
MSG_NOT_HELD = gettext_noop("Khoá đào tạo chưa diễn ra: chưa đánh giá được hiệu quả.")
MSG_NO_RESULTS = gettext_noop("Khoá đào tạo chưa có người tham dự để đánh giá.")
MSG_RESULT_UNKNOWN = gettext_noop("Kết quả đánh giá có người không tham dự khoá này.")
MSG_EXPIRY = gettext_noop("Ngày hết hạn phải sau ngày cấp.")
MSG_NO_QUESTIONS = gettext_noop("Bài trắc nghiệm phải có ít nhất một câu hỏi.")
MSG_QUESTION = gettext_noop(
    "Câu hỏi %(n)s cần nội dung, ít nhất hai phương án và đúng một phương án đúng."
)
MSG_PASS_MARK = gettext_noop("Điểm đạt phải từ 1 đến 100%.")
MSG_NEEDS_DOCUMENT = gettext_noop(
    "Hình thức “đọc và xác nhận” cần một tài liệu đang hiệu lực để phân phối."
)
MSG_CLOSED = gettext_noop("Đợt này đã đóng.")
MSG_NOT_QUIZ = gettext_noop("Đợt này ghi nhận bằng đọc và xác nhận tài liệu, không có câu hỏi.")
MSG_UNANSWERED = gettext_noop("Cần trả lời tất cả các câu hỏi.")


def _require(actor) -> None:
    if not can(actor, "competence.manage"):
        raise PermissionDenied("competence.manage")


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _(MSG_TITLE)})
    return value


def staff_members(user_ids) -> list[User]:
    """The active people of this agency with these ids, or a refusal naming the problem."""
    ids = {int(pk) for pk in user_ids}
    people = list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name"))
    if len(people) != len(ids):
        raise ValidationError({"attendees": _(MSG_NOT_STAFF)})
    return people


# --------------------------------------------------------------------------- competences


@transaction.atomic
def competence_create(*, actor, title: str, evidence: str = "", role: str = "", unit=None):
    _require(actor)
    competence = Competence.objects.create(
        title=_text(title, "title"), evidence=(evidence or "").strip(), role=role or "", unit=unit
    )
    audit_record(
        actor=actor,
        action="create",
        subject=competence,
        changes={"role": competence.role, "unit": str(unit or "")},
    )
    return competence


@transaction.atomic
def competence_retire(*, actor, competence: Competence) -> Competence:
    _require(actor)
    Competence.objects.filter(pk=competence.pk).update(is_active=False)
    audit_record(actor=actor, action="retire", subject=competence)
    competence.is_active = False
    return competence


# --------------------------------------------------------------------------- sessions


@transaction.atomic
def session_create(
    *,
    actor,
    title: str,
    held_on: dt.date,
    trainer: str,
    hours: Decimal,
    kind: str = "internal",
    competence=None,
    material=None,
    attendees=(),
) -> TrainingSession:
    """A session with its attendance list (people of this agency, by id or User)."""
    _require(actor)
    title, trainer = _text(title, "title"), _text(trainer, "trainer")
    if hours is None or Decimal(hours) <= 0:
        raise ValidationError({"hours": _(MSG_HOURS)})
    people = staff_members(getattr(p, "pk", p) for p in attendees)
    session = TrainingSession.objects.create(
        title=title,
        kind=kind,
        held_on=held_on,
        trainer=trainer,
        hours=hours,
        competence=competence,
        material=material,
        created_by=actor,
    )
    Attendance.objects.bulk_create([Attendance(session=session, user=p) for p in people])
    audit_record(
        actor=actor,
        action="create",
        subject=session,
        changes={"held_on": held_on, "hours": hours, "attendees": [p.email for p in people]},
    )
    return session


@transaction.atomic
def attendance_add(*, actor, session: TrainingSession, attendees) -> list[Attendance]:
    _require(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    people = staff_members(getattr(p, "pk", p) for p in attendees)
    if not people:
        raise ValidationError({"attendees": _(MSG_NO_ATTENDEES)})
    present = set(session.attendances.values_list("user_id", flat=True))
    twice = [p.full_name for p in people if p.pk in present]
    if twice:
        raise ValidationError({"attendees": _(MSG_ALREADY) % {"names": ", ".join(twice)}})
    rows = Attendance.objects.bulk_create([Attendance(session=session, user=p) for p in people])
    audit_record(
        actor=actor,
        action="attend",
        subject=session,
        changes={"attendees": [p.email for p in people]},
    )
    return rows


@transaction.atomic
def session_evaluate(
    *,
    actor,
    session: TrainingSession,
    evaluated_on: dt.date,
    overall: str,
    results: dict[int, tuple[str, str]],
    today: dt.date | None = None,
) -> TrainingSession:
    """The evaluation of effectiveness: `results` is {attendance id: (result, note)}."""
    _require(actor)
    today = today or timezone.localdate()
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    _check_evaluation(session, evaluated_on, today)
    rows = {a.pk: a for a in session.attendances.all()}
    if not rows:
        raise ValidationError(_(MSG_NO_RESULTS))
    if set(results) - set(rows):
        raise ValidationError(_(MSG_RESULT_UNKNOWN))
    for pk, (result, note) in results.items():
        if result not in Result.values:
            raise ValidationError(_(MSG_RESULT_UNKNOWN))
        rows[pk].result, rows[pk].note = result, (note or "").strip()[:300]
    Attendance.objects.bulk_update([rows[pk] for pk in results], ["result", "note"])
    session.evaluated_on, session.evaluated_by = evaluated_on, actor
    session.overall = (overall or "").strip()
    session.save(update_fields=["evaluated_on", "evaluated_by", "overall"])
    audit_record(
        actor=actor,
        action="evaluate",
        subject=session,
        changes={
            "evaluated_on": evaluated_on,
            "effective": sum(r == Result.EFFECTIVE for r, _n in results.values()),
            "not_effective": sum(r == Result.NOT_EFFECTIVE for r, _n in results.values()),
        },
    )
    return session


def _check_evaluation(session, evaluated_on, today) -> None:
    if session.held_on > today:
        raise ValidationError(_(MSG_NOT_HELD))
    if evaluated_on < session.held_on:
        raise ValidationError(
            {"evaluated_on": _(MSG_EVALUATED_EARLY) % {"day": f"{session.held_on:%d/%m/%Y}"}}
        )
    if evaluated_on > today:
        raise ValidationError({"evaluated_on": _(MSG_EVALUATED_FUTURE)})


# --------------------------------------------------------------------------- qualifications


@transaction.atomic
def qualification_add(
    *,
    actor,
    user,
    title: str,
    issued_on: dt.date,
    expires_on: dt.date | None = None,
    competence=None,
    issuer: str = "",
    number: str = "",
):
    _require(actor)
    (person,) = staff_members([getattr(user, "pk", user)])
    if expires_on is not None and expires_on <= issued_on:
        raise ValidationError({"expires_on": _(MSG_EXPIRY)})
    qualification = Qualification.objects.create(
        user=person,
        title=_text(title, "title"),
        issued_on=issued_on,
        expires_on=expires_on,
        competence=competence,
        issuer=(issuer or "").strip(),
        number=(number or "").strip(),
    )
    audit_record(
        actor=actor,
        action="create",
        subject=qualification,
        changes={"person": person.email, "expires_on": expires_on},
    )
    return qualification


# --------------------------------------------------------------------------- awareness


def _questions_checked(questions) -> list[tuple[str, list[tuple[str, bool]]]]:
    """[(text, [(choice, correct)...])...]: each with a text, two choices and one right."""
    checked = []
    for n, (text, choices) in enumerate(questions or [], start=1):
        text = (text or "").strip()
        choices = [((c or "").strip(), bool(ok)) for c, ok in choices]
        if not text or len(choices) < 2 or any(not c for c, _ok in choices):
            raise ValidationError({"questions": _(MSG_QUESTION) % {"n": n}})
        if sum(ok for _c, ok in choices) != 1:
            raise ValidationError({"questions": _(MSG_QUESTION) % {"n": n}})
        checked.append((text, choices))
    return checked


@transaction.atomic
def campaign_create(
    *,
    actor,
    title: str,
    topic: str,
    method: str,
    document: Document | None = None,
    pass_mark: int = 80,
    questions=(),
    audience=(),
) -> Campaign:
    """A quiz (its questions and choices, all or nothing) or a read-and-confirm of an issued
    document, distributed to `audience` through the documents' acknowledgements."""
    _require(actor)
    title = _text(title, "title")
    if not 1 <= int(pass_mark) <= 100:
        raise ValidationError({"pass_mark": _(MSG_PASS_MARK)})
    if method == AwarenessMethod.QUIZ:
        checked = _questions_checked(questions)
        if not checked:
            raise ValidationError({"questions": _(MSG_NO_QUESTIONS)})
        document = None
    else:
        revision = _issued_revision(document)
    campaign = Campaign.objects.create(
        title=title,
        topic=topic,
        method=method,
        document=document,
        pass_mark=pass_mark,
        created_by=actor,
    )
    if method == AwarenessMethod.QUIZ:
        _questions_store(campaign, checked)
    else:
        people = staff_members(getattr(p, "pk", p) for p in audience)
        if people:
            revision_distribute(actor=actor, revision=revision, users=people)
    audit_record(
        actor=actor,
        action="create",
        subject=campaign,
        changes={"method": method, "questions": len(checked) if method == "quiz" else 0},
    )
    return campaign


def _issued_revision(document):
    revision = (
        document.revisions.filter(status=RevisionStatus.ISSUED).first()
        if document is not None and document.status == DocumentStatus.IN_FORCE
        else None
    )
    if revision is None:
        raise ValidationError({"document": _(MSG_NEEDS_DOCUMENT)})
    return revision


def _questions_store(campaign, checked) -> None:
    questions = Question.objects.bulk_create(
        [Question(campaign=campaign, position=n, text=t) for n, (t, _c) in enumerate(checked, 1)]
    )
    Choice.objects.bulk_create(
        [
            Choice(question=question, text=text, is_correct=ok)
            for question, (_t, choices) in zip(questions, checked, strict=True)
            for text, ok in choices
        ]
    )


@transaction.atomic
def quiz_answer(*, actor, campaign: Campaign, answers: dict[int, int]) -> Attempt:
    """`answers` is {question id: choice id}; every question answered, each by one of its own
    choices. The score is the share of right answers, in whole percent."""
    if not can(actor, "competence.answer"):
        raise PermissionDenied("competence.answer")
    if campaign.method != AwarenessMethod.QUIZ:
        raise ValidationError(_(MSG_NOT_QUIZ))
    if not campaign.is_open:
        raise ValidationError(_(MSG_CLOSED))
    questions = list(campaign.questions.prefetch_related("choices"))
    chosen = {}
    for question in questions:
        choice = next((c for c in question.choices.all() if c.pk == answers.get(question.pk)), None)
        if choice is None:
            raise ValidationError(_(MSG_UNANSWERED))
        chosen[question] = choice
    right = sum(c.is_correct for c in chosen.values())
    score = round(100 * right / len(questions))
    attempt = Attempt.objects.create(
        campaign=campaign, user=actor, score=score, passed=score >= campaign.pass_mark
    )
    Answer.objects.bulk_create(
        [Answer(attempt=attempt, question=q, choice=c) for q, c in chosen.items()]
    )
    audit_record(
        actor=actor,
        action="answer",
        subject=campaign,
        changes={"score": score, "passed": attempt.passed},
    )
    return attempt
