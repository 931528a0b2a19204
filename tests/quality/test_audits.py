"""Internal audit (9.2): programme, plan, independent team, checklist, findings, report."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eiso.testing.asserts import error_text as _text
from eiso.testing.asserts import refusal_checker
from eiso.testing.procedures import make_procedure
from iso_platform.accounts.models import Role, User
from quality.audits import services as audits
from quality.audits.models import (
    Assignment,
    AuditPlan,
    AuditProgramme,
    ChecklistItem,
    Clause,
    Finding,
)
from quality.core.editions import catalogue
from quality.core.models import AuditEvent, Notification, Unit
from quality.core.reports import to_docx, to_pdf
from quality.improvement.models import Nonconformity

TRACKED = (
    AuditProgramme,
    AuditPlan,
    Assignment,
    ChecklistItem,
    Finding,
    Nonconformity,
    AuditEvent,
    Notification,
)
YEAR = 2026


refused = refusal_checker(*TRACKED)


def user(email, role):
    return User.objects.create_user(email, "x" * 12, full_name=email.split("@")[0], role=role)


@pytest.fixture
def team(in_a):
    """P1 (head `head1`, member `member_a`) is audited by `auditor`, a member of P2."""
    w = in_a
    w.head1 = user("head1@alpha.test", Role.UNIT_HEAD)
    w.auditor = user("auditor@alpha.test", Role.INTERNAL_AUDITOR)
    w.auditor2 = user("auditor2@alpha.test", Role.INTERNAL_AUDITOR)
    w.p1 = Unit.objects.create(code="P1", name="Phòng Quản lý chuyên ngành", head=w.head1)
    w.p1.members.add(w.member_a)
    w.p2 = Unit.objects.create(code="P2", name="Phòng Kế hoạch")
    w.p2.members.add(w.auditor)
    w.programme = audits.programme_create(actor=w.owner_a, year=YEAR, objectives="Toàn bộ HTQLCL")
    w.plan = audits.plan_create(
        actor=w.owner_a,
        programme=w.programme,
        title="Đánh giá nội bộ đợt 1",
        scope="Các quy trình TTHC",
        start_on=dt.date(YEAR, 5, 4),
        end_on=dt.date(YEAR, 5, 6),
        lead=w.auditor,
    )
    return w


@pytest.fixture
def assigned(team):
    w = team
    w.a1 = audits.assignment_add(actor=w.owner_a, plan=w.plan, auditor=w.auditor, unit=w.p1)
    return w


def trail(subject) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_type=subject._meta.model_name, subject_id=str(subject.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --------------------------------------------------------------------------- programme and plan


def test_the_clause_catalogue_is_seeded(in_a):
    assert Clause.objects.count() == len(catalogue().all_codes())
    assert Clause.objects.get(code="10.2").title == "Xử lý điểm không phù hợp và khắc phục"
    assert Clause.objects.filter(code="6.1.2").exists()  # the 2026 split is in the table
    codes = list(Clause.objects.values_list("code", flat=True))
    assert codes.index("9.3") < codes.index("10") < codes.index("10.1")  # sorted as numbers
    assert Clause.objects.get(code="9").is_heading and not Clause.objects.get(code="9.2").is_heading


def test_one_programme_per_year(team):
    w = team
    assert trail(w.programme) == ["create"]
    with refused("Năm 2026 đã có chương trình đánh giá", w.programme):
        audits.programme_create(actor=w.owner_a, year=YEAR)
    with refused("audits.manage", exc=PermissionDenied):
        audits.programme_create(actor=w.auditor, year=YEAR + 1)


def test_a_plan_is_created_with_the_default_criteria(team):
    w = team
    assert w.plan.status == "planned" and "TCVN ISO 9001:2015" in w.plan.criteria
    assert trail(w.plan) == ["create"]


@pytest.mark.parametrize(
    ("start", "end", "lead", "field", "message"),
    [
        ((5, 6), (5, 4), "auditor", "end_on", "Ngày kết thúc phải từ ngày bắt đầu trở đi"),
        ((12, 30), (13, 2), "auditor", "start_on", "phải nằm trong năm của chương trình (2026)"),
        ((0, 1), (1, 5), "auditor", "start_on", "phải nằm trong năm của chương trình (2026)"),
        ((5, 4), (5, 6), "member_a", "lead", "không có vai trò đánh giá viên"),
        ((5, 4), (5, 6), "reader_a", "lead", "không có vai trò đánh giá viên"),
    ],
)
def test_a_plan_out_of_its_year_or_without_a_qualified_lead_is_refused(
    team, start, end, lead, field, message
):
    w = team

    def day(month_day):  # month 0 and 13 spill into the neighbouring years
        month, d = month_day
        base = dt.date(YEAR - 1, 12, d) if month == 0 else None
        base = base or (dt.date(YEAR + 1, month - 12, d) if month > 12 else dt.date(YEAR, month, d))
        return base

    with refused(message) as info:
        audits.plan_create(
            actor=w.owner_a,
            programme=w.programme,
            title="Đợt 2",
            scope="x",
            start_on=day(start),
            end_on=day(end),
            lead=getattr(w, lead),
        )
    assert field in info.value.message_dict


# --------------------------------------------------------------------------- independence


def test_an_independent_auditor_is_assigned_and_told(assigned):
    w = assigned
    assert (w.a1.auditor, w.a1.unit) == (w.auditor, w.p1)
    notice = Notification.objects.get(user=w.auditor)
    assert notice.key == f"audit:{w.plan.pk}:assign:{w.p1.pk}"
    assert "Phòng Quản lý chuyên ngành (04/05/2026)" in notice.title
    event = AuditEvent.objects.get(action="assign")
    assert event.parent_id == str(w.plan.pk)
    assert event.changes == {"auditor": "auditor@alpha.test", "unit": "Phòng Quản lý chuyên ngành"}
    # assigning again keeps the one assignment and the one notice
    again = audits.assignment_add(actor=w.owner_a, plan=w.plan, auditor=w.auditor, unit=w.p1)
    assert again.pk == w.a1.pk and Notification.objects.filter(user=w.auditor).count() == 1


@pytest.mark.parametrize("link", ["member", "head"])
def test_nobody_audits_their_own_unit(team, link):
    w = team
    if link == "head":
        w.p1.head = w.auditor2
        w.p1.save()
        person, unit = w.auditor2, w.p1
    else:
        person, unit = w.auditor, w.p2
    with refused("không ai đánh giá đơn vị của chính mình") as info:
        audits.assignment_add(actor=w.owner_a, plan=w.plan, auditor=person, unit=unit)
    assert f"thuộc {unit.name}" in _text(info.value)


def test_an_assigned_auditor_needs_the_auditor_role(team):
    w = team
    with refused("Thành Viên Alpha không có vai trò đánh giá viên"):
        audits.assignment_add(actor=w.owner_a, plan=w.plan, auditor=w.member_a, unit=w.p2)
    with refused("audits.manage", exc=PermissionDenied):
        audits.assignment_add(actor=w.auditor, plan=w.plan, auditor=w.auditor2, unit=w.p1)


def test_independence_also_holds_for_the_lead_and_the_secretary_at_work(assigned):
    """The lead and the ISO secretary may fill in any item, except those of their own unit."""
    w = assigned
    audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["7.5"])
    item = ChecklistItem.objects.get(assignment=w.a1)
    w.p1.members.add(w.owner_a)  # the secretary works in the audited unit
    with refused("không ai đánh giá đơn vị của chính mình", item, w.plan):
        audits.checklist_assess(actor=w.owner_a, item=item, grade="conformity")
    with refused("không ai đánh giá đơn vị của chính mình", w.plan):
        audits.finding_record(
            actor=w.owner_a, assignment=w.a1, grade="minor", description="Thiếu sổ"
        )
    w.p1.members.add(w.auditor)  # the auditor moved into the unit after being assigned
    with refused("không ai đánh giá đơn vị của chính mình", item, w.plan):
        audits.checklist_assess(actor=w.auditor, item=item, grade="conformity")


# --------------------------------------------------------------------------- checklist


def test_the_checklist_comes_from_the_chosen_clauses_and_the_units_procedures(assigned):
    w = assigned
    procedure = make_procedure(w.owner_a)  # step 2 is done by "Phòng Quản lý chuyên ngành"
    retired = make_procedure(w.owner_a, code="1.000009")
    retired.is_active = False
    retired.save()
    a2 = audits.assignment_add(actor=w.owner_a, plan=w.plan, auditor=w.auditor2, unit=w.p2)

    assert (
        audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["7.5", "8.1", "X"]) == 5
    )
    p1_items = ChecklistItem.objects.filter(assignment=w.a1)
    assert sorted(i.clause.code for i in p1_items if i.procedure is None) == ["7.5", "8.1"]
    from_procedure = p1_items.get(procedure__isnull=False)
    assert from_procedure.procedure == procedure and from_procedure.clause.code == "8.1"
    assert from_procedure.question.startswith("Quy trình 1.000001 Cấp giấy chứng nhận")
    assert ChecklistItem.objects.filter(assignment=a2).count() == 2  # P2 has no procedure step
    assert ChecklistItem.objects.get(assignment=a2, clause__code="7.5").question == (
        "Điều 7.5 — Tài liệu và hồ sơ: đơn vị đáp ứng như thế nào?"
    )

    # building again keeps what is there and adds only what is new
    assert audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["7.5", "8.1"]) == 0
    assert audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["9.2"]) == 2
    assert ChecklistItem.objects.filter(plan=w.plan).count() == 7
    assert [e.changes for e in AuditEvent.objects.filter(action="checklist").order_by("id")] == [
        {"items": 5},
        {"items": 0},
        {"items": 2},
    ]


def test_a_checklist_without_any_known_clause_is_refused(assigned):
    w = assigned
    with refused("Chọn ít nhất một điều khoản cho danh mục kiểm tra", w.plan):
        audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["99.9"])
    with refused("audits.manage", w.plan, exc=PermissionDenied):
        audits.checklist_build(actor=w.auditor, plan=w.plan, clause_codes=["7.5"])


def test_assessing_starts_the_audit_and_is_kept_to_the_team(assigned):
    w = assigned
    audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["7.5"])
    item = ChecklistItem.objects.get()
    with refused("Bạn không được phân công đánh giá đơn vị này", item, exc=PermissionDenied):
        audits.checklist_assess(actor=w.auditor2, item=item, grade="conformity")
    with refused("Kết quả không hợp lệ", item, w.plan):
        audits.checklist_assess(actor=w.auditor, item=item, grade="excellent")
    audits.checklist_assess(actor=w.auditor, item=item, grade="observation", evidence=" Sổ ")
    item.refresh_from_db()
    w.plan.refresh_from_db()
    assert (item.grade, item.evidence) == ("observation", "Sổ") and item.assessed_at
    assert w.plan.status == "in_progress"
    assert "status" in trail(w.plan)  # the plan's change of status is on its trail
    assert trail(item) == ["assess"]


# --------------------------------------------------------------------------- findings


@pytest.mark.parametrize(("grade", "severity"), [("minor", "minor"), ("major", "major")])
def test_a_nonconformity_finding_opens_a_nonconformity(assigned, grade, severity):
    w = assigned
    clause = Clause.objects.get(code="7.5")
    finding = audits.finding_record(
        actor=w.auditor,
        assignment=w.a1,
        grade=grade,
        clause=clause,
        description=" Hồ sơ không có phiếu kiểm soát ",
        evidence="HS-12, HS-15",
    )
    nc = finding.nonconformity
    assert (nc.source, nc.source_type, nc.source_id) == ("audit", "finding", str(finding.pk))
    assert (nc.severity, nc.unit, nc.owner, nc.status) == (severity, w.p1, w.head1, "open")
    assert nc.title == "Hồ sơ không có phiếu kiểm soát" and nc.description == "HS-12, HS-15"
    assert nc.source_ref == "Đánh giá nội bộ đợt 1 — 7.5"
    assert nc.created_by == w.auditor
    assert Notification.objects.filter(user=w.head1, key=f"nc:{nc.pk}:owner").exists()
    assert trail(finding) == ["finding"] and trail(nc) == ["create"]
    assert AuditPlan.objects.get(pk=w.plan.pk).status == "in_progress"


@pytest.mark.parametrize("grade", ["observation", "opportunity", "conformity"])
def test_other_findings_open_no_nonconformity(assigned, grade):
    w = assigned
    finding = audits.finding_record(
        actor=w.auditor, assignment=w.a1, grade=grade, description="Nên số hoá sổ"
    )
    assert finding.nonconformity is None and not Nonconformity.objects.exists()


@pytest.mark.parametrize(
    ("grade", "description", "message"),
    [("minor", "  ", "Cần mô tả phát hiện"), ("critical", "Thiếu", "Phân loại không hợp lệ")],
)
def test_an_empty_or_ungraded_finding_is_refused(assigned, grade, description, message):
    w = assigned
    with refused(message, w.plan):
        audits.finding_record(
            actor=w.auditor, assignment=w.a1, grade=grade, description=description
        )


def test_only_the_team_records_findings(assigned):
    w = assigned
    with refused("Bạn không được phân công đánh giá đơn vị này", exc=PermissionDenied):
        audits.finding_record(actor=w.auditor2, assignment=w.a1, grade="minor", description="X")


# --------------------------------------------------------------------------- report


def test_the_report_needs_every_item_assessed_and_a_conclusion(assigned):
    w = assigned
    audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["7.5", "8.1"])
    first, second = ChecklistItem.objects.order_by("id")
    with refused("Còn 2 nội dung kiểm tra chưa có kết quả", w.plan):
        audits.plan_report(actor=w.auditor, plan=w.plan, conclusion="Phù hợp")
    audits.checklist_assess(actor=w.auditor, item=first, grade="conformity")
    with refused("Còn 1 nội dung kiểm tra chưa có kết quả", w.plan):
        audits.plan_report(actor=w.auditor, plan=w.plan, conclusion="Phù hợp")
    audits.checklist_assess(actor=w.auditor, item=second, grade="minor")
    with refused("Cần kết luận của đoàn đánh giá", w.plan):
        audits.plan_report(actor=w.auditor, plan=w.plan, conclusion=" ")
    with refused("Bạn không được phân công", w.plan, exc=PermissionDenied):
        audits.plan_report(actor=w.auditor2, plan=w.plan, conclusion="Phù hợp")

    plan = audits.plan_report(actor=w.auditor, plan=w.plan, conclusion=" Cơ bản phù hợp ")
    plan.refresh_from_db()
    assert (plan.status, plan.conclusion) == ("reported", "Cơ bản phù hợp") and plan.reported_at
    assert trail(plan)[-1] == "audit_report"


def test_a_reported_audit_takes_nothing_more(assigned):
    w = assigned
    audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["7.5"])
    item = ChecklistItem.objects.get()
    audits.checklist_assess(actor=w.auditor, item=item, grade="conformity")
    audits.plan_report(actor=w.auditor, plan=w.plan, conclusion="Phù hợp")
    message = "Cuộc đánh giá đã báo cáo; không ghi thêm"
    with refused(message, item, w.plan):
        audits.checklist_assess(actor=w.auditor, item=item, grade="minor")
    with refused(message, w.plan):
        audits.finding_record(actor=w.auditor, assignment=w.a1, grade="major", description="X")
    with refused(message, w.plan):
        audits.assignment_add(actor=w.owner_a, plan=w.plan, auditor=w.auditor2, unit=w.p2)
    with refused(message, w.plan):
        audits.checklist_build(actor=w.owner_a, plan=w.plan, clause_codes=["9.2"])
    with refused(message, w.plan):
        audits.plan_report(actor=w.auditor, plan=w.plan, conclusion="Lần hai")


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_audit_report_renders_the_findings_as_pdf_and_docx(assigned):
    w = assigned
    minor = audits.finding_record(
        actor=w.auditor,
        assignment=w.a1,
        grade="minor",
        clause=Clause.objects.get(code="8.5"),
        description="Phiếu kiểm soát thiếu chữ ký",
    )
    audits.finding_record(
        actor=w.auditor, assignment=w.a1, grade="opportunity", description="Số hoá sổ"
    )
    audits.checklist_build(
        actor=w.owner_a, plan=w.plan, clause_codes=["7.5"], include_procedures=False
    )
    for item in w.plan.checklist.all():
        audits.checklist_assess(actor=w.auditor, item=item, grade="conformity")
    audits.plan_report(actor=w.auditor, plan=w.plan, conclusion="Cơ bản phù hợp")
    assert audits.findings_summary(w.plan) == {
        "conformity": 0,
        "observation": 0,
        "minor": 1,
        "major": 0,
        "opportunity": 1,
    }
    report = audits.audit_report(AuditPlan.objects.get(pk=w.plan.pk))
    assert to_pdf(report)[:4] == b"%PDF"
    text = docx_text(to_docx(report))
    assert "SỞ ALPHA" in text and "BÁO CÁO\nKết quả đánh giá nội bộ: " in text
    assert re.search(r"Số: \d{2,}/BC-ALPHA", text)  # numbered when the audit was reported
    assert "Từ 04/05/2026 đến 06/05/2026" in text
    assert "Phiếu kiểm soát thiếu chữ ký" in text and f"SKPH-{minor.nonconformity_id}" in text
    assert "Không phù hợp nhẹ" in text and "Cơ hội cải tiến" in text
    assert "Cơ bản phù hợp" in text and "Trưởng đoàn: auditor" in text
    assert "auditor — Phòng Quản lý chuyên ngành" in text


def test_an_audit_without_a_checklist_cannot_be_reported(assigned):
    w = assigned
    with pytest.raises(ValidationError, match="Chưa có nội dung kiểm tra nào"):
        audits.plan_report(actor=w.auditor, plan=w.plan, conclusion="Phù hợp")
    assert AuditPlan.objects.get(pk=w.plan.pk).status != "reported"
