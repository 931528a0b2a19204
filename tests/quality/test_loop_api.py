"""`/api/v1/` of the improvement loop: nonconformities and actions, context and risks,
objectives, internal audit, survey results, management reviews and the annual report.

The same rules as the services (refusals are 4xx with the service's Vietnamese message and
change nothing), and agency isolation (another agency's ids are not found).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import get_resolver
from django.utils import timezone
from django_tenants.utils import schema_context

from iso_platform.accounts.models import Role, User
from quality.audits import services as audits
from quality.audits.models import (
    Assignment,
    AuditPlan,
    AuditProgramme,
    ChecklistItem,
    Finding,
)
from quality.core.models import AuditEvent, Notification, Unit
from quality.feedback.models import SurveyResponse
from quality.improvement import services as improvement
from quality.improvement.models import Action, Nonconformity
from quality.objectives import services as objectives
from quality.objectives.models import Measurement, Objective
from quality.reviews.models import AnnualReport, ManagementReview, ReviewItem
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import meetings as review_meetings
from quality.risks import services as risks
from quality.risks.models import ContextIssue, Risk

FOREIGN_ID = 900001
API_MODULES = (
    "quality.improvement.api_urls",
    "quality.risks.api_urls",
    "quality.objectives.api_urls",
    "quality.audits.api_urls",
    "quality.feedback.api_urls",
    "quality.reviews.api_urls",
)
MODELS = (
    Nonconformity,
    Action,
    ContextIssue,
    Risk,
    Objective,
    Measurement,
    AuditProgramme,
    AuditPlan,
    Assignment,
    ChecklistItem,
    Finding,
    SurveyResponse,
    ManagementReview,
    ReviewItem,
    AnnualReport,
)


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def api(world, client_for, eager):
    return {
        name: client_for(world.agency_a, getattr(world, name))
        for name in ("owner_a", "member_a", "leader_a", "reader_a")
    }


@pytest.fixture
def people(world, client_for):
    """Agency A's unit (head: member_a) and an internal auditor from outside it."""
    with schema_context(world.agency_a.schema_name):
        unit = Unit.objects.create(code="P.MC", name="Phòng Một cửa", head=world.member_a)
        unit.members.add(world.member_a)
        auditor = User.objects.create_user(
            "auditor@alpha.test", "x" * 12, full_name="Đánh Giá Viên", role=Role.INTERNAL_AUDITOR
        )
    return SimpleNamespace(
        unit=unit, auditor=auditor, auditor_api=client_for(world.agency_a, auditor)
    )


def in_a(world):
    return schema_context(world.agency_a.schema_name)


# --------------------------------------------------------------------------- the whole loop


