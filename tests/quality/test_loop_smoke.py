"""Smoke: every improvement-loop service runs once, end to end."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from iso_platform.accounts.models import Role, User
from quality.audits import services as audits
from quality.core.models import Unit
from quality.core.reports import to_docx, to_pdf
from quality.improvement import services as imp
from quality.objectives import services as obj
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import inputs as review_inputs
from quality.reviews.services import meetings as review_meetings
from quality.risks import services as risks


def test_smoke(in_a):
    w = in_a
    today = timezone.localdate()
    unit = Unit.objects.create(code="P1", name="Phòng Một", head=w.member_a)
    unit.members.add(w.member_a)
    auditor = User.objects.create_user(
        "aud@alpha.test", "x" * 12, full_name="Đánh Giá", role=Role.INTERNAL_AUDITOR
    )
    programme = audits.programme_create(actor=w.owner_a, year=today.year)
    plan = audits.plan_create(
        actor=w.owner_a,
        programme=programme,
        title="ĐGNB",
        scope="Toàn bộ",
        start_on=dt.date(today.year, 1, 5),
        end_on=dt.date(today.year, 1, 6),
        lead=auditor,
    )
    assignment = audits.assignment_add(actor=w.owner_a, plan=plan, auditor=auditor, unit=unit)
    assert audits.checklist_build(actor=w.owner_a, plan=plan, clause_codes=["7.5", "8.1"]) >= 2
    finding = audits.finding_record(
        actor=auditor, assignment=assignment, grade="minor", description="Thiếu hồ sơ"
    )
    nc = finding.nonconformity
    imp.nc_correct(actor=w.member_a, nc=nc, correction="Bổ sung")
    imp.nc_analyse(
        actor=w.owner_a,
        nc=nc,
        method="five_whys",
        detail={"whys": ["a", "b"]},
        root_cause="Chưa phân công",
    )
    a1 = imp.action_add(actor=w.owner_a, nc=nc, title="Phân công", owner=w.member_a, due_on=today)
    imp.action_complete(actor=w.member_a, action=a1, note="xong")
    imp.action_verify(actor=w.owner_a, action=a1, effective=True)
    for item in plan.checklist.all():
        audits.checklist_assess(actor=auditor, item=item, grade="conformity")
    audits.plan_report(actor=auditor, plan=plan, conclusion="Phù hợp")
    assert to_pdf(audits.audit_report(plan))[:4] == b"%PDF"
    risk = risks.risk_create(actor=w.owner_a, title="R", likelihood=4, impact=5, owner=w.member_a)
    risks.risk_reevaluate(actor=w.owner_a, risk=risk, residual_likelihood=2, residual_impact=2)
    risks.heat_map()
    o = obj.objective_create(
        actor=w.owner_a,
        year=today.year,
        title="T",
        indicator="I",
        target=Decimal(95),
        owner=w.member_a,
    )
    assert o.pk
    review = review_meetings.review_create(
        actor=w.owner_a,
        title="XXLĐ",
        meeting_on=today,
        chair=w.leader_a,
        period_start=dt.date(today.year, 1, 1),
        period_end=today,
    )
    review_meetings.review_compile_inputs(actor=w.owner_a, review=review)
    review_meetings.review_hold(actor=w.owner_a, review=review, conclusions="OK")
    assert to_docx(review_inputs.minutes_report(review))[:2] == b"PK"
    report = annual_reports.annual_report_generate(actor=w.owner_a, year=today.year)
    annual_reports.annual_report_submit(actor=w.owner_a, report=report)
    assert to_pdf(annual_reports.annual_report_document(report))[:4] == b"%PDF"
