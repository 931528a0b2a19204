"""Pages of the improvement loop: they render, steps keep the rules, another agency is 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import get_resolver
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.loop import make_loop
from iso_platform.accounts.models import Role, User
from quality.core.models import AuditEvent
from quality.improvement.models import Action, NcStatus, Nonconformity

FOREIGN_ID = 900001


@pytest.fixture
def loop(in_a):
    return make_loop(in_a.owner_a, in_a.member_a, in_a.leader_a)


@pytest.fixture
def pages(world, client_for, loop):
    connection.set_schema_to_public()
    return {
        name: client_for(world.agency_a, getattr(world, name))
        for name in ("owner_a", "member_a", "leader_a", "reader_a")
    }


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.content.decode()


def test_every_page_renders_for_the_secretary_and_the_reader(world, pages, loop):
    urls = {
        "/my-work/": "Việc của tôi",
        "/improvement/": loop.nc.code,
        f"/improvement/{loop.nc.pk}/": "Chưa rà soát biểu mẫu",
        "/improvement/new/": "Ghi nhận sự không phù hợp",
        "/improvement/actions/": "Cập nhật mẫu sổ",
        "/risks/": "Trễ hạn do thiếu người",
        f"/risks/{loop.risk.pk}/": "Đánh giá lại sau xử lý",
        "/risks/new/": "Mức độ ảnh hưởng",
        "/risks/context/": "Quy định một cửa mới 2025",
        "/objectives/": "Giải quyết đúng hạn",
        f"/objectives/{loop.objective.pk}/": "Kế hoạch thực hiện",
        "/objectives/new/": "Chỉ số đo",
        "/audits/": "Đánh giá nội bộ đợt 1",
        f"/audits/plans/{loop.plan.pk}/": "Sổ theo dõi hồ sơ thiếu cột",
        "/audits/plans/new/": "Trưởng đoàn",
        "/feedback/": "Điểm trung bình theo tháng",
        "/feedback/poster/": "<svg",
        "/reviews/": "Họp xem xét",
        f"/reviews/{loop.review.pk}/": "Tổng hợp đầu vào từ dữ liệu",
        "/reviews/new/": "Kỳ xem xét từ ngày",
        "/reviews/annual/": str(loop.report.year),
        f"/reviews/annual/{loop.report.pk}/": "Gửi Sở Khoa học và Công nghệ",
    }
    for url, text in urls.items():
        assert text in _get(pages["owner_a"], url), url
    reader = pages["reader_a"]
    for url in urls:
        if url.endswith("/new/"):
            assert reader.get(url).status_code == 403, url
        else:
            body = _get(reader, url)
            assert "Giao hành động mới" not in body and "Tổng hợp đầu vào từ dữ liệu" not in body


def test_the_dashboard_links_every_area(pages):
    body = _get(pages["member_a"], "/")
    for url in (
        "/risks/",
        "/objectives/",
        "/audits/",
        "/improvement/",
        "/reviews/",
        "/feedback/",
        "/reviews/annual/",
    ):
        assert f'href="{url}"' in body
    assert "sắp có" not in body


def test_a_nonconformity_is_worked_through_the_pages(world, pages, loop):
    owner, member, leader = pages["owner_a"], pages["member_a"], pages["leader_a"]
    url = f"/improvement/{loop.nc.pk}/"
    with schema_context("ag_alpha"):  # checked at once (the rule itself is tested below)
        Nonconformity.objects.filter(pk=loop.nc.pk).update(verify_after_days=0)
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    response = owner.post(
        f"{url}actions/",
        {"title": "Rà soát biểu mẫu hằng quý", "owner": world.member_a.pk, "due_on": due},
        follow=True,
    )
    assert "Đã giao hành động khắc phục" in response.content.decode()
    with schema_context("ag_alpha"):
        second = Action.objects.get(title="Rà soát biểu mẫu hằng quý")
    # Nothing can close while actions wait: the message says why, the status stays.
    response = owner.post(f"{url}close/", {"verification_note": "Đã kiểm tra"}, follow=True)
    assert "Chưa thể đóng: còn 2 hành động" in response.content.decode()
    for action in (loop.action, second):
        member.post(f"/improvement/actions/{action.pk}/complete/", {"note": "Xong"})
    # The owner of an action cannot verify it; someone else can.
    response = member.post(
        f"/improvement/actions/{loop.action.pk}/verify/", {"effective": "yes"}, follow=True
    )
    assert response.status_code == 403
    for action in (loop.action, second):
        owner.post(f"/improvement/actions/{action.pk}/verify/", {"effective": "yes", "note": "OK"})
    response = leader.post(f"{url}close/", {"verification_note": "Sổ đã đủ cột"}, follow=True)
    assert "Đã đóng sự không phù hợp" in response.content.decode()
    with schema_context("ag_alpha"):
        assert Nonconformity.objects.get(pk=loop.nc.pk).status == NcStatus.CLOSED
    response = owner.post(f"{url}reopen/", {"reason": "Tái diễn"}, follow=True)
    body = response.content.decode()
    assert "Đã mở lại" in body and "Đóng sự không phù hợp" in body
    with schema_context("ag_alpha"):
        actions = set(
            AuditEvent.objects.filter(
                subject_type="nonconformity", subject_id=str(loop.nc.pk)
            ).values_list("action", flat=True)
        )
    assert {"create", "nc_correct", "nc_analyse", "nc_close", "nc_reopen"} <= actions


def test_analysis_by_fishbone_and_an_empty_one_refused(pages, loop):
    owner = pages["owner_a"]
    url = f"/improvement/{loop.nc.pk}/analyse/"
    response = owner.post(url, {"method": "fishbone", "root_cause": "X"}, follow=True)
    assert "Biểu đồ xương cá cần ít nhất một nguyên nhân" in response.content.decode()
    with schema_context("ag_alpha"):
        assert Nonconformity.objects.get(pk=loop.nc.pk).root_cause_method == "five_whys"
    owner.post(
        url,
        {
            "method": "fishbone",
            "fb_phuong_phap": "Không rà soát mẫu\nThiếu hướng dẫn",
            "root_cause": "Thiếu quy định rà soát",
        },
    )
    body = _get(owner, f"/improvement/{loop.nc.pk}/")
    assert "Không rà soát mẫu; Thiếu hướng dẫn" in body and "Phương pháp" in body


def test_a_risk_scored_outside_the_matrix_is_refused(world, pages, loop):
    owner = pages["owner_a"]
    response = owner.post(
        "/risks/new/",
        {"kind": "risk", "title": "R", "likelihood": 6, "impact": 2, "owner": world.member_a.pk},
    )
    assert response.status_code == 400
    assert "Khả năng xảy ra" in response.content.decode()
    response = owner.post(
        f"/risks/{loop.risk.pk}/reevaluate/",
        {"residual_likelihood": 2, "residual_impact": 9},
        follow=True,
    )
    assert "Ảnh hưởng sau xử lý" in response.content.decode()
    owner.post(
        f"/risks/{loop.risk.pk}/reevaluate/", {"residual_likelihood": 2, "residual_impact": 2}
    )
    body = _get(owner, "/risks/")
    assert "4 · Thấp" in body and "16 · Cao" in body


def test_an_auditor_cannot_be_assigned_their_own_unit(world, pages, loop):
    with schema_context("ag_alpha"):
        loop.unit.members.add(loop.auditor)
        before = loop.plan.assignments.count()
    response = pages["owner_a"].post(
        f"/audits/plans/{loop.plan.pk}/assign/",
        {"auditor": loop.auditor.pk, "unit": loop.unit.pk},
        follow=True,
    )
    assert "không ai đánh giá đơn vị của chính mình" in response.content.decode()
    with schema_context("ag_alpha"):
        assert loop.plan.assignments.count() == before


def test_audit_report_downloads_after_the_conclusion(world, client_for, pages, loop):
    with schema_context("ag_alpha"):
        items = list(loop.plan.checklist.values_list("pk", flat=True))
    auditor = client_for(world.agency_a, loop.auditor)
    report = f"/audits/plans/{loop.plan.pk}/report/"
    response = auditor.post(report, {"conclusion": "Hệ thống phù hợp"}, follow=True)
    assert "nội dung kiểm tra chưa có kết quả" in response.content.decode()
    for pk in items:
        auditor.post(f"/audits/items/{pk}/assess/", {"grade": "conformity", "evidence": "Sổ"})
    assert pages["member_a"].get(f"/audits/plans/{loop.plan.pk}/report.pdf").status_code == 403
    response = auditor.post(report, {"conclusion": "Hệ thống phù hợp"}, follow=True)
    assert "Đã kết thúc cuộc đánh giá" in response.content.decode()
    pdf = pages["member_a"].get(f"/audits/plans/{loop.plan.pk}/report.pdf")
    docx = pages["member_a"].get(f"/audits/plans/{loop.plan.pk}/report.docx")
    assert pdf.content[:4] == b"%PDF" and docx.content[:2] == b"PK"


def test_a_review_is_held_only_with_its_inputs(pages, loop):
    owner = pages["owner_a"]
    url = f"/reviews/{loop.review.pk}/"
    response = owner.post(f"{url}hold/", {"conclusions": "Duy trì"}, follow=True)
    assert "Chưa tổng hợp đầu vào" in response.content.decode()
    owner.post(f"{url}compile/")
    body = _get(owner, url)
    for key in (
        "9.3.2.a",
        "9.3.2.b",
        "9.3.2.c.1",
        "9.3.2.c.2",
        "9.3.2.c.3",
        "9.3.2.c.4",
        "9.3.2.c.5",
        "9.3.2.c.6",
        "9.3.2.d",
        "9.3.2.e",
        "9.3.2.f",
    ):
        assert key in body
    response = owner.post(f"{url}hold/", {"conclusions": "Duy trì hệ thống"}, follow=True)
    assert "Đã ghi nhận cuộc họp" in response.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    owner.post(
        f"{url}actions/",
        {"title": "Bổ sung nhân sự một cửa", "owner": loop.unit.head_id, "due_on": due},
    )
    assert "Bổ sung nhân sự một cửa" in _get(owner, url)
    minutes = owner.get(f"{url}minutes.docx")
    assert minutes.status_code == 200 and minutes.content[:2] == b"PK"


def test_annual_report_is_edited_then_submitted_and_frozen(pages, loop):
    owner = pages["owner_a"]
    url = f"/reviews/annual/{loop.report.pk}/"
    owner.post(
        f"{url}edit/",
        {
            "assessment": "Hệ thống vận hành ổn định",
            "shortcomings": "",
            "proposals": "",
            "announced_conformity": "on",
        },
    )
    assert "Hệ thống vận hành ổn định" in _get(owner, url)
    assert owner.get(f"{url}report.pdf").content[:4] == b"%PDF"
    owner.post(f"{url}submit/")
    response = owner.post(f"{url}edit/", {"assessment": "Sửa sau khi gửi"}, follow=True)
    assert "Báo cáo đã gửi; không sửa được nữa." in response.content.decode()
    from tenants.models import ReportSubmission

    submission = ReportSubmission.objects.get(agency__code="alpha", year=loop.report.year)
    assert submission.announced_conformity is True


def test_my_work_gathers_what_waits_for_a_person(world, pages, loop):
    body = _get(pages["member_a"], "/my-work/")
    assert "Cập nhật mẫu sổ" in body  # their corrective action, due today
    with schema_context("ag_alpha"):
        Action.objects.filter(pk=loop.action.pk).update(
            due_on=timezone.localdate() - dt.timedelta(days=3)
        )
    body = _get(pages["member_a"], "/my-work/")
    assert "list-group-item-danger" in body and "1 quá hạn" in body
    auditor_body = _get(pages["owner_a"], "/my-work/")
    assert loop.review.title in auditor_body


# --------------------------------------------------------------------------- isolation


FOREIGN_TABLES = (
    "quality_improvement_nonconformity",
    "quality_improvement_action",
    "quality_risks_risk",
    "quality_risks_contextissue",
    "quality_objectives_objective",
    "quality_audits_auditplan",
    "quality_audits_checklistitem",
    "quality_reviews_managementreview",
    "quality_reviews_annualreport",
)


@pytest.fixture
def foreign(world):
    with schema_context(world.agency_b.schema_name):
        with connection.cursor() as cur:
            for table in FOREIGN_TABLES:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                    [table, FOREIGN_ID],
                )
        member = User.objects.create_user(
            "staff@beta.test", "x" * 12, full_name="NV Beta", role=Role.STAFF
        )
        leader = User.objects.create_user(
            "lead@beta.test", "x" * 12, full_name="LĐ Beta", role=Role.AGENCY_LEADER
        )
        loop = make_loop(world.user_b, member, leader, prefix="Beta")
        item = loop.plan.checklist.first()
        for obj in (
            loop.nc,
            loop.action,
            loop.risk,
            loop.issue,
            loop.objective,
            loop.plan,
            item,
            loop.review,
            loop.report,
        ):
            assert obj.pk == FOREIGN_ID, obj
    return loop


def _web_routes():
    routes = []
    for prefix, module in (
        ("/improvement/", "quality.improvement.urls"),
        ("/risks/", "quality.risks.urls"),
        ("/objectives/", "quality.objectives.urls"),
        ("/audits/", "quality.audits.urls"),
        ("/reviews/", "quality.reviews.urls"),
    ):
        for pattern in get_resolver(module).url_patterns:
            route = str(pattern.pattern)
            if "<int:pk>" in route:
                routes.append(prefix + route)
    return routes


@pytest.mark.parametrize("route", _web_routes())
def test_another_agencys_ids_are_not_found_on_pages(world, client_for, foreign, route):
    with schema_context("ag_alpha"):
        assert not Nonconformity.objects.filter(pk=FOREIGN_ID).exists()
    url = route.replace("<int:pk>", str(FOREIGN_ID))
    owner = client_for(world.agency_a, world.owner_a)
    for method in ("get", "post"):
        response = getattr(owner, method)(url)
        assert response.status_code in (404, 405), f"{method.upper()} {url}"
        body = response.content.decode()
        at = body.find("Beta")
        assert at < 0, f"{method.upper()} {url}: …{body[max(0, at - 300) : at + 100]}…"


def test_lists_show_only_this_agencys_loop(world, client_for, foreign):
    owner = client_for(world.agency_a, world.owner_a)
    for url in (
        "/improvement/",
        "/improvement/actions/?status=all",
        "/risks/?status=all",
        "/risks/context/",
        "/objectives/",
        "/audits/",
        "/reviews/",
        "/reviews/annual/",
        "/my-work/",
        "/feedback/",
    ):
        body = _get(owner, url)
        assert "Beta" not in body, url


def test_system_recorded_nonconformities_are_summed_up_then_assigned(world, pages, loop):
    from quality.improvement.services import nc_create

    with schema_context("ag_alpha"):
        for i in range(3):
            nc_create(
                actor=None,
                source="application_late",
                title=f"Hồ sơ H{i} trễ hạn",
                source_type="application",
                source_id=f"H{i}",
            )
        late = Nonconformity.objects.filter(source="application_late").first()
    body = _get(pages["owner_a"], "/my-work/")
    assert "3 sự không phù hợp chưa có người phụ trách" in body
    assert "Hồ sơ H0 trễ hạn" not in body  # one line per source, not one per record
    listed = _get(pages["owner_a"], "/improvement/?source=application_late&unassigned=on")
    assert "Hồ sơ H1 trễ hạn" in listed and loop.nc.code not in listed
    url = f"/improvement/{late.pk}/assign/"
    assert pages["reader_a"].post(url, {"owner": world.member_a.pk}).status_code == 403
    response = pages["owner_a"].post(url, {"owner": world.member_a.pk}, follow=True)
    assert "Đã giao người chịu trách nhiệm xử lý" in response.content.decode()
    assert late.title in _get(pages["member_a"], "/my-work/")
    assert "2 sự không phù hợp chưa có người phụ trách" in _get(pages["owner_a"], "/my-work/")


def test_my_work_through_the_api(world, client_for, loop):
    connection.set_schema_to_public()
    items = client_for(world.agency_a, world.member_a).get("/api/v1/my-work/").json()
    mine = [i for i in items if i["kind"] == "action"]
    assert mine and mine[0]["title"] == "Cập nhật mẫu sổ" and mine[0]["overdue"] is False
    assert mine[0]["url"] == f"/improvement/{loop.nc.pk}/"
    assert client_for(world.agency_a).get("/api/v1/my-work/").status_code in (401, 403)


def test_the_risk_matrix_is_configured_but_never_shrunk_under_open_risks(world, pages, loop):
    url = "/settings/improvement/"
    assert pages["member_a"].get(url).status_code == 403
    refused = pages["owner_a"].post(url, {"risk_matrix_size": 3, "survey_low_score": 2})
    assert refused.status_code == 400 and "ma trận không nhỏ hơn 4 x 4" in refused.content.decode()
    pages["owner_a"].post(url, {"risk_matrix_size": 7, "survey_low_score": 1})
    assert "ma trận 7 × 7" in _get(pages["owner_a"], "/risks/")
    accepted = pages["owner_a"].post(
        "/risks/new/",
        {
            "kind": "risk",
            "title": "Thang 7",
            "likelihood": 7,
            "impact": 6,
            "owner": world.member_a.pk,
        },
    )
    assert accepted.status_code == 302


def test_effectiveness_is_checked_after_the_set_time(world, pages, loop):
    owner, member = pages["owner_a"], pages["member_a"]
    member.post(f"/improvement/actions/{loop.action.pk}/complete/", {"note": "Xong"})
    owner.post(f"/improvement/actions/{loop.action.pk}/verify/", {"effective": "yes"})
    response = owner.post(
        f"/improvement/{loop.nc.pk}/close/", {"verification_note": "OK"}, follow=True
    )
    due = timezone.localdate() + dt.timedelta(days=30)
    assert f"được kiểm tra từ ngày {due:%d/%m/%Y}" in response.content.decode()
    with schema_context("ag_alpha"):
        assert Nonconformity.objects.get(pk=loop.nc.pk).status == NcStatus.VERIFYING
