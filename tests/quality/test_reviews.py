"""Management review (9.3) from the agency's own data, and the annual report to the province."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.asserts import refusal_checker
from eiso.testing.procedures import make_procedure
from iso_platform.accounts.models import Role, User
from quality.audits import services as audits
from quality.core.models import AuditEvent, Unit
from quality.core.reports import to_docx, to_pdf
from quality.feedback.models import SurveyResponse
from quality.improvement import services as imp
from quality.improvement.models import Nonconformity
from quality.objectives import services as obj
from quality.procedures.models import DailyStat, StepDailyStat
from quality.reviews.models import AnnualReport, ManagementReview, ReviewItem
from quality.reviews.services import annual_report as annual_reports
from quality.reviews.services import common as review_common
from quality.reviews.services import inputs as review_inputs
from quality.reviews.services import meetings as review_meetings
from quality.risks import services as risks
from quality.risks.models import ContextIssue
from tenants.models import ReportSubmission

TRACKED = (ManagementReview, AnnualReport, ReviewItem, AuditEvent, ReportSubmission)
TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1
ISO_9_3_2 = [
    "9.3.2.a",
    "9.3.2.b",
    "9.3.2.c.1",
    "9.3.2.c.2",
    "9.3.2.c.3",
    "9.3.2.c.4",
    "9.3.2.c.5",
    "9.3.2.c.6",
    "9.3.2.c.7",
    "9.3.2.d",
    "9.3.2.d.1",
    "9.3.2.e",
    "9.3.2.f",
]


refused = refusal_checker(*TRACKED)


def review(w, start=dt.date(LAST_YEAR, 1, 1), end=dt.date(LAST_YEAR, 12, 31), **extra):
    extra.setdefault("meeting_on", TODAY)
    return review_meetings.review_create(
        actor=w.owner_a,
        title="Họp xem xét của lãnh đạo",
        chair=w.leader_a,
        period_start=start,
        period_end=end,
        participants="Lãnh đạo, trưởng các phòng",
        **extra,
    )


def held(w, r, conclusions="Hệ thống phù hợp, hiệu lực"):
    review_meetings.review_compile_inputs(actor=w.owner_a, review=r)
    return review_meetings.review_hold(actor=w.owner_a, review=r, conclusions=conclusions)


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for t in document.tables for row in t.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def last_year(moment_field, queryset, month=6):
    queryset.update(**{moment_field: timezone.now().replace(year=LAST_YEAR, month=month, day=15)})


# --------------------------------------------------------------------------- the meeting


def test_a_review_period_must_not_end_before_it_starts(in_a):
    with refused("Kỳ xem xét không hợp lệ: ngày kết thúc phải sau ngày bắt đầu"):
        review(in_a, start=dt.date(LAST_YEAR, 6, 1), end=dt.date(LAST_YEAR, 5, 31))


def test_only_managers_prepare_and_record_reviews(in_a):
    w = in_a
    with refused("reviews.manage", exc=PermissionDenied):
        review_meetings.review_create(
            actor=w.member_a,
            title="X",
            meeting_on=TODAY,
            chair=w.leader_a,
            period_start=TODAY,
            period_end=TODAY,
        )
    r = review(w)
    with refused("reviews.manage", r, exc=PermissionDenied):
        review_meetings.review_compile_inputs(actor=w.member_a, review=r)
    with refused("reviews.manage", r, exc=PermissionDenied):
        review_meetings.review_hold(actor=w.reader_a, review=r, conclusions="X")


def test_a_review_is_not_held_without_compiled_inputs(in_a):
    w = in_a
    r = review(w)
    with refused("Chưa tổng hợp đầu vào: cuộc họp xem xét phải có đủ đầu vào theo 9.3.2", r):
        review_meetings.review_hold(actor=w.owner_a, review=r, conclusions="Phù hợp")
    assert ManagementReview.objects.get(pk=r.pk).status == "draft"


def test_a_review_is_not_held_without_conclusions(in_a):
    w = in_a
    r = review_meetings.review_compile_inputs(actor=w.owner_a, review=review(w))
    with refused("Cần ghi kết luận, quyết định của cuộc họp", r):
        review_meetings.review_hold(actor=w.owner_a, review=r, conclusions="   ")


def test_holding_records_the_meeting_and_freezes_its_inputs(in_a):
    w = in_a
    r = review(w)
    review_meetings.review_compile_inputs(actor=w.owner_a, review=r)
    r = review_meetings.review_hold(
        actor=w.owner_a,
        review=r,
        conclusions=" Duy trì HTQLCL ",
        commentary="Thảo luận",
        resources="Đủ nhân lực",
    )
    r.refresh_from_db()
    assert (r.status, r.conclusions, r.resources) == ("held", "Duy trì HTQLCL", "Đủ nhân lực")
    assert r.held_at is not None
    assert list(
        AuditEvent.objects.filter(subject_type="managementreview", subject_id=str(r.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["create", "review_compile", "review_hold"]
    message = "Cuộc họp đã được ghi nhận; không sửa đầu vào nữa"
    with refused(message, r):
        review_meetings.review_compile_inputs(actor=w.owner_a, review=r)
    with refused(message, r):
        review_meetings.review_hold(actor=w.owner_a, review=r, conclusions="Lần hai")


# --------------------------------------------------------------------------- inputs (9.3.2)


@pytest.fixture
def year_of_data(in_a):
    """A year of the agency's QMS, every input of 9.3.2 has something to say."""
    w = in_a
    # a) actions of the previous review
    previous = held(w, review(w, meeting_on=TODAY - dt.timedelta(days=200)))
    for title in ("Bổ sung nhân lực một cửa", "Số hoá sổ theo dõi"):
        imp.action_add(
            actor=w.owner_a,
            kind="review",
            title=title,
            owner=w.member_a,
            due_on=TODAY,
            source_type="review",
            source_id=str(previous.pk),
        )
    done = review_common.review_actions(previous).get(title="Số hoá sổ theo dõi")
    imp.action_complete(actor=w.member_a, action=done)
    imp.action_verify(actor=w.owner_a, action=done, effective=True)
    # b) context
    issue = risks.context_issue_save(actor=w.owner_a, kind="external", title="Luật mới")
    risks.context_issue_save(actor=w.owner_a, kind="internal", title="Cũ")
    last_year("updated_at", ContextIssue.objects.filter(pk=issue.pk))
    # c.1) satisfaction
    for overall in (5, 1):
        SurveyResponse.objects.create(overall=overall, timeliness=3, staff=4, address_hash="x")
    last_year("created_at", SurveyResponse.objects.all())
    # c.2) objectives
    goal = obj.objective_create(
        actor=w.owner_a,
        year=LAST_YEAR,
        title="Đúng hạn",
        indicator="Tỷ lệ",
        target=Decimal(90),
        owner=w.member_a,
    )
    for month, value in ((1, 95), (2, 80)):
        obj.measurement_record(
            actor=w.owner_a,
            objective=goal,
            period_start=dt.date(LAST_YEAR, month, 1),
            period_end=(dt.date(LAST_YEAR, month + 1, 1) - dt.timedelta(days=1)),
            value=Decimal(value),
            evidence="Sổ",
        )
    # c.3) process performance
    procedure = make_procedure(w.owner_a)
    DailyStat.objects.create(
        day=dt.date(LAST_YEAR, 3, 2), procedure=procedure, received=9, early=3, on_time=5, late=2
    )
    for unit, on_time, late in (("Bộ phận một cửa", 4, 0), ("Phòng chuyên môn", 1, 3)):
        StepDailyStat.objects.create(
            day=dt.date(LAST_YEAR, 3, 2),
            procedure=procedure,
            step=1,
            step_name="Bước",
            unit=unit,
            on_time=on_time,
            late=late,
        )
    # c.4) nonconformities
    for source in ("self", "self", "complaint"):
        imp.nc_create(actor=w.owner_a, source=source, title=f"SKPH {source}")
    last_year("detected_at", Nonconformity.objects.all())
    # c.6) internal audit, f) an opportunity for improvement
    head = User.objects.create_user("head@alpha.test", "x" * 12, role=Role.UNIT_HEAD)
    auditor = User.objects.create_user(
        "aud@alpha.test", "x" * 12, full_name="Đánh Giá", role=Role.INTERNAL_AUDITOR
    )
    unit = Unit.objects.create(code="P1", name="Phòng Một", head=head)
    programme = audits.programme_create(actor=w.owner_a, year=LAST_YEAR)
    plan = audits.plan_create(
        actor=w.owner_a,
        programme=programme,
        title="ĐGNB năm trước",
        scope="Toàn bộ",
        start_on=dt.date(LAST_YEAR, 10, 1),
        end_on=dt.date(LAST_YEAR, 10, 2),
        lead=auditor,
    )
    assignment = audits.assignment_add(actor=w.owner_a, plan=plan, auditor=auditor, unit=unit)
    for grade, text in (("minor", "Thiếu hồ sơ"), ("opportunity", "Nên dùng chữ ký số")):
        audits.finding_record(actor=auditor, assignment=assignment, grade=grade, description=text)
    Nonconformity.objects.filter(source="audit").update(
        detected_at=timezone.now().replace(year=LAST_YEAR, month=10, day=2)
    )
    # e) risks
    risk = risks.risk_create(
        actor=w.owner_a, title="Thất lạc hồ sơ", likelihood=4, impact=5, owner=w.member_a
    )
    risks.risk_reevaluate(actor=w.owner_a, risk=risk, residual_likelihood=2, residual_impact=2)
    imp.action_add(
        actor=w.owner_a,
        kind="risk",
        title="Sổ giao nhận",
        owner=w.member_a,
        due_on=TODAY,
        source_type="risk",
        source_id=str(risk.pk),
    )
    return w