def test_from_an_audit_finding_to_a_closed_nonconformity(world, api, people):
    year = today().year
    secretary, staff, auditor = api["owner_a"], api["member_a"], people.auditor_api

    programme = post(
        secretary, "/api/v1/audit-programmes/", {"year": year, "objectives": "Toàn bộ HTQLCL"}
    )
    assert programme.status_code == 201, programme.json()
    plan = post(
        secretary,
        "/api/v1/audit-plans/",
        {
            "programme": programme.json()["id"],
            "title": "Đánh giá nội bộ lần 1",
            "scope": "Bộ phận một cửa",
            "start_on": f"{year}-01-05",
            "end_on": f"{year}-01-06",
            "lead": people.auditor.pk,
        },
    )
    assert plan.status_code == 201, plan.json()
    plan_url = f"/api/v1/audit-plans/{plan.json()['id']}"
    team = post(
        secretary,
        f"{plan_url}/assignments/",
        {"auditor": people.auditor.pk, "unit": people.unit.pk},
    )
    assert team.status_code == 201 and team.json()["unit"]["name"] == "Phòng Một cửa"
    built = post(
        secretary,
        f"{plan_url}/checklist/",
        {"clauses": ["7.5", "8.1"], "include_procedures": False},
    )
    assert built.status_code == 201 and built.json() == {"created": 2}
    items = auditor.get(f"{plan_url}/checklist/").json()
    assert sorted(i["clause"] for i in items) == ["7.5", "8.1"]
    for item in items:
        assessed = post(
            auditor,
            f"/api/v1/checklist-items/{item['id']}/assess/",
            {"grade": "conformity", "evidence": "Sổ theo dõi"},
        )
        assert assessed.status_code == 200 and assessed.json()["grade"] == "conformity"
    finding = post(
        auditor,
        f"{plan_url}/findings/",
        {
            "assignment": team.json()["id"],
            "grade": "minor",
            "clause": "7.5",
            "description": "Thiếu sổ theo dõi hồ sơ tháng 3",
            "evidence": "Không có sổ",
        },
    )
    assert finding.status_code == 201, finding.json()
    nc_id = finding.json()["nonconformity"]
    assert nc_id
    detail = secretary.get(f"{plan_url}/").json()
    assert detail["status"] == "in_progress"
    assert detail["checklist_counts"] == {"total": 2, "assessed": 2}
    assert detail["finding_counts"]["minor"] == 1
    assert [m["auditor"]["id"] for m in detail["team"]] == [people.auditor.pk]
    reported = post(auditor, f"{plan_url}/report/", {"conclusion": "Cơ bản phù hợp"})
    assert reported.status_code == 200 and reported.json()["status"] == "reported"

    nc_url = f"/api/v1/nonconformities/{nc_id}"
    nc = staff.get(f"{nc_url}/").json()
    assert (nc["status"], nc["source"], nc["severity"]) == ("open", "audit", "minor")
    assert nc["owner"]["id"] == world.member_a.pk and nc["unit"] == people.unit.pk
    found = staff.get("/api/v1/nonconformities/", {"q": "thieu so theo doi"}).json()
    assert [n["id"] for n in found["results"]] == [nc_id]

    corrected = post(staff, f"{nc_url}/correct/", {"correction": "Đã lập sổ bổ sung"})
    assert corrected.status_code == 200 and corrected.json()["status"] == "corrected"
    analysed = post(
        secretary,
        f"{nc_url}/analyse/",
        {
            "method": "five_whys",
            "detail": {"whys": ["Chưa lập sổ", "Chưa phân công người lập"]},
            "root_cause": "Chưa phân công người lập sổ",
        },
    )
    assert analysed.status_code == 200 and analysed.json()["status"] == "analysed"
    assert analysed.json()["root_cause_detail"]["whys"][1] == "Chưa phân công người lập"
    action = post(
        secretary,
        f"{nc_url}/actions/",
        {"title": "Phân công người lập sổ", "owner": world.member_a.pk, "due_on": str(today())},
    )
    assert action.status_code == 201, action.json()
    assert action.json()["kind"] == "corrective" and action.json()["nonconformity"] == nc_id
    action_url = f"/api/v1/actions/{action.json()['id']}"
    assert staff.get(f"{nc_url}/").json()["status"] == "actions"
    assert [a["id"] for a in staff.get(f"{nc_url}/actions/").json()] == [action.json()["id"]]

    # Not while an action is open: the service's message, and nothing changes.
    refused = post(secretary, f"{nc_url}/close/", {"verification_note": "Đã kiểm tra"})
    assert refused.status_code == 400
    assert "còn 1 hành động chưa được xác nhận hiệu lực" in str(refused.json())
    with in_a(world):
        assert Nonconformity.objects.get(pk=nc_id).status == "actions"

    mine = staff.get("/api/v1/actions/", {"mine": "1"}).json()["results"]
    assert action.json()["id"] in [a["id"] for a in mine]
    done = post(staff, f"{action_url}/complete/", {"note": "Đã phân công bằng văn bản"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    self_check = post(staff, f"{action_url}/verify/", {"effective": True})
    assert self_check.status_code == 403
    verified = post(
        secretary, f"{action_url}/verify/", {"effective": True, "note": "Sổ được cập nhật"}
    )
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    assert verified.json()["verified_by"]["id"] == world.owner_a.pk
    verifying = staff.get(f"{nc_url}/").json()
    assert verifying["status"] == "verifying"
    # Effectiveness is checked after the set time (30 days by default), not at once.
    early = post(secretary, f"{nc_url}/close/", {"verification_note": "Không tái diễn"})
    assert early.status_code == 400 and "được kiểm tra từ ngày" in str(early.json())
    with in_a(world):
        Nonconformity.objects.filter(pk=nc_id).update(verification_due_on=today())

    closed = post(secretary, f"{nc_url}/close/", {"verification_note": "Không tái diễn"})
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    assert closed.json()["actions"][0]["status"] == "verified"
    not_again = post(secretary, f"{nc_url}/correct/", {"correction": "Thêm"})
    assert not_again.status_code == 400 and "đã đóng" in str(not_again.json())

    reopened = post(secretary, f"{nc_url}/reopen/", {"reason": "Tái diễn tháng sau"})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "actions" and reopened.json()["reopen_count"] == 1
    twice = post(secretary, f"{nc_url}/reopen/", {"reason": "Lần nữa"})
    assert twice.status_code == 400
    assert "Chỉ mở lại được sự không phù hợp đã đóng." in str(twice.json())
    with in_a(world):
        trail = set(
            AuditEvent.objects.filter(subject_type="nonconformity", subject_id=str(nc_id))
            .values_list("action", flat=True)
            .distinct()
        )
    assert trail >= {"create", "nc_correct", "nc_analyse", "nc_close", "nc_reopen"}


def test_recording_a_nonconformity_and_cancelling_an_action(world, api):
    staff, secretary = api["member_a"], api["owner_a"]
    created = post(
        staff,
        "/api/v1/nonconformities/",
        {"source": "self", "title": "Trả kết quả sai địa chỉ", "owner": world.member_a.pk},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["created_at"] and created.json()["actions"] == []
    nc_url = f"/api/v1/nonconformities/{created.json()['id']}"
    blank = post(staff, "/api/v1/nonconformities/", {"source": "self", "title": " "})
    assert blank.status_code == 400 and blank.json()["title"] == ["Cần mô tả sự không phù hợp."]
    too_early = post(
        secretary,
        f"{nc_url}/actions/",
        {"title": "Đối chiếu địa chỉ", "owner": world.member_a.pk, "due_on": str(today())},
    )
    assert too_early.status_code == 400
    assert "Cần phân tích nguyên nhân gốc rễ trước" in str(too_early.json())
    bad_fishbone = post(
        secretary,
        f"{nc_url}/analyse/",
        {"method": "fishbone", "detail": {"groups": {}}, "root_cause": "X"},
    )
    assert bad_fishbone.status_code == 400
    assert "Biểu đồ xương cá cần ít nhất một nguyên nhân" in str(bad_fishbone.json())
    analysed = post(
        secretary,
        f"{nc_url}/analyse/",
        {
            "method": "fishbone",
            "detail": {"groups": {"con_nguoi": ["Nhập sai"], "may_moc": []}},
            "root_cause": "Không đối chiếu",
        },
    )
    assert analysed.json()["root_cause_detail"]["groups"]["con_nguoi"] == ["Nhập sai"]
    past = post(
        secretary,
        f"{nc_url}/actions/",
        {
            "title": "Đối chiếu",
            "owner": world.member_a.pk,
            "due_on": str(today() - dt.timedelta(days=1)),
        },
    )
    assert past.status_code == 400 and past.json()["due_on"] == [
        "Thời hạn không được trước hôm nay."
    ]
    nobody = post(
        secretary,
        f"{nc_url}/actions/",
        {"title": "Đối chiếu", "owner": FOREIGN_ID, "due_on": str(today())},
    )
    assert nobody.status_code == 400
    assert f"Không có người dùng đang hoạt động mã {FOREIGN_ID}" in nobody.json()["owner"][0]
    action = post(
        secretary,
        f"{nc_url}/actions/",
        {"title": "Đối chiếu", "owner": world.member_a.pk, "due_on": str(today())},
    )
    action_url = f"/api/v1/actions/{action.json()['id']}"
    assert api["reader_a"].get(f"{action_url}/").json()["overdue"] is False
    no_reason = post(secretary, f"{action_url}/cancel/", {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["reason"] == ["Cần nêu lý do."]
    cancelled = post(secretary, f"{action_url}/cancel/", {"reason": "Trùng việc"})
    assert cancelled.json()["status"] == "cancelled"
    again = post(secretary, f"{action_url}/cancel/", {"reason": "Trùng việc"})
    assert again.status_code == 400 and "không thể huỷ" in str(again.json())
    cancelled_list = secretary.get("/api/v1/actions/", {"status": "cancelled"}).json()
    assert [a["id"] for a in cancelled_list["results"]] == [action.json()["id"]]
    assert secretary.get("/api/v1/actions/", {"overdue": "1"}).json()["count"] == 0


# --------------------------------------------------------------------------- risks


def test_a_risk_score_outside_the_matrix_is_refused(world, api):
    secretary = api["owner_a"]
    with in_a(world):
        before = Risk.objects.count()
    refused = post(
        secretary,
        "/api/v1/risks/",
        {"title": "Mất hồ sơ giấy", "likelihood": 6, "impact": 3, "owner": world.member_a.pk},
    )
    assert refused.status_code == 400
    assert refused.json()["likelihood"] == [
        "Khả năng xảy ra phải là số nguyên từ 1 đến 5 (ma trận 5 x 5)."
    ]
    with in_a(world):
        assert Risk.objects.count() == before

    created = post(
        secretary,
        "/api/v1/risks/",
        {"title": "Mất hồ sơ giấy", "likelihood": 4, "impact": 5, "owner": world.member_a.pk},
    )
    assert created.status_code == 201, created.json()
    risk = created.json()
    assert risk["score"] == 20 and risk["level"]["key"] == "very_high"
    risk_url = f"/api/v1/risks/{risk['id']}"
    zero = patch(secretary, f"{risk_url}/", {"impact": 0})
    assert zero.status_code == 400 and "từ 1 đến 5" in zero.json()["impact"][0]
    residual = post(
        secretary, f"{risk_url}/reevaluate/", {"residual_likelihood": 2, "residual_impact": 9}
    )
    assert residual.status_code == 400 and "residual_impact" in residual.json()
    with in_a(world):
        unchanged = Risk.objects.get(pk=risk["id"])
        assert (unchanged.impact, unchanged.status, unchanged.residual_impact) == (5, "open", None)

    edited = patch(secretary, f"{risk_url}/", {"cause": "Kho lưu trữ chật", "impact": 4})
    assert edited.json()["cause"] == "Kho lưu trữ chật" and edited.json()["score"] == 16
    treatment = post(
        secretary,
        f"{risk_url}/actions/",
        {"title": "Số hoá hồ sơ", "owner": world.member_a.pk, "due_on": str(today())},
    )
    assert treatment.status_code == 201
    assert (treatment.json()["kind"], treatment.json()["source_id"]) == ("risk", str(risk["id"]))
    assert [a["id"] for a in secretary.get(f"{risk_url}/actions/").json()] == [
        treatment.json()["id"]
    ]
    assert secretary.get("/api/v1/actions/", {"kind": "risk"}).json()["count"] == 1
    reevaluated = post(
        secretary,
        f"{risk_url}/reevaluate/",
        {"residual_likelihood": 1, "residual_impact": 2, "note": "Đã số hoá"},
    )
    assert reevaluated.json()["status"] == "treated"
    assert reevaluated.json()["residual_level"]["key"] == "low"

    heat = api["reader_a"].get("/api/v1/risks/heat-map/").json()
    assert heat["size"] == 5 and heat["impacts"] == [1, 2, 3, 4, 5]
    assert [row["likelihood"] for row in heat["rows"]] == [5, 4, 3, 2, 1]
    cell = heat["rows"][1]["cells"][3]  # likelihood 4, impact 4
    assert (cell["impact"], cell["count"], cell["level"]["key"]) == (4, 1, "high")
    assert heat["rows"][4]["cells"][0]["level"] == {"key": "low", "label": "Thấp", "css": "success"}
    assert [band["level"]["key"] for band in heat["bands"]] == [
        "low",
        "medium",
        "high",
        "very_high",
    ]
    listed = secretary.get("/api/v1/risks/", {"status": "treated"}).json()["results"]
    assert [r["id"] for r in listed] == [risk["id"]]


def test_context_issues(world, api):
    secretary = api["owner_a"]
    created = post(
        secretary,
        "/api/v1/context-issues/",
        {"kind": "party", "title": "Người dân nộp hồ sơ", "description": "Trả kết quả đúng hẹn"},
    )
    assert created.status_code == 201 and created.json()["is_active"] is True
    url = f"/api/v1/context-issues/{created.json()['id']}/"
    retired = patch(secretary, url, {"is_active": False})
    assert retired.status_code == 200, retired.json()
    assert retired.json()["is_active"] is False
    assert retired.json()["title"] == "Người dân nộp hồ sơ"
    blank = patch(secretary, url, {"title": "  "})
    assert blank.status_code == 400 and blank.json()["title"] == ["Cần mô tả."]
    assert secretary.get(url).json()["title"] == "Người dân nộp hồ sơ"
    parties = secretary.get("/api/v1/context-issues/", {"kind": "party"}).json()["results"]
    assert [i["id"] for i in parties] == [created.json()["id"]]


# --------------------------------------------------------------------------- objectives


def test_objectives_and_their_measurements(world, api):
    secretary, owner = api["owner_a"], api["member_a"]
    year = today().year - 1
    created = post(
        secretary,
        "/api/v1/objectives/",
        {
            "year": year,
            "title": "Giải quyết hồ sơ đúng hạn",
            "indicator": "Tỷ lệ hồ sơ đúng hạn",
            "target": "95.00",
            "frequency": "quarter",
            "owner": world.member_a.pk,
        },
    )
    assert created.status_code == 201, created.json()
    objective = created.json()
    assert [p["measured"] for p in objective["periods"]] == [False] * 4
    url = f"/api/v1/objectives/{objective['id']}"
    no_evidence = post(
        owner,
        f"{url}/measurements/",
        {
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-03-31",
            "value": "97",
            "evidence": "",
        },
    )
    assert no_evidence.status_code == 400
    assert no_evidence.json()["evidence"] == ["Số liệu nhập tay cần kèm bằng chứng."]
    wrong_period = post(
        owner,
        f"{url}/measurements/",
        {
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-01-31",
            "value": "97",
            "evidence": "x",
        },
    )
    assert wrong_period.status_code == 400 and "Kỳ đo không khớp" in str(wrong_period.json())
    with in_a(world):
        assert not Measurement.objects.filter(objective_id=objective["id"]).exists()
    measured = post(
        owner,
        f"{url}/measurements/",
        {
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-03-31",
            "value": "91.5",
            "evidence": "Báo cáo quý I",
        },
    )
    assert measured.status_code == 201, measured.json()
    assert measured.json()["met"] is False and measured.json()["recorded_by"]["id"] == (
        world.member_a.pk
    )
    detail = api["reader_a"].get(f"{url}/").json()
    assert [p["measured"] for p in detail["periods"]] == [True, False, False, False]
    assert detail["chart"]["datasets"][0]["data"] == [91.5]
    assert len(owner.get(f"{url}/measurements/").json()) == 1
    assert post(secretary, f"{url}/compute/").json()["stored"] == 0  # entered by hand
    plan = post(
        secretary,
        f"{url}/actions/",
        {"title": "Nhắc hạn hằng tuần", "owner": world.member_a.pk, "due_on": str(today())},
    )
    assert plan.status_code == 201 and plan.json()["kind"] == "objective"
    of_year = secretary.get("/api/v1/objectives/", {"year": year}).json()["results"]
    assert [o["id"] for o in of_year] == [objective["id"]]
    assert secretary.get("/api/v1/objectives/", {"year": year + 5}).json()["count"] == 0


# --------------------------------------------------------------------------- audits


def test_an_auditor_cannot_audit_their_own_unit(world, api, people):
    year = today().year
    with in_a(world):
        people.unit.members.add(people.auditor)
        programme = audits.programme_create(actor=world.owner_a, year=year)
        plan = audits.plan_create(
            actor=world.owner_a,
            programme=programme,
            title="ĐGNB",
            scope="Toàn bộ",
            start_on=dt.date(year, 2, 1),
            end_on=dt.date(year, 2, 2),
            lead=people.auditor,
        )
    refused = post(
        api["owner_a"],
        f"/api/v1/audit-plans/{plan.pk}/assignments/",
        {"auditor": people.auditor.pk, "unit": people.unit.pk},
    )
    assert refused.status_code == 400
    assert refused.json()["auditor"] == [
        "Đánh Giá Viên thuộc Phòng Một cửa: không ai đánh giá đơn vị của chính mình."
    ]
    with in_a(world):
        assert not Assignment.objects.filter(plan=plan).exists()
    staff = post(
        api["owner_a"],
        f"/api/v1/audit-plans/{plan.pk}/assignments/",
        {"auditor": world.reader_a.pk, "unit": people.unit.pk},
    )
    assert staff.status_code == 400 and "không có vai trò đánh giá viên" in str(staff.json())
    duplicate = post(api["owner_a"], "/api/v1/audit-programmes/", {"year": year})
    assert duplicate.status_code == 400
    assert duplicate.json()["year"] == [f"Năm {year} đã có chương trình đánh giá."]
    no_clause = post(
        api["owner_a"], f"/api/v1/audit-plans/{plan.pk}/checklist/", {"clauses": ["99.9"]}
    )
    assert no_clause.status_code == 400
    assert no_clause.json()["clauses"] == ["Chọn ít nhất một điều khoản cho danh mục kiểm tra."]
    clauses = api["reader_a"].get("/api/v1/clauses/").json()
    assert {"code": "9.2", "title": "Đánh giá nội bộ định kỳ"}.items() <= next(
        c for c in clauses if c["code"] == "9.2"
    ).items()
    listed = api["reader_a"].get("/api/v1/audit-plans/", {"year": year}).json()["results"]
    assert [p["id"] for p in listed] == [plan.pk]
    programmes = api["reader_a"].get("/api/v1/audit-programmes/").json()["results"]
    assert programmes[0]["plans"] == 1


def test_a_report_needs_every_checklist_item_assessed(world, api, people):
    year = today().year
    with in_a(world):
        programme = audits.programme_create(actor=world.owner_a, year=year)
        plan = audits.plan_create(
            actor=world.owner_a,
            programme=programme,
            title="ĐGNB",
            scope="Toàn bộ",
            start_on=dt.date(year, 3, 1),
            end_on=dt.date(year, 3, 2),
            lead=people.auditor,
        )
        audits.assignment_add(
            actor=world.owner_a, plan=plan, auditor=people.auditor, unit=people.unit
        )
        audits.checklist_build(
            actor=world.owner_a, plan=plan, clause_codes=["9.2"], include_procedures=False
        )
    refused = post(
        people.auditor_api, f"/api/v1/audit-plans/{plan.pk}/report/", {"conclusion": "OK"}
    )
    assert refused.status_code == 400
    assert "Còn 1 nội dung kiểm tra chưa có kết quả." in str(refused.json())
    with in_a(world):
        assert AuditPlan.objects.get(pk=plan.pk).status == "planned"


# --------------------------------------------------------------------------- reviews


def test_a_review_cannot_be_held_without_compiled_inputs(world, api):
    secretary = api["owner_a"]
    year = today().year
    created = post(
        secretary,
        "/api/v1/management-reviews/",
        {
            "title": "Họp xem xét của lãnh đạo năm nay",
            "meeting_on": str(today()),
            "chair": world.leader_a.pk,
            "period_start": f"{year}-01-01",
            "period_end": str(today()),
        },
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/management-reviews/{created.json()['id']}"
    refused = post(secretary, f"{url}/hold/", {"conclusions": "Duy trì hệ thống"})
    assert refused.status_code == 400
    assert "Chưa tổng hợp đầu vào" in str(refused.json())
    with in_a(world):
        review = ManagementReview.objects.get(pk=created.json()["id"])
        assert (review.status, review.held_at, review.conclusions) == ("draft", None, "")

    compiled = post(secretary, f"{url}/compile/")
    assert compiled.status_code == 200
    keys = [s["key"] for s in compiled.json()["inputs"]["sections"]]
    assert "9.3.2.a" in keys and "9.3.2.c.4" in keys
    no_conclusions = post(secretary, f"{url}/hold/", {"conclusions": ""})
    assert no_conclusions.status_code == 400
    assert no_conclusions.json()["conclusions"] == ["Cần ghi kết luận, quyết định của cuộc họp."]
    held = post(secretary, f"{url}/hold/", {"conclusions": "Duy trì hệ thống"})
    assert held.status_code == 200 and held.json()["status"] == "held"
    output = post(
        secretary,
        f"{url}/actions/",
        {"title": "Bổ sung máy scan", "owner": world.member_a.pk, "due_on": str(today())},
    )
    assert output.status_code == 201 and output.json()["kind"] == "review"
    assert len(api["reader_a"].get(f"{url}/actions/").json()) == 1
    assert post(secretary, f"{url}/compile/").status_code == 400


def test_the_annual_report(world, api):
    secretary = api["owner_a"]
    year = today().year - 1
    generated = post(secretary, "/api/v1/annual-reports/", {"year": year})
    assert generated.status_code == 201, generated.json()
    report = generated.json()
    assert report["figures"]["year"] == year and report["status"] == "draft"
    url = f"/api/v1/annual-reports/{report['id']}"
    edited = patch(
        secretary, f"{url}/", {"assessment": "Hệ thống được duy trì", "announced_conformity": True}
    )
    assert edited.json()["assessment"] == "Hệ thống được duy trì"
    assert edited.json()["announced_conformity"] is True
    submitted = post(secretary, f"{url}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    late = patch(secretary, f"{url}/", {"assessment": "Sửa"})
    assert late.status_code == 400 and "Báo cáo đã gửi; không sửa được nữa." in str(late.json())
    assert post(secretary, "/api/v1/annual-reports/", {"year": year}).status_code == 400
    assert post(secretary, "/api/v1/annual-reports/", {"year": 1990}).status_code == 400
    assert secretary.get(f"{url}/").json()["assessment"] == "Hệ thống được duy trì"


# --------------------------------------------------------------------------- survey results


def test_survey_results_default_to_this_year(world, api):
    with in_a(world):
        SurveyResponse.objects.create(overall=5, timeliness=4, staff=3, address_hash="a")
        SurveyResponse.objects.create(overall=1, timeliness=2, staff=3, address_hash="b")
        old = SurveyResponse.objects.create(overall=2, timeliness=2, staff=2, address_hash="c")
        SurveyResponse.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(days=800)
        )
    results = api["reader_a"].get("/api/v1/survey-results/").json()
    year = today().year
    assert (results["start"], results["end"]) == (f"{year}-01-01", f"{year}-12-31")
    assert results["total"]["n"] == 2 and results["total"]["avg_overall"] == 3.0
    assert results["low"] == 1
    assert results["by_month"][0]["month"] == today().replace(day=1).isoformat()
    assert results["by_procedure"][0]["procedure_code"] is None
    everything = api["reader_a"].get(
        "/api/v1/survey-results/", {"start": "2000-01-01", "end": str(today())}
    )
    assert everything.json()["total"]["n"] == 3
    backwards = api["reader_a"].get(
        "/api/v1/survey-results/", {"start": f"{year}-05-01", "end": f"{year}-04-01"}
    )
    assert backwards.status_code == 400
    assert backwards.json()["end"] == ["Ngày kết thúc phải từ ngày bắt đầu trở đi."]
    assert api["reader_a"].get("/api/v1/survey-results/", {"start": "hôm qua"}).status_code == 400


# --------------------------------------------------------------------------- read only


@pytest.fixture
def objects_a(world, people):
    """One of each kind in agency A, made by the ISO secretary through the services."""
    a, year = world.owner_a, today().year
    with in_a(world):
        nc = improvement.nc_create(actor=a, source="self", title="Sai sót tiếp nhận")
        improvement.nc_analyse(
            actor=a, nc=nc, method="five_whys", detail={"whys": ["x"]}, root_cause="y"
        )
        action = improvement.action_add(
            actor=a, nc=nc, title="Sửa", owner=world.member_a, due_on=today()
        )
        issue = risks.context_issue_save(actor=a, kind="internal", title="Nhân lực")
        risk = risks.risk_create(actor=a, title="R", likelihood=2, impact=2, owner=world.member_a)
        objective = objectives.objective_create(
            actor=a,
            year=year - 1,
            title="T",
            indicator="I",
            target=Decimal(90),
            owner=world.member_a,
            frequency="year",
        )
        programme = audits.programme_create(actor=a, year=year)
        plan = audits.plan_create(
            actor=a,
            programme=programme,
            title="P",
            scope="S",
            start_on=dt.date(year, 4, 1),
            end_on=dt.date(year, 4, 2),
            lead=people.auditor,
        )
        assignment = audits.assignment_add(
            actor=a, plan=plan, auditor=people.auditor, unit=people.unit
        )
        audits.checklist_build(actor=a, plan=plan, clause_codes=["9.2"], include_procedures=False)
        item = plan.checklist.get()
        review = review_meetings.review_create(
            actor=a,
            title="XXLĐ",
            meeting_on=today(),
            chair=world.leader_a,
            period_start=dt.date(year, 1, 1),
            period_end=today(),
        )
        report = annual_reports.annual_report_generate(actor=a, year=year - 1)
    return SimpleNamespace(**locals())


def _state(world):
    with in_a(world):
        state = {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}
        state["audit trail"] = AuditEvent.objects.count()
        state["notifications"] = Notification.objects.count()
        return state


def test_the_read_only_user_gets_403_on_every_write(world, api, people, objects_a):
    o, year = objects_a, today().year
    member = world.member_a.pk
    action = {"title": "X", "owner": member, "due_on": str(today())}
    writes = [
        ("post", "/api/v1/nonconformities/", {"source": "self", "title": "X"}),
        ("post", f"/api/v1/nonconformities/{o.nc.pk}/correct/", {"correction": "X"}),
        (
            "post",
            f"/api/v1/nonconformities/{o.nc.pk}/analyse/",
            {"method": "five_whys", "detail": {"whys": ["a"]}, "root_cause": "b"},
        ),
        ("post", f"/api/v1/nonconformities/{o.nc.pk}/close/", {"verification_note": "X"}),
        ("post", f"/api/v1/nonconformities/{o.nc.pk}/actions/", action),
        ("post", f"/api/v1/actions/{o.action.pk}/complete/", {"note": "X"}),
        ("post", f"/api/v1/actions/{o.action.pk}/verify/", {"effective": True}),
        ("post", f"/api/v1/actions/{o.action.pk}/cancel/", {"reason": "X"}),
        ("post", "/api/v1/context-issues/", {"kind": "internal", "title": "X"}),
        ("patch", f"/api/v1/context-issues/{o.issue.pk}/", {"title": "X"}),
        (
            "post",
            "/api/v1/risks/",
            {"title": "X", "likelihood": 1, "impact": 1, "owner": member},
        ),
        ("patch", f"/api/v1/risks/{o.risk.pk}/", {"title": "X"}),
        (
            "post",
            f"/api/v1/risks/{o.risk.pk}/reevaluate/",
            {"residual_likelihood": 1, "residual_impact": 1},
        ),
        ("post", f"/api/v1/risks/{o.risk.pk}/actions/", action),
        (
            "post",
            "/api/v1/objectives/",
            {"year": year, "title": "X", "indicator": "X", "target": "1", "owner": member},
        ),
        (
            "post",
            f"/api/v1/objectives/{o.objective.pk}/measurements/",
            {
                "period_start": f"{year - 1}-01-01",
                "period_end": f"{year - 1}-12-31",
                "value": "1",
                "evidence": "X",
            },
        ),
        ("post", f"/api/v1/objectives/{o.objective.pk}/compute/", {}),
        ("post", f"/api/v1/objectives/{o.objective.pk}/actions/", action),
        ("post", "/api/v1/audit-programmes/", {"year": year + 1}),
        (
            "post",
            "/api/v1/audit-plans/",
            {
                "programme": o.programme.pk,
                "title": "X",
                "scope": "X",
                "start_on": f"{year}-05-01",
                "end_on": f"{year}-05-02",
                "lead": people.auditor.pk,
            },
        ),
        (
            "post",
            f"/api/v1/audit-plans/{o.plan.pk}/assignments/",
            {"auditor": people.auditor.pk, "unit": people.unit.pk},
        ),
        ("post", f"/api/v1/audit-plans/{o.plan.pk}/checklist/", {"clauses": ["7.5"]}),
        (
            "post",
            f"/api/v1/audit-plans/{o.plan.pk}/findings/",
            {"assignment": o.assignment.pk, "grade": "minor", "description": "X"},
        ),
        ("post", f"/api/v1/audit-plans/{o.plan.pk}/report/", {"conclusion": "X"}),
        ("post", f"/api/v1/checklist-items/{o.item.pk}/assess/", {"grade": "conformity"}),
        (
            "post",
            "/api/v1/management-reviews/",
            {
                "title": "X",
                "meeting_on": str(today()),
                "chair": member,
                "period_start": f"{year}-01-01",
                "period_end": str(today()),
            },
        ),
        ("post", f"/api/v1/management-reviews/{o.review.pk}/compile/", {}),
        ("post", f"/api/v1/management-reviews/{o.review.pk}/hold/", {"conclusions": "X"}),
        ("post", f"/api/v1/management-reviews/{o.review.pk}/actions/", action),
        ("post", "/api/v1/annual-reports/", {"year": year}),
        ("patch", f"/api/v1/annual-reports/{o.report.pk}/", {"assessment": "X"}),
        ("post", f"/api/v1/annual-reports/{o.report.pk}/submit/", {}),
    ]
    reader = api["reader_a"]
    before = _state(world)
    for method, url, data in writes:
        response = (post if method == "post" else patch)(reader, url, data)
        assert response.status_code == 403, f"{method.upper()} {url}: {response.content!r}"
        detail = response.json()["detail"]
        assert detail.startswith(("Bạn ", "Chỉ ")), f"{url}: {detail}"  # Vietnamese
    assert _state(world) == before
    # The read-only user still reads everything.
    for url in (
        f"/api/v1/nonconformities/{o.nc.pk}/",
        f"/api/v1/risks/{o.risk.pk}/",
        f"/api/v1/objectives/{o.objective.pk}/",
        f"/api/v1/audit-plans/{o.plan.pk}/",
        f"/api/v1/management-reviews/{o.review.pk}/",
        f"/api/v1/annual-reports/{o.report.pk}/",
    ):
        assert reader.get(url).status_code == 200, url


# --------------------------------------------------------------------------- isolation


@pytest.fixture
def foreign_objects(world):
    """One object of each kind in agency B, numbered from FOREIGN_ID: ids A does not have."""
    b, year = world.user_b, today().year
    with schema_context(world.agency_b.schema_name):
        with connection.cursor() as cur:
            for model in MODELS:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                    [model._meta.db_table, FOREIGN_ID],
                )
        staff = User.objects.create_user(
            "staff@beta.test", "x" * 12, full_name="Cán Bộ Beta", role=Role.STAFF
        )
        unit = Unit.objects.create(code="P.BETA", name="Phòng của Sở Beta")
        improvement.nc_create(actor=b, source="self", title="SKPH của Sở Beta")
        risks.context_issue_save(actor=b, kind="internal", title="Bối cảnh Sở Beta")
        risk = risks.risk_create(
            actor=b, title="Rủi ro Sở Beta", likelihood=3, impact=3, owner=staff
        )
        improvement.action_add(
            actor=b,
            kind="risk",
            source_type="risk",
            source_id=str(risk.pk),
            title="Biện pháp Sở Beta",
            owner=staff,
            due_on=today(),
        )
        objective = objectives.objective_create(
            actor=b,
            year=year - 1,
            title="Mục tiêu Sở Beta",
            indicator="Chỉ số Beta",
            target=Decimal(90),
            owner=staff,
            frequency="year",
        )
        objectives.measurement_record(
            actor=b,
            objective=objective,
            period_start=dt.date(year - 1, 1, 1),
            period_end=dt.date(year - 1, 12, 31),
            value=Decimal(95),
            evidence="Báo cáo Beta",
        )
        programme = audits.programme_create(actor=b, year=year, objectives="Chương trình Beta")
        plan = audits.plan_create(
            actor=b,
            programme=programme,
            title="Đánh giá Sở Beta",
            scope="Beta",
            start_on=dt.date(year, 1, 5),
            end_on=dt.date(year, 1, 6),
            lead=b,
        )
        assignment = audits.assignment_add(actor=b, plan=plan, auditor=b, unit=unit)
        audits.checklist_build(actor=b, plan=plan, clause_codes=["9.2"], include_procedures=False)
        audits.finding_record(
            actor=b, assignment=assignment, grade="observation", description="Phát hiện Beta"
        )
        SurveyResponse.objects.create(
            overall=1, timeliness=1, staff=1, comment="Góp ý Beta", address_hash="beta"
        )
        review_meetings.review_item_add(source="beta", source_id="1", title="Nội dung Beta")
        review = review_meetings.review_create(
            actor=b,
            title="Xem xét Sở Beta",
            meeting_on=today(),
            chair=b,
            period_start=dt.date(year, 1, 1),
            period_end=today(),
        )
        review_meetings.review_compile_inputs(actor=b, review=review)
        annual_reports.annual_report_generate(actor=b, year=year - 1)
        for model in MODELS:
            assert model.objects.filter(pk=FOREIGN_ID).exists(), model
    with in_a(world):
        for model in MODELS:
            assert not model.objects.filter(pk=FOREIGN_ID).exists(), model


def _loop_routes():
    return [
        "/api/v1/" + str(pattern.pattern)
        for module in API_MODULES
        for pattern in get_resolver(module).url_patterns
        if "<int:" in str(pattern.pattern)
    ]


def test_every_object_route_is_covered():
    routes = _loop_routes()
    assert len(routes) >= 25
    assert all(r.count("<int:pk>") == 1 and r.count("<") == 1 for r in routes), routes


@pytest.mark.parametrize("route", _loop_routes())
def test_ids_of_another_agency_are_not_found(world, api, foreign_objects, route):
    url = route.replace("<int:pk>", str(FOREIGN_ID))
    for method in ("get", "post", "patch"):
        response = getattr(api["owner_a"], method)(url, {}, content_type="application/json")
        assert response.status_code in (404, 405), f"{method.upper()} {url}"
        assert b"Beta" not in response.content and b"beta" not in response.content


LISTS = (
    "/api/v1/nonconformities/",
    "/api/v1/actions/",
    "/api/v1/context-issues/",
    "/api/v1/risks/",
    "/api/v1/objectives/",
    "/api/v1/audit-programmes/",
    "/api/v1/audit-plans/",
    "/api/v1/management-reviews/",
    "/api/v1/annual-reports/",
)


def test_lists_show_only_this_agencys_objects(world, api, foreign_objects):
    for url in LISTS:
        response = api["owner_a"].get(url)
        assert response.status_code == 200, url
        assert b"Beta" not in response.content, url
        assert FOREIGN_ID not in [row["id"] for row in response.json()["results"]], url
    with in_a(world):
        open_risks = Risk.objects.exclude(status="closed").count()
        responses = SurveyResponse.objects.count()
    heat = api["owner_a"].get("/api/v1/risks/heat-map/").json()
    assert sum(c["count"] for row in heat["rows"] for c in row["cells"]) == open_risks
    results = api["owner_a"].get("/api/v1/survey-results/").json()
    assert results["total"]["n"] == responses
    assert b"Beta" not in api["owner_a"].get("/api/v1/survey-results/").content


# --------------------------------------------------------------------------- schema


def test_the_loop_is_in_the_openapi_schema(world, client_for):
    schema = client_for(world.agency_a).get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for route in _loop_routes():
        assert route.replace("<int:pk>", "{id}") in paths, route
    for path in (
        "/api/v1/nonconformities/",
        "/api/v1/actions/",
        "/api/v1/risks/heat-map/",
        "/api/v1/clauses/",
        "/api/v1/survey-results/",
        "/api/v1/annual-reports/",
    ):
        assert path in paths, path


def test_the_schema_generates_without_warnings():
    """What `manage.py check --deploy` reports for drf-spectacular (W001/W002)."""
    from drf_spectacular.checks import schema_check
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    assert [issue.msg for issue in schema_check(None)] == []
