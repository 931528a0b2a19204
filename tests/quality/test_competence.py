"""Competence (7.2) and awareness (7.3): required competences, training sessions with their
attendance and evaluation, qualifications and their reminders, quizzes, read-and-confirm, each
person's record, the register export, the figures for statistics and the management review."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.asserts import refusal_checker
from eiso.testing.competence import QUIZ, make_training, right_answers
from iso_platform.accounts.models import Role, User
from quality.competence import reminders, selectors, services
from quality.competence.models import (
    Answer,
    Attempt,
    Attendance,
    Campaign,
    Choice,
    Competence,
    Qualification,
    Question,
    TrainingSession,
)
from quality.core.models import AuditEvent, Notification, Unit
from quality.documents.models import Acknowledgement

TRACKED = (
    Competence,
    TrainingSession,
    Attendance,
    Qualification,
    Campaign,
    Question,
    Choice,
    Attempt,
    Answer,
    AuditEvent,
)
refused = refusal_checker(*TRACKED)
TODAY = timezone.localdate()


def session(w, **extra):
    values = {
        "title": "Tập huấn quy trình một cửa",
        "held_on": TODAY - dt.timedelta(days=3),
        "trainer": "Văn phòng Sở",
        "hours": Decimal("3.5"),
        "attendees": [w.member_a],
    }
    return services.session_create(actor=w.owner_a, **{**values, **extra})


# --------------------------------------------------------------------------- sessions


def test_a_session_is_stored_with_its_attendance_and_a_trail(in_a):
    w = in_a
    s = session(w, attendees=[w.member_a, w.leader_a])
    assert sorted(s.attendances.values_list("user_id", flat=True)) == sorted(
        [w.member_a.pk, w.leader_a.pk]
    )
    event = AuditEvent.objects.get(subject_type="trainingsession", subject_id=str(s.pk))
    assert event.action == "create" and w.member_a.email in event.changes["attendees"]


def test_attendance_of_someone_outside_the_agency_is_refused_and_nothing_is_stored(in_a):
    w = in_a
    # A's schema has no user with an id beyond its own people (B's user lives in B's schema).
    stranger = max(User.objects.values_list("pk", flat=True)) + 1000
    with refused("không phải cán bộ đang làm việc của cơ quan"):
        session(w, attendees=[w.member_a, stranger])
    s = session(w)
    with refused("không phải cán bộ đang làm việc của cơ quan", s):
        services.attendance_add(actor=w.owner_a, session=s, attendees=[w.leader_a.pk, stranger])


def test_an_inactive_person_cannot_be_recorded_as_attending(in_a):
    w = in_a
    gone = User.objects.create_user("gone@alpha.test", full_name="Đã nghỉ", role=Role.STAFF)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    with refused("không phải cán bộ đang làm việc của cơ quan"):
        session(w, attendees=[gone])


def test_someone_already_attending_is_not_added_twice(in_a):
    w = in_a
    s = session(w)
    with refused("đã có trong danh sách tham dự", s):
        services.attendance_add(actor=w.owner_a, session=s, attendees=[w.leader_a, w.member_a])


def test_only_managers_record_sessions(in_a):
    w = in_a
    with refused("competence.manage", exc=PermissionDenied):
        services.session_create(
            actor=w.member_a, title="x", held_on=TODAY, trainer="y", hours=Decimal(1)
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " "}, "Cần nhập nội dung"),
        ({"trainer": ""}, "Cần nhập nội dung"),
        ({"hours": Decimal(0)}, "Số giờ đào tạo phải lớn hơn 0"),
    ],
)
def test_an_incomplete_session_is_refused(in_a, fields, message):
    with refused(message):
        session(in_a, **fields)


def test_the_evaluation_records_each_result_and_the_overall_judgement(in_a):
    w = in_a
    s = session(w, attendees=[w.member_a, w.leader_a])
    rows = {a.user_id: a.pk for a in s.attendances.all()}
    services.session_evaluate(
        actor=w.owner_a,
        session=s,
        evaluated_on=TODAY,
        overall="Nắm được quy trình",
        results={
            rows[w.member_a.pk]: ("effective", "Làm đúng bài thực hành"),
            rows[w.leader_a.pk]: ("not_effective", ""),
        },
    )
    s.refresh_from_db()
    assert (s.evaluated_on, s.evaluated_by_id, s.overall) == (
        TODAY,
        w.owner_a.pk,
        "Nắm được quy trình",
    )
    assert dict(s.attendances.values_list("user_id", "result")) == {
        w.member_a.pk: "effective",
        w.leader_a.pk: "not_effective",
    }


def test_an_evaluation_dated_before_the_session_is_refused(in_a):
    w = in_a
    s = session(w)
    (attendance,) = s.attendances.all()
    with refused("không được trước ngày đào tạo", s, attendance):
        services.session_evaluate(
            actor=w.owner_a,
            session=s,
            evaluated_on=s.held_on - dt.timedelta(days=1),
            overall="",
            results={attendance.pk: ("effective", "")},
        )


def test_a_session_still_to_come_cannot_be_evaluated(in_a):
    w = in_a
    s = session(w, held_on=TODAY + dt.timedelta(days=5))
    with refused("chưa diễn ra", s):
        services.session_evaluate(
            actor=w.owner_a,
            session=s,
            evaluated_on=TODAY + dt.timedelta(days=5),
            overall="",
            results={},
        )


def test_results_for_an_attendance_of_another_session_are_refused(in_a):
    w = in_a
    first, second = session(w), session(w, title="Khoá khác")
    other = second.attendances.get()
    with refused("không tham dự khoá này", first, other):
        services.session_evaluate(
            actor=w.owner_a,
            session=first,
            evaluated_on=TODAY,
            overall="",
            results={other.pk: ("effective", "")},
        )


# --------------------------------------------------------------------------- qualifications


def test_a_qualification_must_expire_after_it_was_issued(in_a):
    w = in_a
    with refused("Ngày hết hạn phải sau ngày cấp"):
        services.qualification_add(
            actor=w.owner_a,
            user=w.member_a,
            title="Chứng chỉ",
            issued_on=TODAY,
            expires_on=TODAY,
        )


def test_expiring_qualifications_remind_the_holder_and_the_secretary_once(in_a, mailoutbox):
    w = in_a
    secretary = User.objects.create_user(
        "thuky2@alpha.test", full_name="Thư Ký Hai", role=Role.ISO_SECRETARY
    )
    q = services.qualification_add(
        actor=w.owner_a,
        user=w.member_a,
        title="Chứng chỉ đánh giá viên nội bộ",
        issued_on=TODAY - dt.timedelta(days=700),
        expires_on=TODAY + dt.timedelta(days=10),
    )
    later = services.qualification_add(
        actor=w.owner_a,
        user=w.leader_a,
        title="Chứng chỉ còn lâu mới hết hạn",
        issued_on=TODAY,
        expires_on=TODAY + dt.timedelta(days=400),
    )
    result = reminders.reminders_send(today=TODAY)
    notices = Notification.objects.filter(key__startswith=f"qualification:{q.pk}:soon")
    assert {n.user_id for n in notices} >= {w.member_a.pk, secretary.pk}
    assert not Notification.objects.filter(key__startswith=f"qualification:{later.pk}:").exists()
    assert result["notifications"] == notices.count() and result["emails"] == notices.count()
    assert "Chứng chỉ sắp hết hạn" in mailoutbox[0].subject
    again = reminders.reminders_send(today=TODAY)
    assert again == {"notifications": 0, "emails": 0}
    # Once expired, one more notice.
    reminders.reminders_send(today=TODAY + dt.timedelta(days=11))
    assert Notification.objects.filter(
        key__startswith=f"qualification:{q.pk}:expired", user=w.member_a
    ).exists()


def test_the_reminder_task_fans_out_to_every_active_agency(world, eager, mailoutbox):
    from quality.competence.tasks import reminders_all

    with schema_context(world.agency_b.schema_name):
        services.qualification_add(
            actor=world.user_b,
            user=world.user_b,
            title="Chứng chỉ của Beta",
            issued_on=TODAY - dt.timedelta(days=30),
            expires_on=TODAY + dt.timedelta(days=2),
        )
    connection.set_schema_to_public()
    assert reminders_all.delay().get() >= 2
    with schema_context(world.agency_b.schema_name):
        assert Notification.objects.filter(
            user=world.user_b, key__startswith="qualification:"
        ).exists()
    with schema_context(world.agency_a.schema_name):
        assert not Notification.objects.filter(key__startswith="qualification:").exists()


# --------------------------------------------------------------------------- gaps


def test_the_gap_view_lists_who_lacks_a_required_competence(in_a):
    w = in_a
    unit = Unit.objects.create(code="MC", name="Bộ phận một cửa")
    unit.members.add(w.member_a)
    one_stop = services.competence_create(actor=w.owner_a, title="Nắm quy trình một cửa", unit=unit)
    auditing = services.competence_create(
        actor=w.owner_a, title="Kỹ năng đánh giá nội bộ", role=Role.AGENCY_LEADER
    )
    gaps = {g.person.pk: {c.pk for c in g.missing} for g in selectors.gaps(TODAY)}
    assert gaps[w.member_a.pk] == {one_stop.pk}
    assert gaps[w.leader_a.pk] == {auditing.pk}
    assert w.reader_a.pk not in gaps  # the read-only role is not staff to train

    # An effective training closes the member's gap; a certificate closes the leader's.
    s = session(w, competence=one_stop)
    services.session_evaluate(
        actor=w.owner_a,
        session=s,
        evaluated_on=TODAY,
        overall="",
        results={s.attendances.get().pk: ("effective", "")},
    )
    services.qualification_add(
        actor=w.owner_a,
        user=w.leader_a,
        title="Chứng chỉ đánh giá viên nội bộ",
        issued_on=TODAY - dt.timedelta(days=100),
        expires_on=TODAY + dt.timedelta(days=1),
        competence=auditing,
    )
    gaps = {g.person.pk for g in selectors.gaps(TODAY)}
    assert w.member_a.pk not in gaps and w.leader_a.pk not in gaps
    # An expired certificate no longer counts.
    assert w.leader_a.pk in {g.person.pk for g in selectors.gaps(TODAY + dt.timedelta(days=2))}


# --------------------------------------------------------------------------- awareness


def test_a_quiz_without_questions_is_refused_in_vietnamese(in_a):
    with refused("Bài trắc nghiệm phải có ít nhất một câu hỏi"):
        services.campaign_create(
            actor=in_a.owner_a, title="Văn hoá chất lượng", topic="culture", method="quiz"
        )


@pytest.mark.parametrize(
    "questions",
    [
        [("Câu hỏi?", [("Chỉ một phương án", True)])],
        [("Câu hỏi?", [("A", False), ("B", False)])],
        [("Câu hỏi?", [("A", True), ("B", True)])],
        [("", [("A", True), ("B", False)])],
        [QUIZ[0], ("Câu thứ hai?", [("A", True), ("", False)])],
    ],
)
def test_a_malformed_question_refuses_the_whole_quiz(in_a, questions):
    with refused("ít nhất hai phương án và đúng một phương án đúng"):
        services.campaign_create(
            actor=in_a.owner_a, title="Quiz", topic="ethics", method="quiz", questions=questions
        )


def test_a_quiz_is_scored_and_the_pass_mark_decides(in_a):
    w = in_a
    campaign = services.campaign_create(
        actor=w.owner_a, title="Đạo đức công vụ", topic="ethics", method="quiz", questions=QUIZ
    )
    half = services.quiz_answer(
        actor=w.member_a, campaign=campaign, answers=right_answers(campaign, wrong=1)
    )
    assert (half.score, half.passed) == (50, False)
    full = services.quiz_answer(
        actor=w.member_a, campaign=campaign, answers=right_answers(campaign)
    )
    assert (full.score, full.passed) == (100, True)
    assert full.answers.count() == 2
    assert selectors.campaign_progress(campaign)["done"] == 1


def test_an_answer_with_a_choice_of_another_question_is_refused(in_a):
    w = in_a
    campaign = services.campaign_create(
        actor=w.owner_a, title="Quiz", topic="policy", method="quiz", questions=QUIZ
    )
    first, second = campaign.questions.all()
    answers = {first.pk: second.choices.first().pk, second.pk: second.choices.first().pk}
    with refused("Cần trả lời tất cả các câu hỏi"):
        services.quiz_answer(actor=w.member_a, campaign=campaign, answers=answers)


def test_the_read_only_role_cannot_answer(in_a):
    w = in_a
    campaign = services.campaign_create(
        actor=w.owner_a, title="Quiz", topic="policy", method="quiz", questions=QUIZ
    )
    with refused("competence.answer", exc=PermissionDenied):
        services.quiz_answer(actor=w.reader_a, campaign=campaign, answers=right_answers(campaign))


def test_read_and_confirm_reuses_the_documents_acknowledgements(flow):
    from quality.documents.services.distribution import acknowledgement_confirm

    w = flow.w
    policy = flow.issued(code="CSCL.91", title="Chính sách chất lượng", doc_type="policy")
    campaign = services.campaign_create(
        actor=w.owner_a,
        title="Đọc chính sách chất lượng",
        topic="policy",
        method="read",
        document=policy,
        audience=[w.member_a, w.leader_a],
    )
    ack = Acknowledgement.objects.get(user=w.member_a, revision__document=policy)
    assert not {r["campaign"].pk: r["done"] for r in selectors.awareness_of(w.member_a)}[
        campaign.pk
    ]
    acknowledgement_confirm(actor=w.member_a, acknowledgement=ack)
    assert {r["campaign"].pk: r["done"] for r in selectors.awareness_of(w.member_a)}[campaign.pk]
    assert selectors.campaign_progress(campaign)["done"] == 1


def test_read_and_confirm_needs_a_document_in_force(flow):
    draft = flow.draft(code="CSCL.92", title="Dự thảo", doc_type="policy")
    with refused("cần một tài liệu đang hiệu lực"):
        services.campaign_create(
            actor=flow.w.owner_a, title="Đọc", topic="policy", method="read", document=draft
        )


# --------------------------------------------------------------------------- figures


def test_the_share_of_staff_trained_counts_people_once_and_only_this_year(in_a):
    w = in_a
    before = selectors.trained_share(TODAY.year)
    session(w, attendees=[w.member_a])
    session(w, title="Khoá hai", attendees=[w.member_a, w.leader_a])
    session(w, title="Năm trước", held_on=TODAY.replace(year=TODAY.year - 1), attendees=[w.owner_a])
    after = selectors.trained_share(TODAY.year)
    assert after["total"] == before["total"]
    assert after["trained"] == before["trained"] + 2


def test_the_register_export_has_one_row_per_attendance(in_a, client_for):
    w = in_a
    make_training(w.owner_a, w.member_a)
    connection.set_schema_to_public()
    response = client_for(w.agency_a, w.owner_a).get(
        "/competence/sessions/register/", {"year": TODAY.year, "format": "xlsx"}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "Nội dung đào tạo"
    assert any(r[7] == w.member_a.full_name and "Tập huấn" in r[2] for r in rows[1:])


# --------------------------------------------------------------------------- pages


@pytest.fixture
def training(in_a):
    return make_training(in_a.owner_a, in_a.member_a)


@pytest.fixture
def pages(world, client_for, training):
    connection.set_schema_to_public()
    return {
        name: client_for(world.agency_a, getattr(world, name))
        for name in ("owner_a", "member_a", "reader_a")
    }


def test_every_page_renders_for_the_secretary(pages, training, world):
    t = training
    urls = {
        "/competence/": "Người còn thiếu năng lực yêu cầu",
        "/competence/requirements/": t.competence.title,
        "/competence/sessions/": t.session.title,
        "/competence/sessions/new/": "Người tham dự",
        f"/competence/sessions/{t.session.pk}/": "Đánh giá hiệu quả đào tạo",
        "/competence/qualifications/": t.qualification.title,
        "/competence/awareness/": t.campaign.title,
        "/competence/awareness/new/": "Câu hỏi",
        f"/competence/awareness/{t.campaign.pk}/": "100%",
        "/competence/people/": world.member_a.full_name,
        f"/competence/people/{world.member_a.pk}/": t.qualification.title,
    }
    for url, text in urls.items():
        response = pages["owner_a"].get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_a_member_sees_their_own_record_and_not_a_colleagues(pages, world):
    member = pages["member_a"]
    assert member.get(f"/competence/people/{world.member_a.pk}/").status_code == 200
    pdf = member.get(f"/competence/people/{world.member_a.pk}/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert member.get(f"/competence/people/{world.leader_a.pk}/").status_code == 403
    assert member.get(f"/competence/people/{world.leader_a.pk}/record.pdf").status_code == 403
    assert member.get("/competence/qualifications/").status_code == 403
    assert "Người còn thiếu" not in member.get("/competence/").content.decode()


def test_the_person_record_prints_as_a_pdf_and_the_download_is_recorded(pages, world, training):
    from pypdf import PdfReader

    response = pages["owner_a"].get(f"/competence/people/{world.member_a.pk}/record.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "HỒ SƠ ĐÀO TẠO CÁ NHÂN" in text and world.member_a.full_name in text
    assert training.session.title in text and "100%" in text
    with schema_context(world.agency_a.schema_name):
        assert AuditEvent.objects.filter(action="export", subject_type="training_record").exists()


def test_a_quiz_without_questions_is_a_form_error_on_the_page(pages, world):
    with schema_context(world.agency_a.schema_name):
        before = Campaign.objects.count()
    response = pages["owner_a"].post(
        "/competence/awareness/new/",
        {"title": "Văn hoá chất lượng", "topic": "culture", "method": "quiz", "pass_mark": 80},
    )
    assert response.status_code == 400
    assert "Bài trắc nghiệm phải có ít nhất một câu hỏi" in response.content.decode()
    with schema_context(world.agency_a.schema_name):
        assert Campaign.objects.count() == before


def test_a_quiz_written_on_the_page_is_stored_and_answered(pages, world):
    text = (
        "Chính sách được xem xét khi nào?\n* Hằng năm\n- Không bao giờ\n\n"
        "Ai phải biết?\n- Lãnh đạo\n* Mọi người"
    )
    response = pages["owner_a"].post(
        "/competence/awareness/new/",
        {
            "title": "Văn hoá",
            "topic": "culture",
            "method": "quiz",
            "pass_mark": 100,
            "questions": text,
        },
    )
    assert response.status_code == 302
    with schema_context(world.agency_a.schema_name):
        campaign = Campaign.objects.get(title="Văn hoá")
        answers = right_answers(campaign)
    form = {f"q_{q}": c for q, c in answers.items()}
    assert (
        pages["member_a"].post(f"/competence/awareness/{campaign.pk}/answer/", form).status_code
        == 302
    )
    with schema_context(world.agency_a.schema_name):
        attempt = Attempt.objects.get(campaign=campaign)
        assert (attempt.user_id, attempt.score, attempt.passed) == (world.member_a.pk, 100, True)
    # The reader may look, not answer.
    assert (
        pages["reader_a"].post(f"/competence/awareness/{campaign.pk}/answer/", form).status_code
        == 403
    )


def test_a_quiz_line_without_a_marker_is_a_form_error(pages):
    response = pages["owner_a"].post(
        "/competence/awareness/new/",
        {
            "title": "X",
            "topic": "culture",
            "method": "quiz",
            "pass_mark": 80,
            "questions": "Hỏi?\nHằng năm",
        },
    )
    assert response.status_code == 400 and "bắt đầu bằng" in response.content.decode()


def test_an_evaluation_before_the_session_is_a_form_error_on_the_page(pages, world, training):
    s = training.session
    with schema_context(world.agency_a.schema_name):
        (attendance,) = s.attendances.all()
    response = pages["owner_a"].post(
        f"/competence/sessions/{s.pk}/evaluate/",
        {
            "evaluated_on": (s.held_on - dt.timedelta(days=1)).isoformat(),
            f"result_{attendance.pk}": "effective",
        },
    )
    assert response.status_code == 400
    assert "không được trước ngày đào tạo" in response.content.decode()
    with schema_context(world.agency_a.schema_name):
        s.refresh_from_db()
        attendance.refresh_from_db()
        assert s.evaluated_on is None and attendance.result == "pending"


def test_attendance_of_another_agencys_person_is_a_form_error(pages, world, training):
    s = training.session
    response = pages["owner_a"].post(
        f"/competence/sessions/{s.pk}/attend/", {"attendees": [world.user_b.pk + 10_000]}
    )
    assert response.status_code == 400
    with schema_context(world.agency_a.schema_name):
        assert s.attendances.count() == 1


def test_another_agency_cannot_read_or_change_these_records(world, client_for, training):
    connection.set_schema_to_public()
    other = client_for(world.agency_b, world.user_b)
    t = training
    for url in (
        f"/competence/sessions/{t.session.pk}/",
        f"/competence/awareness/{t.campaign.pk}/",
        f"/api/v1/competence/sessions/{t.session.pk}/",
        f"/api/v1/competence/campaigns/{t.campaign.pk}/",
    ):
        assert other.get(url).status_code == 404, url
    response = other.post(
        f"/competence/sessions/{t.session.pk}/evaluate/", {"evaluated_on": TODAY.isoformat()}
    )
    assert response.status_code == 404
    # B's own host never shows A's records, and a cookie of B's is nobody on A's host.
    listing = other.get("/api/v1/competence/sessions/").json()
    assert t.session.title not in str(listing)
    stolen = client_for(world.agency_a)
    stolen.cookies = other.cookies
    assert stolen.get("/competence/").status_code == 302


# --------------------------------------------------------------------------- API


def test_the_api_records_a_session_and_refuses_a_stranger(world, client_for, in_a):
    connection.set_schema_to_public()
    api = client_for(world.agency_a, world.owner_a)
    body = {
        "title": "Tập huấn ký số",
        "held_on": TODAY.isoformat(),
        "trainer": "Ban Cơ yếu",
        "hours": "2.0",
        "attendees": [world.member_a.pk, 987_654],
    }
    response = api.post("/api/v1/competence/sessions/", body, content_type="application/json")
    assert response.status_code == 400
    assert "không phải cán bộ" in str(response.json())
    body["attendees"] = [world.member_a.pk]
    created = api.post("/api/v1/competence/sessions/", body, content_type="application/json")
    assert created.status_code == 201 and len(created.json()["attendances"]) == 1
    pk = created.json()["id"]
    early = api.post(
        f"/api/v1/competence/sessions/{pk}/evaluation/",
        {"evaluated_on": (TODAY - dt.timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert early.status_code == 400 and "không được trước ngày đào tạo" in str(early.json())


def test_the_api_quiz_hides_the_right_answers_and_scores(world, client_for, training):
    connection.set_schema_to_public()
    api = client_for(world.agency_a, world.member_a)
    data = api.get(f"/api/v1/competence/campaigns/{training.campaign.pk}/").json()
    assert "is_correct" not in str(data) and len(data["questions"]) == 2
    with schema_context(world.agency_a.schema_name):
        answers = right_answers(training.campaign, wrong=2)
    response = api.post(
        f"/api/v1/competence/campaigns/{training.campaign.pk}/answers/",
        {"answers": [{"question": q, "choice": c} for q, c in answers.items()]},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["score"] == 0
    gaps = api.get("/api/v1/competence/gaps/")
    assert gaps.status_code == 403  # personal data: the managers'


def test_the_home_tile_counts_expiring_certificates_and_risks_without_opportunities(
    in_a, client_for
):
    from quality.risks import services as risks
    from tests.quality.test_dashboard_figures import figures

    w = in_a
    make_training(w.owner_a, w.member_a)  # one certificate expires within 20 days
    risks.risk_create(
        actor=w.owner_a, title="Thiếu người", likelihood=2, impact=2, owner=w.member_a
    )
    risks.risk_create(
        actor=w.owner_a,
        kind="opportunity",
        title="Tích hợp ký số",
        likelihood=2,
        impact=2,
        owner=w.member_a,
    )
    connection.set_schema_to_public()
    shown = figures(client_for(w.agency_a, w.member_a).get("/").content.decode())
    assert shown["competence"] == ("1", "chứng chỉ hết hạn hoặc sắp hết hạn")
    assert shown["risks"] == ("1", "rủi ro đang theo dõi")