def test_the_inputs_cover_every_clause_of_9_3_2_from_the_data(year_of_data):
    w = year_of_data
    r = review_meetings.review_compile_inputs(actor=w.owner_a, review=review(w))
    r.refresh_from_db()
    assert r.inputs_compiled_at is not None
    assert r.inputs["period"] == [f"{LAST_YEAR}-01-01", f"{LAST_YEAR}-12-31"]
    sections = {s["key"]: s for s in r.inputs["sections"]}
    assert [s["key"] for s in r.inputs["sections"]] == ISO_9_3_2

    def says(key):
        return sections[key]["summary"]

    assert says("9.3.2.a") == "2 hành động; đã xác nhận: 1; còn mở: 1."
    assert sections["9.3.2.a"]["rows"][0][0] == "Bổ sung nhân lực một cửa"
    assert says("9.3.2.b") == (
        "1 vấn đề, bên quan tâm được cập nhật trong kỳ. Biến đổi khí hậu: cơ quan chưa xác "
        "định có phải là vấn đề liên quan hay không."
    )  # the agency follows 2015+A1:2024, whose 4.1 asks about climate change
    assert sections["9.3.2.b"]["rows"] == [["Vấn đề bên ngoài", "Luật mới", "còn hiệu lực"]]
    assert says("9.3.2.c.1") == ("2 phiếu; điểm trung bình chung 3,00/5; 1 phiếu không hài lòng.")
    assert says("9.3.2.c.2") == "2 kết quả đo; đạt 1; không đạt 1."
    assert ["Đúng hạn", f"02/{LAST_YEAR}", "80%", "90%", "Không đạt"] in sections["9.3.2.c.2"][
        "rows"
    ]
    assert says("9.3.2.c.3").startswith("Tiếp nhận 9; có kết quả 10; đúng và trước hạn 80,0%")
    assert sections["9.3.2.c.3"]["rows"][0][:3] == [
        "1.000001 Cấp giấy chứng nhận đăng ký hoạt động KH&CN",
        8,
        2,
    ]
    assert says("9.3.2.c.4").startswith("4 sự không phù hợp trong kỳ")
    assert sorted(sections["9.3.2.c.4"]["rows"]) == sorted(
        [
            ["Tự phát hiện", 2, 0],
            ["Phản ánh, kiến nghị, khảo sát của người dân", 1, 0],
            ["Phát hiện của đánh giá nội bộ", 1, 0],
        ]
    )
    assert says("9.3.2.c.5") == (
        "2 kết quả đo trong kỳ (tự động 0, nhập tay 2); 5 bước xử lý hồ sơ đúng hạn, "
        "3 bước trễ hạn."
    )
    assert sections["9.3.2.c.5"]["rows"] == [
        ["Bộ phận một cửa", 4, 0, "100,0%"],
        ["Phòng chuyên môn", 1, 3, "25,0%"],
    ]
    assert says("9.3.2.c.6") == "1 cuộc đánh giá trong kỳ; đã báo cáo 0."
    assert ["Không phù hợp nhẹ", 1] in sections["9.3.2.c.6"]["rows"]
    assert "Không áp dụng" in says("9.3.2.c.7")
    assert says("9.3.2.e").startswith("1 biện pháp xử lý; đã xác nhận 0; 1 rủi ro đã đánh giá lại.")
    assert sections["9.3.2.e"]["rows"] == [["Rủi ro", "Thất lạc hồ sơ", "20 (Rất cao)", "4 (Thấp)"]]
    opportunities = [row[0] for row in sections["9.3.2.f"]["rows"]]
    assert "Nên dùng chữ ký số" in opportunities
    assert any("không đạt kỳ 02/" in text for text in opportunities)  # the missed objective


