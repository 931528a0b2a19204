"""The improvement loop of the demo agency, made through the real services.

An internal audit raised a minor nonconformity; it was corrected and analysed (5 whys);
of its two corrective actions one is verified and the other is overdue and escalated.
Around it: context issues, a risk register with treatments, objectives (one computed from
the simulated applications), citizens' survey answers, a management review whose inputs
are compiled, and a draft annual report. Runs inside the agency's schema; idempotent.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from eiso.console.demo_pki import DEMO_SIGNING_PASSWORD
from eiso.console.demo_training import ensure_training
from iso_platform.accounts.models import User
from quality.audits import services as audits
from quality.audits.models import AuditProgramme
from quality.core.models import Unit
from quality.core.signatures.services import SigningSecrets
from quality.documents.services import documents as docs
from quality.feedback.services import response_record
from quality.improvement import services as imp
from quality.improvement.models import Action
from quality.objectives import services as objectives
from quality.objectives.models import Method
from quality.procedures.models import Application, Procedure
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import meetings as review_meetings
from quality.risks import services as risks

LOOP_AGENCY = "sokhcn"
# The demo signers type the one demo password (their own certificate's and the agency's).
DEMO_SIGNING = SigningSecrets(secret=DEMO_SIGNING_PASSWORD)
DEMO_SIGNING_BOTH = SigningSecrets(
    secret=DEMO_SIGNING_PASSWORD, agency_secret=DEMO_SIGNING_PASSWORD
)


def ensure_loop(code: str) -> str:

    if code != LOOP_AGENCY or AuditProgramme.objects.exists():
        return ""
    people = {u.email.split("@")[0]: u for u in User.objects.all()}
    secretary, leader, staff = people["thuky"], people["lanhdao"], people["chuyenvien"]
    auditor, head = people["danhgia"], people["truongphong"]
    today = timezone.localdate()
    _issue_signed(secretary, leader, staff)
    nc = _audit(secretary, auditor, head, today)
    _corrective_actions(nc, secretary, leader, staff, head, today)
    _risks(secretary, staff, head, today)
    _objectives(secretary, staff, today)
    _survey(today)
    ensure_training(
        secretary=secretary, leader=leader, staff=staff, auditor=auditor, head=head, today=today
    )
    _review_and_report(secretary, leader, today)
    return (
        f"created the improvement loop in {code} "
        f"(audit, {nc.code}, risks, training, review, report)"
    )


def _issue_signed(secretary, leader, staff):
    """One document issued by the leader through the real flow: its decision is signed by
    him, then by the agency (demo certificates, eiso/console/demo_pki.py)."""
    document = docs.document_create(
        actor=staff,
        doc_type="system_procedure",
        code="QT.ISO.20",
        title="Quy trình lưu trữ hồ sơ điện tử",
        body="Mục đích: lưu trữ và bảo quản hồ sơ điện tử có chữ ký số theo quy định.",
    )
    revision = document.latest_revision
    docs.revision_submit(actor=staff, revision=revision, reviewer=secretary)
    docs.revision_review(actor=secretary, revision=revision)
    docs.revision_approve(actor=leader, revision=revision, signing=DEMO_SIGNING_BOTH)


def _audit(secretary, auditor, head, today):

    unit = Unit.objects.get(code="QLCN")
    if unit.head_id != head.pk:
        unit.head = head
        unit.save(update_fields=["head"])
        unit.members.add(head)
    start = max(dt.date(today.year, 1, 2), today - dt.timedelta(days=45))
    programme = audits.programme_create(
        actor=secretary,
        year=today.year,
        objectives="Đánh giá toàn bộ hệ thống, ưu tiên các quy trình TTHC có tỷ lệ trễ hạn cao.",
    )
    plan = audits.plan_create(
        actor=secretary,
        programme=programme,
        title=f"Đánh giá nội bộ đợt 1 năm {today.year}",
        scope="Phòng Quản lý công nghệ và Đổi mới sáng tạo; quy trình KHCN-01, KHCN-02",
        start_on=start,
        end_on=start + dt.timedelta(days=1),
        lead=auditor,
    )
    assignment = audits.assignment_add(actor=secretary, plan=plan, auditor=auditor, unit=unit)
    audits.checklist_build(actor=secretary, plan=plan, clause_codes=["7.5", "8.1", "9.1", "10.2"])
    for item in plan.checklist.all():
        audits.checklist_assess(
            actor=auditor, item=item, grade="conformity", evidence="Phỏng vấn, xem hồ sơ mẫu"
        )
    audits.finding_record(
        actor=auditor,
        assignment=assignment,
        grade="observation",
        description="Nên số hoá sổ theo dõi hồ sơ thay cho sổ giấy.",
    )
    finding = audits.finding_record(
        actor=auditor,
        assignment=assignment,
        grade="minor",
        clause=plan.checklist.filter(clause__code="8.1").first().clause,
        description="03/20 hồ sơ KHCN-02 được chuyển bước thẩm định sau thời hạn trên phiếu "
        "kiểm soát quá trình mà không có phiếu xin lỗi, hẹn lại ngày trả kết quả.",
        evidence="Hồ sơ mẫu tháng trước; phiếu kiểm soát quá trình",
    )
    audits.plan_report(
        actor=auditor,
        plan=plan,
        conclusion="Hệ thống được duy trì phù hợp; 01 điểm không phù hợp nhẹ, 01 khuyến nghị.",
        signing=DEMO_SIGNING,
    )
    return finding.nonconformity


def _corrective_actions(nc, secretary, leader, staff, head, today):

    imp.nc_correct(
        actor=head,
        nc=nc,
        correction="Đã lập phiếu xin lỗi và hẹn lại ngày trả kết quả cho 03 hồ sơ.",
    )
    imp.nc_analyse(
        actor=secretary,
        nc=nc,
        method="five_whys",
        detail={
            "whys": [
                "Chuyên viên thẩm định không biết hồ sơ sắp quá hạn.",
                "Hệ thống một cửa không cảnh báo theo từng bước.",
                "Thời hạn từng bước chưa được cấu hình trên hệ thống.",
                "Quy trình nội bộ chưa giao người cập nhật thời hạn bước.",
            ]
        },
        root_cause="Chưa phân công cập nhật thời hạn từng bước của quy trình lên hệ thống.",
    )
    done = imp.action_add(
        actor=secretary,
        nc=nc,
        title="Cấu hình thời hạn từng bước cho các quy trình TTHC trên hệ thống",
        owner=staff,
        due_on=today,
    )
    imp.action_complete(actor=staff, action=done, note="Đã cấu hình cho 05 thủ tục.")
    imp.action_verify(
        actor=secretary, action=done, effective=True, note="Đã kiểm tra trên hệ thống."
    )
    late = imp.action_add(
        actor=secretary,
        nc=nc,
        title="Sửa đổi quy trình nội bộ: giao người theo dõi thời hạn từng bước",
        owner=head,
        due_on=today,
    )
    # The demo tells a story that started weeks ago: this action fell due 10 days back.
    Action.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=10))
    imp.actions_escalate(today)


def _risks(secretary, staff, head, today):

    for kind, title in (
        ("internal", "Biên chế bộ phận một cửa thiếu 01 người so với khối lượng hồ sơ"),
        ("external", "Nghị định 118/2025/NĐ-CP thay đổi biểu mẫu một cửa từ 01/7/2025"),
        ("external", "Hợp nhất Sở Thông tin và Truyền thông vào Sở từ 2025"),
        ("party", "Tổ chức, doanh nghiệp: cần trả kết quả đúng hẹn, tra cứu được tiến độ"),
    ):
        risks.context_issue_save(actor=secretary, kind=kind, title=title)
    procedure = Procedure.objects.filter(code="KHCN-02").first()
    treated = risks.risk_create(
        actor=secretary,
        title="Hồ sơ cấp phép bức xạ trễ hạn ở bước thẩm định",
        likelihood=4,
        impact=4,
        owner=head,
        procedure=procedure,
        cause="Hồ sơ phức tạp, một chuyên viên thẩm định",
        consequence="Trễ hạn, người dân phải đi lại nhiều lần",
    )
    action = imp.action_add(
        actor=secretary,
        kind="risk",
        source_type="risk",
        source_id=str(treated.pk),
        title="Phân công thêm một chuyên viên thẩm định dự phòng",
        owner=head,
        due_on=today,
    )
    imp.action_complete(actor=head, action=action, note="Đã có quyết định phân công.")
    imp.action_verify(actor=secretary, action=action, effective=True)
    risks.risk_reevaluate(
        actor=secretary,
        risk=treated,
        residual_likelihood=2,
        residual_impact=4,
        note="Hai tháng gần đây không có hồ sơ trễ ở bước thẩm định.",
    )
    risks.risk_create(
        actor=secretary,
        title="Mất dữ liệu hồ sơ lưu trữ giấy do ẩm mốc",
        likelihood=2,
        impact=5,
        owner=staff,
    )
    risks.risk_create(
        actor=secretary,
        kind="opportunity",
        title="Tích hợp ký số trên Cổng dịch vụ công để trả kết quả bản điện tử",
        likelihood=3,
        impact=3,
        owner=secretary,
    )


def _objectives(secretary, staff, today):

    on_time = objectives.objective_create(
        actor=secretary,
        year=today.year,
        title="Giải quyết hồ sơ TTHC đúng và trước hạn",
        indicator="Tỷ lệ hồ sơ có kết quả đúng và trước hạn trên tổng số hồ sơ có kết quả",
        target=Decimal(95),
        owner=secretary,
        method=Method.ON_TIME_RATE,
    )
    objectives.measurements_compute(objective=on_time)
    imp.action_add(
        actor=secretary,
        kind="objective",
        source_type="objective",
        source_id=str(on_time.pk),
        title="Rà soát hằng tuần các hồ sơ sắp đến hạn",
        owner=staff,
        due_on=today + dt.timedelta(days=30),
    )
    training = objectives.objective_create(
        actor=secretary,
        year=today.year,
        title="Cán bộ một cửa được tập huấn quy định mới",
        indicator="Số lượt cán bộ được tập huấn trong quý",
        target=Decimal(4),
        unit_label=" lượt",
        frequency="quarter",
        owner=staff,
    )
    for start, end in objectives.periods(training)[-2:]:
        objectives.measurement_record(
            actor=secretary,
            objective=training,
            period_start=start,
            period_end=end,
            value=Decimal(5 if start.month > 3 else 3),
            evidence="Danh sách ký tên lớp tập huấn",
        )


def _survey(today):

    rng = random.Random(2026)  # noqa: S311 - demo data
    codes = list(
        Application.objects.filter(completed_at__isnull=False).values_list("code", flat=True)[:60]
    )
    comments = [
        "Cán bộ hướng dẫn tận tình.",
        "Thủ tục nhanh gọn.",
        "",
        "",
        "Nên có chỗ đỗ xe.",
    ]
    now = timezone.now()
    for i, code in enumerate(codes):
        overall = rng.choices([5, 4, 3, 2], weights=[5, 4, 1, 0.4])[0]
        response_record(
            scores={
                "overall": overall,
                "timeliness": max(1, overall - rng.choice([0, 0, 1])),
                "staff": min(5, overall + rng.choice([0, 0, 1])),
            },
            comment=rng.choice(comments)
            if overall > 2
            else "Phải đi lại hai lần vì thiếu giấy tờ mà không được báo trước.",
            application_code=code,
            address=f"demo-{i}",
            created_at=now - dt.timedelta(days=rng.randint(0, 120)),
        )


def _review_and_report(secretary, leader, today):

    review = review_meetings.review_create(
        actor=secretary,
        title=f"Họp xem xét của lãnh đạo năm {today.year}",
        meeting_on=today + dt.timedelta(days=7),
        chair=leader,
        participants="Ban Giám đốc Sở; Trưởng các phòng, đơn vị; Thư ký ISO",
        period_start=dt.date(today.year, 1, 1),
        period_end=today,
    )
    review_meetings.review_compile_inputs(actor=secretary, review=review)
    annual_reports.annual_report_generate(actor=secretary, year=today.year)
