"""Competence and awareness records of the demo agency, made through the real services:
required competences, two training sessions (one evaluated), an internal auditor certificate
that expires within the month (its reminder is due), and an awareness quiz on the quality
policy and public-service ethics that two people answered. Runs inside the agency's schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from quality.competence import services as competence
from quality.competence.models import AwarenessMethod
from quality.core.models import Unit
from quality.documents.models import Document

QUIZ = [
    (
        "Chính sách chất lượng của Sở được xem xét lại khi nào?",
        [
            ("Hằng năm, trong cuộc họp xem xét của lãnh đạo", True),
            ("Chỉ khi có đoàn kiểm tra", False),
            ("Không cần xem xét lại", False),
        ],
    ),
    (
        "Hồ sơ sắp trễ hạn vì lỗi của cơ quan: cán bộ một cửa làm gì?",
        [
            ("Gửi phiếu xin lỗi và hẹn lại ngày trả kết quả", True),
            ("Chờ người dân đến hỏi", False),
        ],
    ),
    (
        "Nhận quà của người nộp hồ sơ để giải quyết nhanh hơn là:",
        [("Vi phạm đạo đức công vụ", True), ("Chấp nhận được nếu quà nhỏ", False)],
    ),
]


def ensure_training(*, secretary, leader, staff, auditor, head, today: dt.date) -> None:
    one_stop_unit = Unit.objects.filter(members=staff).first()
    one_stop = competence.competence_create(
        actor=secretary,
        title="Nắm quy trình tiếp nhận và trả kết quả một cửa",
        evidence="Giấy xác nhận tập huấn một cửa",
        unit=one_stop_unit,
    )
    auditing = competence.competence_create(
        actor=secretary,
        title="Kỹ năng đánh giá nội bộ theo TCVN ISO 9001",
        evidence="Chứng chỉ chuyên gia đánh giá nội bộ",
        role="internal_auditor",
    )
    competence.competence_create(
        actor=secretary,
        title="Hiểu chính sách và mục tiêu chất lượng",
        evidence="Kết quả bài trắc nghiệm nhận thức",
    )
    material = Document.objects.filter(code="CSCL.01").first()
    first = competence.session_create(
        actor=secretary,
        title="Tập huấn quy trình một cửa và dịch vụ công trực tuyến",
        kind="internal",
        held_on=today - dt.timedelta(days=40),
        trainer="Văn phòng Sở",
        hours=Decimal(4),
        competence=one_stop,
        material=material,
        attendees=[staff, head, secretary],
    )
    results = {a.user_id: a.pk for a in first.attendances.all()}
    competence.session_evaluate(
        actor=secretary,
        session=first,
        evaluated_on=today - dt.timedelta(days=10),
        overall="Đa số nắm vững quy trình; cần kèm cặp thêm phần ký số.",
        results={
            results[staff.pk]: ("effective", "Làm đúng bài thực hành tiếp nhận hồ sơ"),
            results[head.pk]: ("effective", ""),
            results[secretary.pk]: ("not_effective", "Cần thực hành thêm phần ký số"),
        },
    )
    competence.session_create(
        actor=secretary,
        title="Chuyển đổi sang TCVN ISO 9001 phiên bản mới: văn hoá chất lượng",
        kind="external",
        held_on=today - dt.timedelta(days=5),
        trainer="Trung tâm Chứng nhận Phù hợp (QUACERT)",
        hours=Decimal(8),
        attendees=[leader, auditor],
    )
    competence.qualification_add(
        actor=secretary,
        user=auditor,
        title="Chứng chỉ chuyên gia đánh giá nội bộ TCVN ISO 9001:2015",
        issuer="Trung tâm Năng suất Việt Nam",
        number="DGNB-2023-0412",
        issued_on=today - dt.timedelta(days=3 * 365 - 20),
        expires_on=today + dt.timedelta(days=20),
        competence=auditing,
    )
    quiz = competence.campaign_create(
        actor=secretary,
        title="Nhận thức về chính sách chất lượng và đạo đức công vụ năm " + str(today.year),
        topic="ethics",
        method=AwarenessMethod.QUIZ,
        pass_mark=70,
        questions=QUIZ,
    )
    for person, wrong in ((staff, 0), (head, 1)):
        competence.quiz_answer(actor=person, campaign=quiz, answers=_answers(quiz, wrong))


def _answers(campaign, wrong: int) -> dict[int, int]:
    answers = {}
    for n, question in enumerate(campaign.questions.prefetch_related("choices")):
        choices = list(question.choices.all())
        answers[question.pk] = next(c for c in choices if c.is_correct != (n < wrong)).pk
    return answers