def test_compiling_attaches_the_waiting_review_items(year_of_data):
    w = year_of_data
    assert ReviewItem.objects.filter(review__isnull=True).count() == 1
    r = review_meetings.review_compile_inputs(actor=w.owner_a, review=review(w))
    assert ReviewItem.objects.get().review == r
    assert AuditEvent.objects.get(action="review_compile", subject_id=str(r.pk)).changes == {
        "sections": len(ISO_9_3_2)
    }


def test_an_empty_period_still_gives_every_section(in_a):
    w = in_a
    r = review_meetings.review_compile_inputs(actor=w.owner_a, review=review(w))
    assert [s["key"] for s in r.inputs["sections"]] == ISO_9_3_2
    sections = {s["key"]: s for s in r.inputs["sections"]}
    assert sections["9.3.2.c.1"]["summary"] == "Không có phiếu khảo sát trong kỳ."
    assert sections["9.3.2.a"]["summary"] == "0 hành động; đã xác nhận: 0; còn mở: 0."


def test_the_minutes_carry_inputs_conclusions_and_actions(year_of_data):
    w = year_of_data
    r = held(w, review(w), conclusions="Bổ sung nguồn lực cho bộ phận một cửa")
    imp.action_add(
        actor=w.owner_a,
        kind="review",
        title="Tuyển thêm 01 công chức",
        owner=w.member_a,
        due_on=TODAY + dt.timedelta(days=60),
        source_type="review",
        source_id=str(r.pk),
    )
    report = review_inputs.minutes_report(ManagementReview.objects.get(pk=r.pk))
    assert to_pdf(report)[:4] == b"%PDF"
    text = docx_text(to_docx(report))
    assert "BIÊN BẢN\nHọp xem xét của lãnh đạo" in text
    assert re.search(r"Số: \d{2,}/BB-ALPHA", text)  # numbered when the meeting was recorded
    assert "9.3.2.c.4 Sự không phù hợp và hành động khắc phục" in text
    assert "Bổ sung nguồn lực cho bộ phận một cửa" in text
    assert "Tuyển thêm 01 công chức" in text and "Lãnh Đạo Alpha" in text


