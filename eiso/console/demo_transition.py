"""The demo agency's Amendment 1:2024 work and its move to the 2026 edition: a climate
decision in the context register, a climate-related interested party, and a gap assessment
half done with its plan of actions (docs/iso-editions.md)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from iso_platform.accounts.models import User
from quality.improvement import services as improvement
from quality.improvement.models import ActionKind
from quality.risks import services as risks
from quality.risks.models import IssueKind
from quality.transition import services as transition
from quality.transition.models import Assessment

TRANSITION_AGENCY = "sokhcn"
CLIMATE_REASONS = (
    "Lũ, sạt lở bờ sông và hạn mặn mùa khô ảnh hưởng đến việc đi lại của người dân, tổ "
    "chức đến nộp hồ sơ trực tiếp và đến hạ tầng công nghệ thông tin của Sở; UBND tỉnh giao "
    "Sở chủ trì các nhiệm vụ khoa học về thích ứng với biến đổi khí hậu."
)
ANSWERS = (  # (status, answer) for the first questions of the assessment, in order
    ("met", "Sổ theo dõi bối cảnh đã có kết luận về biến đổi khí hậu và định hướng chiến lược."),
    ("gap", "Chưa có quy tắc ứng xử, chưa có chỉ đạo bằng văn bản về văn hoá chất lượng."),
    ("partial", "Chính sách chất lượng chưa dẫn chiếu kế hoạch phát triển KH&CN 5 năm."),
)


def ensure_transition(code: str) -> str:
    if code != TRANSITION_AGENCY or Assessment.objects.exists():
        return ""
    people = {u.email.split("@")[0]: u for u in User.objects.all()}
    secretary, staff, head = people["thuky"], people["chuyenvien"], people["truongphong"]
    risks.climate_decide(actor=secretary, relevant=True, reasons=CLIMATE_REASONS)
    risks.context_issue_save(
        actor=secretary,
        kind=IssueKind.PARTY,
        title="UBND tỉnh",
        description="Yêu cầu lồng ghép ứng phó biến đổi khí hậu vào nhiệm vụ khoa học và "
        "công nghệ; giảm giấy tờ, đẩy mạnh dịch vụ công trực tuyến.",
        climate_related=True,
    )
    assessment = transition.assessment_start(actor=secretary)
    questions = list(assessment.questions.order_by("pk"))
    for question, (status, answer) in zip(questions, ANSWERS, strict=False):
        transition.question_answer(actor=secretary, question=question, status=status, answer=answer)
    _plan(secretary, staff, head, questions)
    return f"created the 2026 transition in {code} ({len(ANSWERS)}/{len(questions)} answered)"


def _plan(secretary, staff, head, questions) -> None:
    today = timezone.localdate()
    culture, policy = questions[1], questions[2]
    code_of_conduct = improvement.action_add(
        actor=secretary,
        title="Dự thảo quy tắc ứng xử và chỉ đạo về văn hoá chất lượng trình Giám đốc ký",
        owner=staff,
        due_on=today + dt.timedelta(days=45),
        kind=ActionKind.TRANSITION,
        source_type="gap_question",
        source_id=str(culture.pk),
    )
    improvement.action_add(
        actor=secretary,
        title="Phổ biến văn hoá chất lượng và hành xử có đạo đức cho toàn Sở (7.3)",
        owner=head,
        due_on=today + dt.timedelta(days=90),
        kind=ActionKind.TRANSITION,
        source_type="gap_question",
        source_id=str(culture.pk),
    )
    improvement.action_add(
        actor=secretary,
        title="Sửa chính sách chất lượng: dẫn chiếu định hướng chiến lược của Sở",
        owner=secretary,
        due_on=today + dt.timedelta(days=30),
        kind=ActionKind.TRANSITION,
        source_type="gap_question",
        source_id=str(policy.pk),
    )
    improvement.action_complete(
        actor=staff, action=code_of_conduct, note="Đã trình dự thảo quy tắc ứng xử."
    )
