"""A small improvement loop in one agency, made through the services (for page tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from iso_platform.accounts.models import Role, User
from quality.audits import services as audits
from quality.core.models import Unit
from quality.improvement import services as imp
from quality.objectives import services as objectives
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import meetings as review_meetings
from quality.risks import services as risks


@dataclass
class Loop:
    unit: Unit
    auditor: User
    plan: object
    assignment: object
    finding: object
    nc: object
    action: object
    risk: object
    objective: object
    review: object
    report: object
    issue: object


def make_loop(owner, member, leader, prefix: str = "A") -> Loop:
    """One of everything, in the current schema: owner is an ISO secretary, member staff."""
    today = timezone.localdate()
    unit = Unit.objects.create(code=f"P{prefix}", name=f"Phòng {prefix}", head=member)
    unit.members.add(member)
    auditor = User.objects.create_user(
        f"auditor{prefix.lower()}@{prefix.lower()}.test",
        "x" * 12,
        full_name=f"Đánh Giá Viên {prefix}",
        role=Role.INTERNAL_AUDITOR,
    )
    programme = audits.programme_create(actor=owner, year=today.year)
    plan = audits.plan_create(
        actor=owner,
        programme=programme,
        title=f"Đánh giá nội bộ đợt 1 ({prefix})",
        scope="Các quy trình TTHC",
        start_on=dt.date(today.year, 1, 10),
        end_on=dt.date(today.year, 1, 12),
        lead=auditor,
    )
    assignment = audits.assignment_add(actor=owner, plan=plan, auditor=auditor, unit=unit)
    audits.checklist_build(actor=owner, plan=plan, clause_codes=["7.5", "8.1"])
    finding = audits.finding_record(
        actor=auditor,
        assignment=assignment,
        grade="minor",
        description=f"Sổ theo dõi hồ sơ thiếu cột ngày trả ({prefix})",
    )
    nc = finding.nonconformity
    imp.nc_correct(actor=member, nc=nc, correction="Bổ sung cột")
    imp.nc_analyse(
        actor=owner,
        nc=nc,
        method="five_whys",
        detail={"whys": ["Mẫu sổ cũ", "Chưa cập nhật mẫu mới"]},
        root_cause="Chưa rà soát biểu mẫu khi quy định thay đổi",
    )
    action = imp.action_add(actor=owner, nc=nc, title="Cập nhật mẫu sổ", owner=member, due_on=today)
    issue = risks.context_issue_save(
        actor=owner, kind="external", title=f"Quy định một cửa mới 2025 ({prefix})"
    )
    risk = risks.risk_create(
        actor=owner,
        title=f"Trễ hạn do thiếu người ({prefix})",
        likelihood=4,
        impact=4,
        owner=member,
    )
    objective = objectives.objective_create(
        actor=owner,
        year=today.year,
        title=f"Giải quyết đúng hạn ({prefix})",
        indicator="Tỷ lệ đúng hạn",
        target=Decimal(98),
        owner=member,
    )
    review = review_meetings.review_create(
        actor=owner,
        title=f"Họp xem xét ({prefix})",
        meeting_on=today,
        chair=leader,
        period_start=dt.date(today.year, 1, 1),
        period_end=today,
    )
    report = annual_reports.annual_report_generate(actor=owner, year=today.year)
    return Loop(
        unit, auditor, plan, assignment, finding, nc, action, risk, objective, review, report, issue
    )