# --------------------------------------------------------------------------- the annual report


@pytest.fixture
def report(in_a):
    w = in_a
    imp.nc_create(actor=w.owner_a, source="self", title="Một")
    imp.nc_create(actor=w.owner_a, source="self", title="Hai")
    SurveyResponse.objects.create(overall=4, timeliness=4, staff=4, address_hash="x")
    return annual_reports.annual_report_generate(actor=w.owner_a, year=TODAY.year)


def test_the_annual_report_is_generated_from_the_data(in_a, report):
    f = AnnualReport.objects.get(pk=report.pk).figures
    assert f["year"] == TODAY.year and f["nonconformities"] == 2
    assert f["nonconformities_closed"] == 0
    assert (f["satisfaction_responses"], f["satisfaction_score"]) == (1, 4.0)
    assert f["audits_planned"] == 0 and f["reviews_held"] == 0
    assert report.status == "draft" and report.generated_at is not None
    # generating again picks up what happened since
    imp.nc_create(actor=in_a.owner_a, source="self", title="Ba")
    annual_reports.annual_report_generate(actor=in_a.owner_a, year=TODAY.year)
    assert AnnualReport.objects.get(pk=report.pk).figures["nonconformities"] == 3
    assert AnnualReport.objects.count() == 1


@pytest.mark.parametrize("year", [1999, 2101])
def test_an_annual_report_for_an_impossible_year_is_refused(in_a, year):
    with refused("Năm báo cáo không hợp lệ"):
        annual_reports.annual_report_generate(actor=in_a.owner_a, year=year)


