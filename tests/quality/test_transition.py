"""Amendment 1:2024 in the context register, and the move to the 2026 edition: the gap
assessment generated from the mapping, answers with evidence, the plan of actions, progress,
and what the management review sees. Agency B never reaches any of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.asserts import refusal_checker
from quality.core.models import AgencySettings, AuditEvent
from quality.core.services import agency_settings_update
from quality.improvement import services as improvement
from quality.improvement.models import Action, ActionKind
from quality.reviews.services.inputs import _context_changes
from quality.risks import services as risks
from quality.risks.models import ClimateDecision, ContextIssue
from quality.transition import selectors, services
from quality.transition.models import Assessment, GapEvidence, GapQuestion

from .conftest import pdf_bytes, upload

refused = refusal_checker(
    Assessment, GapQuestion, GapEvidence, ClimateDecision, ContextIssue, AuditEvent, Action
)


# --------------------------------------------------------------------------- climate (4.1, 4.2)


def test_the_climate_decision_is_recorded_with_reasons_and_stands_in_the_register(in_a):
    w = in_a
    assert "chưa xác định" in _context_changes(dt.date(2000, 1, 1), dt.date(2100, 1, 1))["summary"]
    with refused("Cần nêu lý do, căn cứ của kết luận về biến đổi khí hậu"):
        risks.climate_decide(actor=w.owner_a, relevant=True, reasons="  ")
    decision = risks.climate_decide(
        actor=w.owner_a, relevant=True, reasons="Mưa lũ làm gián đoạn tiếp nhận hồ sơ."
    )
    issue = decision.issue
    assert issue.kind == "external" and issue.climate_related and issue.is_active
    assert AuditEvent.objects.filter(action="climate_decide").count() == 1
    later = risks.climate_decide(actor=w.owner_a, relevant=False, reasons="Đã chuyển trực tuyến.")
    issue.refresh_from_db()
    assert later.issue == issue and not issue.is_active  # kept, no longer in force
    assert risks.climate_decision_current() == later
    summary = _context_changes(dt.date(2000, 1, 1), dt.date(2100, 1, 1))["summary"]
    assert "Biến đổi khí hậu: không phải vấn đề liên quan" in summary


def test_the_climate_question_shows_only_for_editions_with_the_amendment(in_a, client_for):
    w = in_a
    owner = client_for(w.agency_a, w.owner_a)
    assert 'id="climate"' in owner.get("/risks/context/").content.decode()
    bad = owner.post("/risks/context/climate/", {"relevant": "yes", "reasons": ""})
    assert bad.status_code == 400 and "Cần nêu lý do" in bad.content.decode()
    assert not ClimateDecision.objects.exists()
    member = client_for(w.agency_a, w.member_a)
    assert (
        member.post("/risks/context/climate/", {"relevant": "no", "reasons": "x"}).status_code
        == 403
    )
    ok = owner.post("/risks/context/climate/", {"relevant": "no", "reasons": "Không liên quan."})
    assert ok.status_code == 302 and ClimateDecision.objects.get().relevant is False
    party = owner.post(
        "/risks/context/",
        {
            "kind": "party",
            "title": "UBND tỉnh",
            "description": "Giảm giấy",
            "climate_related": "on",
            "is_active": "on",
        },
    )
    assert party.status_code == 302
    assert ContextIssue.objects.get(title="UBND tỉnh").climate_related
    agency_settings_update(actor=w.owner_a, iso_edition="2015")
    assert 'id="climate"' not in owner.get("/risks/context/").content.decode()


# --------------------------------------------------------------------------- gap assessment


def test_the_gap_assessment_has_one_question_per_change_on_the_way(in_a):
    w = in_a
    assessment = services.assessment_start(actor=w.owner_a)
    assert (assessment.from_edition, assessment.target_edition) == ("2015+A1:2024", "2026")
    assert assessment.deadline == dt.date(2029, 9, 30)  # the expected end of the transition
    assert list(assessment.questions.values_list("clauses", flat=True)) == [
        "4.1",
        "5.1",
        "5.2",
        "6.1.1, 6.1.2, 6.1.3",
        "7.3",
    ]
    with refused("Đã có đánh giá khoảng cách sang TCVN ISO 9001:2026 (dự kiến)."):
        services.assessment_start(actor=w.owner_a)


def test_an_agency_still_on_2015_also_gets_the_amendments_questions(in_a):
    w = in_a
    agency_settings_update(actor=w.owner_a, iso_edition="2015")
    assessment = services.assessment_start(actor=w.owner_a, deadline=dt.date(2028, 12, 31))
    clauses = list(assessment.questions.values_list("edition", "clauses"))
    assert clauses[:2] == [("2015+A1:2024", "4.1"), ("2015+A1:2024", "4.2")]
    assert len(clauses) == 7


def test_bad_starts_are_refused_and_nothing_is_stored(in_a):
    w = in_a
    with refused("Cần hạn hoàn thành chuyển đổi, không trước hôm nay."):
        services.assessment_start(actor=w.owner_a, deadline=dt.date(2020, 1, 1))
    with refused("Không có phiên bản tiêu chuẩn “2031” trong danh mục."):
        services.assessment_start(actor=w.owner_a, target="2031")
    agency_settings_update(actor=w.owner_a, iso_edition="2026")
    with refused("Cơ quan đang theo TCVN ISO 9001:2026 (dự kiến): không có gì để chuyển đổi."):
        services.assessment_start(actor=w.owner_a)
    with refused("Không có đường chuyển đổi", exc=Exception):
        services.assessment_start(actor=w.owner_a, target="2015")


def test_answers_with_evidence_and_the_plan_of_actions_drive_the_progress(in_a, settings):
    w = in_a
    assessment = services.assessment_start(actor=w.owner_a)
    q41, q51, *_rest = assessment.questions.order_by("pk")
    with refused("Tệp", GapQuestion.objects.get(pk=q41.pk)):
        services.question_answer(
            actor=w.owner_a,
            question=q41,
            status="met",
            answer="Đã có",
            files=[upload("x.exe", b"MZ")],
        )
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.exe"))
    services.question_answer(
        actor=w.owner_a,
        question=q41,
        status="met",
        answer="Sổ bối cảnh có kết luận về khí hậu.",
        files=[upload("so-boi-canh.pdf", pdf_bytes("So boi canh"))],
    )
    evidence = GapEvidence.objects.get(question=q41)
    assert evidence.name == "so-boi-canh.pdf" and evidence.file.name.startswith("ag_alpha/")
    services.question_answer(actor=w.owner_a, question=q51, status="gap", answer="Chưa có.")
    action = improvement.action_add(
        actor=w.owner_a,
        title="Ban hành quy tắc ứng xử",
        owner=w.member_a,
        due_on=timezone.localdate() + dt.timedelta(days=30),
        kind=ActionKind.TRANSITION,
        source_type="gap_question",
        source_id=str(q51.pk),
    )
    progress = selectors.progress(assessment)
    assert (progress["answered"], progress["closed"], progress["percent"]) == (2, 1, 20)
    assert (progress["actions"], progress["actions_done"]) == (1, 0)
    improvement.action_complete(actor=w.member_a, action=action, note="Đã ban hành")
    improvement.action_verify(actor=w.owner_a, action=action, effective=True)
    assert selectors.progress(assessment)["closed"] == 2
    assert action.url == f"/transition/questions/{q51.pk}/"
    assert "hoàn thành 40%" in selectors.transition_summary()
    assert (
        "Chuyển đổi sang TCVN ISO 9001:2026"
        in _context_changes(dt.date(2000, 1, 1), dt.date(2100, 1, 1))["summary"]
    )


def test_only_the_leader_and_iso_secretary_run_the_transition(in_a):
    from django.core.exceptions import PermissionDenied

    with refused("transition.manage", exc=PermissionDenied):
        services.assessment_start(actor=in_a.member_a)


# --------------------------------------------------------------------------- pages


@pytest.fixture
def started(in_a):
    assessment = services.assessment_start(actor=in_a.owner_a)
    question = assessment.questions.order_by("pk").first()
    services.question_answer(
        actor=in_a.owner_a,
        question=question,
        status="partial",
        answer="Một phần",
        files=[upload("bang-chung.pdf", pdf_bytes("Bang chung"))],
    )
    evidence = question.evidence.get()
    connection.set_schema_to_public()
    return question, evidence


def test_the_pages_work_for_the_agency_and_answer_with_files(in_a, client_for, started):
    question, evidence = started
    owner = client_for(in_a.agency_a, in_a.owner_a)
    assert "nội dung chuyển đổi chưa đánh giá" in owner.get("/").content.decode()  # its tile
    home = owner.get("/transition/").content.decode()
    assert "Đánh giá khoảng cách" in home and 'data-progress="0"' in home
    page = owner.get(f"/transition/questions/{question.pk}/").content.decode()
    assert "bang-chung.pdf" in page and "Kế hoạch chuyển đổi" in page
    download = owner.get(f"/transition/questions/{question.pk}/evidence/{evidence.pk}/")
    assert download.status_code == 200 and download["X-Content-SHA256"] == evidence.sha256
    answer = owner.post(
        f"/transition/questions/{question.pk}/answer/",
        {"status": "met", "answer": "Đủ", "files": [upload("them.pdf", pdf_bytes("Them"))]},
    )
    assert answer.status_code == 302
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    owner.post(
        f"/transition/questions/{question.pk}/actions/",
        {"title": "Cập nhật sổ bối cảnh", "owner": in_a.member_a.pk, "due_on": due},
    )
    with schema_context("ag_alpha"):
        assert GapQuestion.objects.get(pk=question.pk).status == "met"
        assert GapEvidence.objects.filter(question=question).count() == 2
        assert Action.objects.get(source_type="gap_question").kind == "transition"
    member = client_for(in_a.agency_a, in_a.member_a)
    assert member.get("/transition/").status_code == 200  # everyone reads
    refused_post = member.post(
        f"/transition/questions/{question.pk}/answer/", {"status": "gap", "answer": "x"}
    )
    assert refused_post.status_code == 403
    bad = owner.post("/transition/", {"deadline": "2001-01-01"})
    assert bad.status_code == 400 and "không trước hôm nay" in bad.content.decode()
    again = owner.post("/transition/", {"deadline": ""})
    assert again.status_code == 400 and "Đã có đánh giá khoảng cách" in again.content.decode()


def test_another_agency_reaches_none_of_it(in_a, client_for, started):
    question, evidence = started
    other = client_for(in_a.agency_b, in_a.user_b)
    for url in (
        f"/transition/questions/{question.pk}/",
        f"/transition/questions/{question.pk}/evidence/{evidence.pk}/",
    ):
        assert other.get(url).status_code == 404
    for url, data in (
        (f"/transition/questions/{question.pk}/answer/", {"status": "gap", "answer": "x"}),
        (f"/transition/questions/{question.pk}/actions/", {"title": "x"}),
    ):
        assert other.post(url, data).status_code in (403, 404)
    assert "Đánh giá khoảng cách" not in other.get("/transition/").content.decode()
    anonymous = client_for(in_a.agency_a)
    assert anonymous.get(f"/transition/questions/{question.pk}/").status_code == 302
    with schema_context("ag_alpha"):
        assert GapQuestion.objects.get(pk=question.pk).status == "partial"
        assert AgencySettings.load().iso_edition == "2015+A1:2024"
