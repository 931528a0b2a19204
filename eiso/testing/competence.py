"""Competence records in one agency, made through the services (page, API and matrix tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from quality.competence import services
from quality.competence.models import Attempt, Campaign, Competence, Qualification, TrainingSession

QUIZ = [
    (
        "Chính sách chất lượng của cơ quan được xem xét lại khi nào?",
        [("Hằng năm, tại cuộc họp xem xét của lãnh đạo", True), ("Khi có thanh tra", False)],
    ),
    (
        "Khi hồ sơ có nguy cơ trễ hạn, cán bộ một cửa làm gì trước tiên?",
        [("Báo lãnh đạo và gửi phiếu xin lỗi, hẹn lại", True), ("Chờ người dân hỏi", False)],
    ),
]


@dataclass
class Training:
    competence: Competence
    session: TrainingSession
    qualification: Qualification
    campaign: Campaign
    attempt: Attempt


def make_training(owner, member, prefix: str = "A") -> Training:
    """One of each kind, in the current schema: `owner` manages (ISO secretary), `member`
    attends, holds a certificate and answers the quiz (both right)."""
    today = timezone.localdate()
    competence = services.competence_create(
        actor=owner,
        title=f"Kỹ năng đánh giá nội bộ {prefix}",
        evidence="Chứng chỉ đánh giá viên nội bộ",
    )
    session = services.session_create(
        actor=owner,
        title=f"Tập huấn quy trình một cửa {prefix}",
        held_on=today - dt.timedelta(days=7),
        trainer="Sở Nội vụ",
        hours=Decimal(4),
        competence=competence,
        attendees=[member],
    )
    qualification = services.qualification_add(
        actor=owner,
        user=member,
        title=f"Chứng chỉ đánh giá viên nội bộ {prefix}",
        issued_on=today - dt.timedelta(days=700),
        expires_on=today + dt.timedelta(days=20),
        competence=competence,
    )
    campaign = services.campaign_create(
        actor=owner,
        title=f"Nhận thức về chính sách chất lượng {prefix}",
        topic="policy",
        method="quiz",
        questions=QUIZ,
    )
    attempt = services.quiz_answer(actor=member, campaign=campaign, answers=right_answers(campaign))
    return Training(competence, session, qualification, campaign, attempt)


def right_answers(campaign: Campaign, *, wrong: int = 0) -> dict[int, int]:
    """{question id: choice id}, right except for the first `wrong` questions."""
    answers = {}
    for n, question in enumerate(campaign.questions.prefetch_related("choices")):
        choices = list(question.choices.all())
        pick = next(c for c in choices if c.is_correct != (n < wrong))
        answers[question.pk] = pick.pk
    return answers