def test_only_managers_write_the_annual_report(in_a, report):
    w = in_a
    with refused("reviews.manage", report, exc=PermissionDenied):
        annual_reports.annual_report_update(actor=w.member_a, report=report, assessment="X")
    with refused("reviews.manage", report, exc=PermissionDenied):
        annual_reports.annual_report_submit(actor=w.member_a, report=report)


def test_submitting_sends_a_copy_to_the_province(in_a, report):
    w = in_a
    annual_reports.annual_report_update(
        actor=w.owner_a,
        report=report,
        assessment=" Duy trì tốt ",
        shortcomings="Còn hồ sơ trễ hạn",
        proposals="Tập huấn",
        announced_conformity=True,
    )
    report = annual_reports.annual_report_submit(actor=w.leader_a, report=report)
    report.refresh_from_db()
    assert (report.status, report.submitted_by, report.assessment) == (
        "submitted",
        w.leader_a,
        "Duy trì tốt",
    )
    with schema_context("public"):
        copy = ReportSubmission.objects.get(agency=w.agency_a, year=TODAY.year)
    assert copy.submitted_by == "leader@alpha.test" and copy.announced_conformity is True
    assert copy.figures == report.figures and copy.submitted_at == report.submitted_at
    assert list(
        AuditEvent.objects.filter(subject_type="annualreport", subject_id=str(report.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["report_generate", "report_edit", "report_submit"]
    text = docx_text(to_docx(annual_reports.annual_report_document(report)))
    assert "Đã công bố hệ thống quản lý chất lượng phù hợp." in text
    assert "2 sự không phù hợp; đã đóng 0." in text and "Duy trì tốt" in text


def test_a_submitted_report_cannot_be_edited(in_a, report):
    w = in_a
    report = annual_reports.annual_report_submit(actor=w.owner_a, report=report)
    with schema_context("public"):
        copy = ReportSubmission.objects.get(agency=w.agency_a, year=TODAY.year)
    message = "Báo cáo đã gửi; không sửa được nữa"
    with refused(message, report, copy):
        annual_reports.annual_report_update(
            actor=w.owner_a, report=report, assessment="Sửa sau khi gửi"
        )
    with refused(message, report, copy):
        annual_reports.annual_report_update(
            actor=w.owner_a, report=report, announced_conformity=True
        )
    imp.nc_create(actor=w.owner_a, source="self", title="Sau khi gửi")
    with refused(message, report, copy):
        annual_reports.annual_report_generate(actor=w.owner_a, year=report.year)
    with refused(message, report, copy):
        annual_reports.annual_report_submit(actor=w.owner_a, report=report)
    assert AnnualReport.objects.get(pk=report.pk).figures["nonconformities"] == 2


def test_a_report_without_figures_cannot_be_submitted(in_a):
    bare = AnnualReport.objects.create(year=LAST_YEAR)
    with refused("Hãy tạo số liệu báo cáo trước khi gửi", bare):
        annual_reports.annual_report_submit(actor=in_a.owner_a, report=bare)


# --------------------------------------------------------------------------- the receiver

NOT_TO_ITSELF = "không gửi báo cáo cho chính mình"
NO_RECEIVER = "Chưa cấu hình cơ quan nhận báo cáo năm"
NOWHERE = [("alpha", NOT_TO_ITSELF), ("none", NO_RECEIVER), ("khong-co-co-quan-nay", NO_RECEIVER)]


@pytest.mark.parametrize(("receiver", "message"), NOWHERE, ids=["itself", "none", "unknown"])
def test_a_report_with_nowhere_to_go_is_not_sent(in_a, report, settings, receiver, message):
    settings.ANNUAL_REPORT_RECEIVER = receiver
    with refused(message, report):
        annual_reports.annual_report_submit(actor=in_a.owner_a, report=report)


def test_a_report_goes_to_the_receiving_agency_named_in_the_settings(in_a, report, settings):
    settings.ANNUAL_REPORT_RECEIVER = in_a.agency_b.code
    assert annual_reports.annual_report_receiver() == annual_reports.Receiver(name="Sở Beta")
    annual_reports.annual_report_submit(actor=in_a.owner_a, report=report)
    with schema_context("public"):
        assert ReportSubmission.objects.filter(agency=in_a.agency_a, year=TODAY.year).exists()


def _detail(client, report) -> str:
    response = client.get(f"/reviews/annual/{report.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_send_button_shows_only_when_the_report_has_somewhere_to_go(
    world, report, client_for, settings
):
    secretary = client_for(world.agency_a, world.owner_a)
    button = f'action="/reviews/annual/{report.pk}/submit/"'
    body = _detail(secretary, report)
    assert button in body and "Gửi Sở Khoa học và Công nghệ" in body  # unset: the province's
    settings.ANNUAL_REPORT_RECEIVER = world.agency_b.code
    assert "Gửi Sở Beta" in _detail(secretary, report)
    for receiver, message in NOWHERE:
        settings.ANNUAL_REPORT_RECEIVER = receiver
        body = _detail(secretary, report)
        assert button not in body and message in body, receiver
        assert (
            "Báo cáo tình hình áp dụng ISO năm" not in secretary.get("/my-work/").content.decode()
        )
        page = secretary.post(f"/reviews/annual/{report.pk}/submit/", follow=True)
        assert page.status_code == 200 and message in page.content.decode()
        api = secretary.post(f"/api/v1/annual-reports/{report.pk}/submit/")
        assert api.status_code == 400 and message in str(api.json()), api.content
    with schema_context(world.agency_a.schema_name):
        assert AnnualReport.objects.get(pk=report.pk).status == "draft"
    assert not ReportSubmission.objects.filter(agency=world.agency_a).exists()


def test_another_agencys_user_cannot_send_this_agencys_report(world, report, client_for):
    outsider = client_for(world.agency_b, world.user_b)  # the manager of agency B
    with schema_context(world.agency_b.schema_name):
        assert not AnnualReport.objects.filter(pk=report.pk).exists()
    # On B's own site A's report does not exist ...
    assert outsider.post(f"/reviews/annual/{report.pk}/submit/").status_code == 404
    assert outsider.post(f"/api/v1/annual-reports/{report.pk}/submit/").status_code == 404
    # ... and B's session means nothing on A's site.
    outsider.defaults["HTTP_HOST"] = world.agency_a.host
    page = outsider.post(f"/reviews/annual/{report.pk}/submit/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert outsider.post(f"/api/v1/annual-reports/{report.pk}/submit/").status_code in (401, 403)
    with schema_context(world.agency_a.schema_name):
        assert AnnualReport.objects.get(pk=report.pk).status == "draft"
    assert not ReportSubmission.objects.filter(agency=world.agency_a).exists()


def test_the_inputs_report_competence_and_the_two_kinds_apart(in_a):
    import datetime as dt
    from decimal import Decimal

    from quality.competence import services as competence
    from quality.risks import services as risks

    w = in_a
    r = review(w)
    held_on = r.period_start + dt.timedelta(days=10)
    session = competence.session_create(
        actor=w.owner_a,
        title="Tập huấn văn hoá chất lượng",
        held_on=held_on,
        trainer="Thư ký ISO",
        hours=Decimal("2.5"),
        attendees=[w.member_a, w.leader_a],
    )
    competence.session_evaluate(
        actor=w.owner_a,
        session=session,
        evaluated_on=held_on,
        overall="",
        results={session.attendances.get(user=w.member_a).pk: ("effective", "")},
    )
    risks.risk_create(
        actor=w.owner_a, title="Thiếu người", likelihood=3, impact=3, owner=w.member_a
    )
    risks.risk_create(
        actor=w.owner_a,
        kind="opportunity",
        title="Tích hợp ký số",
        likelihood=3,
        impact=3,
        owner=w.member_a,
    )
    r = review_meetings.review_compile_inputs(actor=w.owner_a, review=r)
    sections = {s["key"]: s for s in r.inputs["sections"]}
    trained = sections["9.3.2.d.1"]
    assert trained["summary"].startswith(
        "1 khoá đào tạo trong kỳ, 2 lượt người, 2,5 giờ; hiệu quả: đạt 1, chưa đạt 0, "
        "chưa đánh giá 1."
    )
    assert trained["rows"] == [
        [f"{held_on:%d/%m/%Y}", "Tập huấn văn hoá chất lượng", "2,5", 2, 1, 0]
    ]
    assert "Rủi ro: 1 đang theo dõi" in sections["9.3.2.e"]["summary"]
    assert "Cơ hội: 1 đang theo dõi" in sections["9.3.2.e"]["summary"]
    assert ["Tích hợp ký số", "Sổ rủi ro và cơ hội"] in sections["9.3.2.f"]["rows"]
