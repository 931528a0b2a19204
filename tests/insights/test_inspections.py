"""Inspections: the yearly plan, the agencies chosen, recording the inspection with its
findings and the frozen figures; Vietnamese form errors, nothing half-written; province
users only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from insights.models import (
    AgencyFact,
    AgencyStatus,
    Grain,
    Inspection,
    InspectionFinding,
    InspectionPlan,
    InspectionStatus,
)
from insights.services import inspections as services
from tenants.models import AgencyEvent

TODAY = timezone.localdate()
YEAR = TODAY.year


def month_start(back: int) -> dt.date:
    return services.month_start(TODAY, back)


@pytest.fixture
def plan(world):
    return services.plan_create(actor=world.analyst, year=YEAR, title="Kế hoạch kiểm tra")


@pytest.fixture
def scheduled(world, plan):
    inspection_a, _b = services.inspections_add(
        actor=world.analyst,
        plan=plan,
        agencies=[world.agency_a, world.agency_b],
        scheduled_on=TODAY,
        team="Trưởng đoàn: Nguyễn Văn A",
    )
    return inspection_a


@pytest.fixture
def figures(world):
    AgencyStatus.objects.update_or_create(
        agency=world.agency_a,
        defaults={
            "year": YEAR,
            "overdue_now": 4,
            "ncs_open": 3,
            "audits_planned": 2,
            "audits_done": 1,
            "review_held": True,
            "refreshed_at": timezone.now(),
        },
    )
    AgencyFact.objects.filter(agency=world.agency_a).delete()
    for back in range(13):  # thirteen months: the oldest is not part of the last twelve
        AgencyFact.objects.create(
            agency=world.agency_a,
            grain=Grain.MONTH,
            period=month_start(back),
            received=100 + back,
            completed=90,
            on_time=80,
            late=10,
        )
    AgencyFact.objects.create(
        agency=world.agency_a, grain=Grain.DAY, period=TODAY, received=5
    )  # a day row is not a month
    return world


def admin(client_for, world):
    return client_for("localhost", world.province_admin)


def analyst(client_for, world):
    return client_for("localhost", world.analyst)


# --------------------------------------------------------------------------- plans


def test_both_province_roles_plan_and_the_list_shows_progress(world, client_for):
    response = analyst(client_for, world).post(
        "/inspections/plans/new/",
        {"year": YEAR, "title": "Kế hoạch kiểm tra năm nay", "approved_at": "", "note": ""},
    )
    plan = InspectionPlan.objects.get(year=YEAR)
    assert response.status_code == 302 and response["Location"] == f"/inspections/plans/{plan.pk}/"
    assert plan.created_by_id == world.analyst.pk
    response = admin(client_for, world).post(
        f"/inspections/plans/{plan.pk}/edit/",
        {"title": "Kế hoạch đã duyệt", "approved_at": TODAY.isoformat(), "note": "Ghi chú"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.title, plan.approved_at) == ("Kế hoạch đã duyệt", TODAY)
    services.inspections_add(
        actor=world.province_admin,
        plan=plan,
        agencies=[world.agency_a, world.agency_b],
        scheduled_on=TODAY,
    )
    page = analyst(client_for, world).get("/inspections/").content.decode()
    assert "Kế hoạch đã duyệt" in page and "0/2 cơ quan đã kiểm tra" in page


def test_bad_plan_input_gives_vietnamese_errors_and_no_plan(world, client_for, plan):
    client = admin(client_for, world)
    page = client.post("/inspections/plans/new/", {"year": "1990", "title": ""})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Trường này là bắt buộc" in html
    assert "2000" in html  # the year's lower bound, in Vietnamese
    page = client.post("/inspections/plans/new/", {"year": YEAR, "title": "Lần hai"})
    assert f"Năm {YEAR} đã có kế hoạch kiểm tra." in page.content.decode()
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    page = client.post(f"/inspections/plans/{plan.pk}/edit/", {"title": "X", "approved_at": future})
    assert "Ngày phê duyệt không được sau hôm nay." in page.content.decode()
    assert InspectionPlan.objects.count() == 1
    plan.refresh_from_db()
    assert plan.title == "Kế hoạch kiểm tra" and plan.approved_at is None


# --------------------------------------------------------------------------- agencies chosen


def test_adding_agencies_schedules_them_and_logs_it(world, client_for, plan):
    response = analyst(client_for, world).post(
        f"/inspections/plans/{plan.pk}/add/",
        {
            "agencies": [world.agency_a.pk, world.agency_b.pk],
            "scheduled_on": TODAY.isoformat(),
            "team": "Đoàn 1",
        },
    )
    assert response.status_code == 302
    rows = Inspection.objects.filter(plan=plan).order_by("agency__code")
    assert [(i.agency.code, i.status, i.team) for i in rows] == [
        ("alpha", "planned", "Đoàn 1"),
        ("beta", "planned", "Đoàn 1"),
    ]
    assert AgencyEvent.objects.filter(agency=world.agency_a, action="inspection_planned").exists()
    page = analyst(client_for, world).get(f"/inspections/plans/{plan.pk}/").content.decode()
    assert "Sở Alpha" in page and "Đoàn 1" in page


def test_bad_additions_are_refused_whole(world, client_for, plan):
    client = analyst(client_for, world)
    other_year = dt.date(YEAR + 1, 1, 15).isoformat()
    page = client.post(
        f"/inspections/plans/{plan.pk}/add/",
        {"agencies": [world.agency_a.pk, world.agency_b.pk], "scheduled_on": other_year},
    )
    assert page.status_code == 200
    assert f"Ngày dự kiến phải thuộc năm {YEAR} của kế hoạch." in page.content.decode()
    page = client.post(f"/inspections/plans/{plan.pk}/add/", {"scheduled_on": TODAY.isoformat()})
    assert "Hãy chọn ít nhất một cơ quan." in page.content.decode()
    assert not Inspection.objects.filter(plan=plan).exists()
    # one already in the plan: the other is not added either
    services.inspections_add(
        actor=world.analyst, plan=plan, agencies=[world.agency_a], scheduled_on=TODAY
    )
    with pytest.raises(ValidationError) as caught:
        services.inspections_add(
            actor=world.analyst,
            plan=plan,
            agencies=[world.agency_b, world.agency_a],
            scheduled_on=TODAY,
        )
    assert "Sở Alpha" in " ".join(caught.value.messages)
    assert list(Inspection.objects.filter(plan=plan).values_list("agency__code", flat=True)) == [
        "alpha"
    ]


def test_removing_before_approval_deletes_after_approval_cancels(world, client_for, plan):
    first, second = services.inspections_add(
        actor=world.analyst,
        plan=plan,
        agencies=[world.agency_a, world.agency_b],
        scheduled_on=TODAY,
    )
    client = analyst(client_for, world)
    page = client.get(f"/inspections/{first.pk}/").content.decode()
    assert f'href="/inspections/{first.pk}/remove/"' in page
    assert (
        "Xác nhận bỏ khỏi kế hoạch"
        in client.get(f"/inspections/{first.pk}/remove/").content.decode()
    )
    assert Inspection.objects.filter(pk=first.pk).exists()  # asking removes nothing
    assert client.post(f"/inspections/{first.pk}/remove/").status_code == 302
    assert not Inspection.objects.filter(pk=first.pk).exists()
    InspectionPlan.objects.filter(pk=plan.pk).update(approved_at=TODAY)
    client.post(f"/inspections/{second.pk}/remove/")
    second.refresh_from_db()
    assert second.status == InspectionStatus.CANCELLED
    assert services.plan_progress(plan) == {"planned": 0, "done": 0, "cancelled": 1, "percent": 0}
    # a cancelled agency may be scheduled again
    again = services.inspections_add(
        actor=world.analyst, plan=plan, agencies=[world.agency_b], scheduled_on=TODAY
    )
    assert again[0].pk == second.pk and again[0].status == InspectionStatus.PLANNED


def test_rescheduling(world, client_for, scheduled):
    later = TODAY.replace(day=28) if TODAY.day < 28 else TODAY
    response = analyst(client_for, world).post(
        f"/inspections/{scheduled.pk}/edit/", {"scheduled_on": later.isoformat(), "team": "Đoàn 2"}
    )
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert (scheduled.scheduled_on, scheduled.team) == (later, "Đoàn 2")


# --------------------------------------------------------------------------- recording


def record_post(client, inspection, **overrides):
    data = {
        "done_on": TODAY.isoformat(),
        "team": "Đoàn kiểm tra thực tế",
        "conclusion": "Cơ quan duy trì hệ thống tương đối tốt.",
        "findings-TOTAL_FORMS": "3",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "1000",
        "findings-0-kind": "nonconformity",
        "findings-0-text": "Chưa xem xét lại tài liệu quá hạn.",
        "findings-0-clause": "7.5.2",
        "findings-0-due_on": (TODAY + dt.timedelta(days=30)).isoformat(),
        "findings-1-kind": "recommendation",
        "findings-1-text": "Cập nhật mục tiêu chất lượng.",
    }
    data.update(overrides)
    return client.post(f"/inspections/{inspection.pk}/record/", data)


def test_recording_freezes_the_figures(figures, client_for, scheduled):
    world = figures
    response = record_post(analyst(client_for, world), scheduled)
    assert response.status_code == 302, response.content.decode()[:2000]
    scheduled.refresh_from_db()
    assert scheduled.status == InspectionStatus.DONE and scheduled.done_on == TODAY
    assert scheduled.team == "Đoàn kiểm tra thực tế"
    findings = list(scheduled.findings.order_by("pk"))
    assert [(f.kind, f.clause) for f in findings] == [
        ("nonconformity", "7.5.2"),
        ("recommendation", ""),
    ]
    snapshot = scheduled.facts_snapshot
    assert snapshot["status"]["overdue_now"] == 4
    assert snapshot["status"]["ncs_open"] == 3
    assert snapshot["status"]["review_held"] is True
    periods = [m["period"] for m in snapshot["months"]]
    assert len(periods) == 12
    assert periods[0] == month_start(11).isoformat() and periods[-1] == month_start(0).isoformat()
    assert snapshot["months"][-1]["received"] == 100
    assert AgencyEvent.objects.filter(agency=world.agency_a, action="inspected").exists()

    # later refreshes change the current figures, never the snapshot
    AgencyStatus.objects.filter(agency=world.agency_a).update(overdue_now=42, ncs_open=0)
    AgencyFact.objects.filter(agency=world.agency_a, period=month_start(0)).update(received=555)
    scheduled.refresh_from_db()
    assert scheduled.facts_snapshot == snapshot
    page = analyst(client_for, world).get(f"/inspections/{scheduled.pk}/").content.decode()
    assert "Số liệu tại thời điểm kiểm tra" in page
    assert ">4<" in page and ">42<" in page  # then and now, side by side
    assert ">100<" in page and ">555<" in page
    assert "Chưa xem xét lại tài liệu quá hạn." in page

    # recording twice is refused
    again = record_post(analyst(client_for, world), scheduled)
    assert "đã được ghi nhận" in again.content.decode()
    assert scheduled.findings.count() == 2


def test_a_bad_finding_leaves_nothing_half_written(figures, client_for, scheduled):
    world = figures
    client = admin(client_for, world)
    overrides = {"findings-1-text": ""}  # kind chosen, no text: a form error
    page = record_post(client, scheduled, **overrides)
    assert page.status_code == 200 and "Trường này là bắt buộc" in page.content.decode()
    # the service's own check, after the forms passed: a due date before the inspection
    before = (TODAY - dt.timedelta(days=1)).isoformat()
    page = record_post(client, scheduled, **{"findings-1-due_on": before})
    html = page.content.decode()
    assert "Phát hiện 2: Hạn khắc phục không được trước ngày kiểm tra." in html
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    page = record_post(client, scheduled, done_on=future, conclusion="")
    html = page.content.decode()
    assert "Trường này là bắt buộc" in html
    page = record_post(client, scheduled, done_on=future)
    assert "Ngày kiểm tra không được sau hôm nay." in page.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.status == InspectionStatus.PLANNED
    assert scheduled.facts_snapshot == {} and scheduled.done_on is None
    assert not InspectionFinding.objects.filter(inspection=scheduled).exists()
    assert not AgencyEvent.objects.filter(agency=world.agency_a, action="inspected").exists()


def test_service_refuses_a_bad_finding_after_validating_the_rest(figures, scheduled):
    with pytest.raises(ValidationError) as caught:
        services.inspection_record(
            actor=figures.analyst,
            inspection=scheduled,
            done_on=TODAY,
            conclusion="Tốt",
            findings=[
                {"kind": "observation", "text": "Một"},
                {"kind": "???", "text": "Hai"},
            ],
        )
    assert "Phát hiện 2" in " ".join(caught.value.messages)
    scheduled.refresh_from_db()
    assert scheduled.status == InspectionStatus.PLANNED and scheduled.facts_snapshot == {}
    assert not InspectionFinding.objects.exists()


def test_findings_are_added_and_closed_later(figures, client_for, scheduled):
    world = figures
    services.inspection_record(
        actor=world.analyst, inspection=scheduled, done_on=TODAY, conclusion="Đạt"
    )
    client = analyst(client_for, world)
    response = client.post(
        f"/inspections/{scheduled.pk}/findings/new/",
        {"kind": "observation", "text": "Lưu ý hồ sơ", "clause": "8.5"},
    )
    assert response.status_code == 302
    finding = InspectionFinding.objects.get(inspection=scheduled)
    page = client.post(
        f"/inspections/findings/{finding.pk}/edit/",
        {
            "kind": "observation",
            "text": "Lưu ý hồ sơ",
            "clause": "8.5",
            "closed_on": (TODAY + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert "Ngày khắc phục xong không được sau hôm nay." in page.content.decode()
    response = client.post(
        f"/inspections/findings/{finding.pk}/edit/",
        {"kind": "observation", "text": "Lưu ý hồ sơ", "clause": "8.5", "closed_on": TODAY},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.closed_on == TODAY
    # the snapshot stays as it was
    snapshot = Inspection.objects.get(pk=scheduled.pk).facts_snapshot
    assert snapshot["status"]["overdue_now"] == 4


def test_a_planned_inspection_shows_current_figures_only(figures, client_for, scheduled):
    page = analyst(client_for, figures).get(f"/inspections/{scheduled.pk}/").content.decode()
    assert "sẽ được lưu khi ghi nhận kết quả kiểm tra" in page
    assert ">4<" in page


# --------------------------------------------------------------------------- who


def test_agency_users_cannot_reach_inspections(world, client_for, scheduled):
    finding = InspectionFinding.objects.create(inspection=scheduled, kind="observation", text="x")
    urls = [
        "/inspections/",
        "/inspections/plans/new/",
        f"/inspections/plans/{scheduled.plan_id}/",
        f"/inspections/plans/{scheduled.plan_id}/edit/",
        f"/inspections/plans/{scheduled.plan_id}/add/",
        f"/inspections/{scheduled.pk}/",
        f"/inspections/{scheduled.pk}/edit/",
        f"/inspections/{scheduled.pk}/remove/",
        f"/inspections/{scheduled.pk}/record/",
        f"/inspections/{scheduled.pk}/findings/new/",
        f"/inspections/findings/{finding.pk}/edit/",
        f"/inspections/{scheduled.pk}/conclusion.pdf",
        f"/inspections/{scheduled.pk}/conclusion.docx",
        f"/inspections/{scheduled.pk}/conclusion/sign/",
        f"/inspections/{scheduled.pk}/conclusion/signed/1.pdf",
    ]
    owner = client_for(world.agency_a, world.owner_a)
    stolen = Client(HTTP_HOST="localhost")
    stolen.cookies[settings.SESSION_COOKIE_NAME] = owner.cookies[settings.SESSION_COOKIE_NAME].value
    for url in urls:
        for method in ("get", "post"):
            assert getattr(owner, method)(url).status_code == 404, url
            response = getattr(stolen, method)(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    scheduled.refresh_from_db()
    assert scheduled.status == InspectionStatus.PLANNED
    assert Inspection.objects.filter(pk=scheduled.pk).exists()


def test_services_refuse_agency_users(world, plan):
    with pytest.raises(PermissionError):
        services.plan_create(actor=world.owner_a, year=YEAR + 1, title="X")
    with pytest.raises(PermissionError):
        services.inspections_add(
            actor=world.owner_a, plan=plan, agencies=[world.agency_a], scheduled_on=TODAY
        )


# --------------------------------------------------------------------------- the conclusion


def _folded(text: str) -> str:
    return " ".join(text.split())


def test_the_conclusion_is_the_provinces_notice_with_a_draft_number(
    figures, client_for, scheduled, settings
):
    import io

    import docx
    from pypdf import PdfReader

    settings.PROVINCE_GOVERNING_BODY = "UBND tỉnh An Giang"
    settings.PROVINCE_ISSUER = "Sở Khoa học và Công nghệ"
    settings.PROVINCE_ISSUER_ABBREVIATION = "SKHCN"
    settings.PROVINCE_NAME = "An Giang"
    settings.PROVINCE_SIGNER_AUTHORITY = "KT. Giám đốc"
    settings.PROVINCE_SIGNER_POSITION = "Phó Giám đốc"
    settings.PROVINCE_SIGNER_NAME = "Lê Văn C"
    client = analyst(client_for, figures)
    assert client.get(f"/inspections/{scheduled.pk}/conclusion.pdf").status_code == 404  # planned
    services.inspection_record(
        actor=figures.analyst,
        inspection=scheduled,
        done_on=TODAY,
        conclusion="Cơ quan duy trì hệ thống quản lý chất lượng phù hợp.",
        findings=[
            {
                "kind": "nonconformity",
                "text": "Chưa xem xét của lãnh đạo năm trước",
                "clause": "9.3",
                "due_on": TODAY + dt.timedelta(days=30),
            }
        ],
    )
    page = client.get(f"/inspections/{scheduled.pk}/").content.decode()
    assert f"/inspections/{scheduled.pk}/conclusion.docx" in page
    pdf = client.get(f"/inspections/{scheduled.pk}/conclusion.pdf")
    word = client.get(f"/inspections/{scheduled.pk}/conclusion.docx")
    assert pdf.status_code == word.status_code == 200
    world_code = figures.agency_a.code
    assert f'filename="ket-luan-kiem-tra-{world_code}-{YEAR}.pdf"' in pdf["Content-Disposition"]
    texts = [
        _folded("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)),
        _folded(
            "\n".join(
                [p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs]
                + [
                    c.text
                    for t in docx.Document(io.BytesIO(word.content)).tables
                    for r in t.rows
                    for c in r.cells
                ]
            )
        ),
    ]
    for text in texts:
        for expected in (
            "UBND TỈNH AN GIANG SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            "Số: .../TB-SKHCN",  # the province numbers it in its own register
            "An Giang, ngày ... tháng ... năm ...",
            "THÔNG BÁO Kết luận kiểm tra việc áp dụng hệ thống quản lý chất lượng theo TCVN "
            f"ISO 9001:2015 tại {figures.agency_a.name}",
            "Trưởng đoàn: Nguyễn Văn A",
            "Chưa xem xét của lãnh đạo năm trước",
            "Không phù hợp",
            "Cơ quan duy trì hệ thống quản lý chất lượng phù hợp.",
            f"Đề nghị {figures.agency_a.name} khắc phục",
            f"- {figures.agency_a.name};",
            "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC",
            "Lê Văn C",
        ):
            assert expected in text, expected
