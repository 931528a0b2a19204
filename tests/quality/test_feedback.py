"""The public satisfaction survey (9.1.2): anti-stuffing layers, low scores, results."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.testing.asserts import refusal_checker
from eiso.testing.procedures import event, make_procedure
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from quality.core.models import AgencySettings, AuditEvent
from quality.core.services import agency_settings_update
from quality.feedback import services as fb
from quality.feedback.models import SurveyResponse
from quality.improvement.models import Nonconformity

TRACKED = (SurveyResponse, Nonconformity, AuditEvent)
GOOD = {"overall": 5, "timeliness": 4, "staff": 5}


refused = refusal_checker(*TRACKED)


@pytest.fixture
def shown(monkeypatch):
    """`shown(seconds)`: a form token as if the form had been shown that many seconds ago."""

    def make(seconds: int) -> str:
        issued = signing.b62_encode(int(timezone.now().timestamp()) - seconds)
        with monkeypatch.context() as patch:
            patch.setattr(signing.TimestampSigner, "timestamp", lambda self: issued)
            return fb.form_token()

    return make


def submit(token, scores=None, **extra):
    extra.setdefault("address", "203.0.113.7")
    return fb.response_submit(token=token, scores=scores or GOOD, **extra)


# --------------------------------------------------------------------------- a good response


def test_a_response_is_stored_with_a_hashed_address_and_no_finding(in_a, shown):
    response = submit(shown(30), comment="  Cán bộ tận tình  ", application_code=" HS-9 ")
    response.refresh_from_db()
    assert (response.overall, response.timeliness, response.staff) == (5, 4, 5)
    assert response.comment == "Cán bộ tận tình" and response.application_code == "HS-9"
    assert response.average == 4.67 and response.procedure is None  # unknown code: no procedure
    assert len(response.address_hash) == 64 and "203.0.113.7" not in response.address_hash
    assert response.address_hash == fb.address_hash("203.0.113.7")
    assert response.nonconformity is None and not Nonconformity.objects.exists()


def test_the_address_hash_differs_between_agencies(in_a):
    here = fb.address_hash("203.0.113.7")
    with schema_context(in_a.agency_b.schema_name):
        assert fb.address_hash("203.0.113.7") != here


def test_a_response_names_the_procedure_of_its_application(in_a, shown):
    procedure = make_procedure(in_a.owner_a)
    events_ingest(
        items=[event("e1", "received", "2026-03-09 09:15", procedure_code="1.000001")], key=None
    )
    inbox_apply_pending()
    assert submit(shown(30), application_code="HS-001").procedure == procedure


def test_scores_arrive_as_form_strings(in_a, shown):
    response = submit(shown(30), {"overall": "4", "timeliness": "3", "staff": "5"})
    assert (response.overall, response.timeliness, response.staff) == (4, 3, 5)


# --------------------------------------------------------------------------- the flood


def test_one_response_per_application_code(in_a, shown):
    first = submit(shown(30), {"overall": 1, "timeliness": 1, "staff": 1}, application_code="HS-1")
    for code in ("HS-1", "  HS-1  "):
        with refused("Hồ sơ HS-1 đã được đánh giá. Cảm ơn ông/bà.", first) as info:
            submit(shown(40), application_code=code, address="198.51.100.1")
        assert list(info.value.message_dict) == ["application_code"]
    # one response, one nonconformity: the flood did not multiply the complaint
    assert SurveyResponse.objects.count() == 1 and Nonconformity.objects.count() == 1


def test_responses_without_a_code_are_not_limited_by_code(in_a, shown):
    submit(shown(30))
    submit(shown(30))
    assert SurveyResponse.objects.filter(application_code="").count() == 2


def test_a_token_is_good_for_one_answer(in_a, shown):
    token = shown(30)
    first = submit(token, comment="Lần đầu")
    for code, address in (("", "203.0.113.7"), ("HS-77", "198.51.100.9")):
        with refused(
            "Phiếu khảo sát này đã được gửi; mỗi phiếu chỉ gửi được một lần.", first
        ) as info:
            submit(token, comment="Lần hai", application_code=code, address=address)
        assert info.value.code == "token_used"
    assert list(SurveyResponse.objects.values_list("comment", flat=True)) == ["Lần đầu"]


def test_forms_shown_at_the_same_moment_get_different_tokens(in_a, shown):
    first, second = shown(30), shown(30)
    assert first != second
    submit(first), submit(second)
    assert SurveyResponse.objects.count() == 2


def test_answers_entered_at_the_desk_need_no_token(in_a):
    fb.response_record(scores=GOOD), fb.response_record(scores=GOOD)
    assert SurveyResponse.objects.filter(token_digest="").count() == 2


@pytest.mark.parametrize("seconds", [0, 1, 2])
def test_a_form_sent_too_fast_is_refused(in_a, shown, seconds):
    with refused("Gửi quá nhanh; hãy đọc và trả lời các câu hỏi rồi gửi lại") as info:
        submit(shown(seconds), application_code="HS-2")
    assert info.value.code == "too_fast"


def test_a_form_sent_after_three_seconds_is_taken(in_a, shown):
    assert submit(shown(3)).pk


def test_a_fresh_token_is_too_fast(in_a):
    with refused("Gửi quá nhanh"):
        submit(fb.form_token())


@pytest.mark.parametrize("seconds", [fb.MAX_SECONDS + 5, 3 * 24 * 3600])
def test_an_expired_token_is_refused(in_a, shown, seconds):
    with refused("Phiếu khảo sát đã hết hạn hoặc không hợp lệ; hãy tải lại trang") as info:
        submit(shown(seconds))
    assert info.value.code == "token"


def test_a_token_from_another_agency_is_refused(in_a, shown):
    with schema_context(in_a.agency_b.schema_name):
        foreign = shown(30)
    with refused("Phiếu khảo sát đã hết hạn hoặc không hợp lệ"):
        submit(foreign)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # tampered signature
        lambda t: ":".join([t.split(":")[0], signing.b62_encode(1), t.split(":")[2]]),  # time
        lambda t: signing.TimestampSigner(salt="khac").sign("form"),  # another namespace
        lambda t: "",
        lambda t: "không phải token",
    ],
)
def test_a_forged_token_is_refused(in_a, shown, forge):
    with refused("Phiếu khảo sát đã hết hạn hoặc không hợp lệ"):
        submit(forge(shown(30)))


def test_the_honeypot_catches_robots_before_anything_else(in_a, shown):
    with refused("Không ghi nhận được phiếu") as info:
        submit(shown(30), honeypot="http://spam.example")
    assert info.value.code == "honeypot"
    with refused("Không ghi nhận được phiếu"):
        submit("", honeypot="x")


@pytest.mark.parametrize(
    "scores",
    [
        {"overall": 0, "timeliness": 3, "staff": 3},
        {"overall": 3, "timeliness": 6, "staff": 3},
        {"overall": 3, "timeliness": 3, "staff": None},
        {"overall": 3, "timeliness": 3, "staff": "rất tốt"},
        {"overall": 3, "timeliness": 3},
        {"overall": -1, "timeliness": 3, "staff": 3},
    ],
)
def test_scores_must_be_1_to_5_for_every_question(in_a, shown, scores):
    with refused("Hãy chọn một mức từ 1 đến 5 cho mỗi câu hỏi"):
        submit(shown(30), scores)


# --------------------------------------------------------------------------- low scores


def test_a_low_score_opens_a_complaint_nonconformity(in_a, shown):
    response = submit(
        shown(30),
        {"overall": 2, "timeliness": 1, "staff": 4},
        comment="Chờ quá lâu",
        application_code="HS-7",
    )
    response.refresh_from_db()
    nc = response.nonconformity
    assert (nc.source, nc.source_type, nc.source_id) == ("complaint", "survey", str(response.pk))
    assert nc.title == "Người dân không hài lòng (2/5) — hồ sơ HS-7"
    assert nc.description == "Chờ quá lâu" and nc.source_ref == "HS-7" and nc.status == "open"
    event = AuditEvent.objects.get(subject_type="nonconformity", subject_id=str(nc.pk))
    assert event.action == "create" and event.actor_label == "hệ thống"


def test_a_low_score_without_comment_or_code(in_a, shown):
    nc = submit(shown(30), {"overall": 1, "timeliness": 5, "staff": 5}).nonconformity
    assert nc.title == "Người dân không hài lòng (1/5)"
    assert nc.description == "(không có ý kiến kèm theo)"


@pytest.mark.parametrize(
    ("threshold", "overall", "opens"),
    [(2, 3, False), (2, 2, True), (0, 1, False), (5, 5, True), (4, 4, True), (4, 5, False)],
)
def test_the_agency_chooses_what_counts_as_low(in_a, shown, threshold, overall, opens):
    agency_settings_update(actor=in_a.owner_a, survey_low_score=threshold)
    assert AgencySettings.load().survey_low_score == threshold
    response = submit(shown(30), {"overall": overall, "timeliness": 5, "staff": 5})
    assert (SurveyResponse.objects.get(pk=response.pk).nonconformity_id is not None) is opens
    assert Nonconformity.objects.count() == int(opens)


# --------------------------------------------------------------------------- results


def test_results_by_procedure_and_month_for_the_period(in_a, shown):
    procedure = make_procedure(in_a.owner_a)
    events_ingest(
        items=[
            event("e1", "received", "2026-03-09 09:15", app="HS-1", procedure_code="1.000001"),
            event("e2", "received", "2026-03-09 10:15", app="HS-2", procedure_code="1.000001"),
        ],
        key=None,
    )
    inbox_apply_pending()
    submit(shown(30), {"overall": 5, "timeliness": 5, "staff": 5}, application_code="HS-1")
    submit(shown(30), {"overall": 2, "timeliness": 3, "staff": 4}, application_code="HS-2")
    submit(shown(30), {"overall": 4, "timeliness": 4, "staff": 4})
    old = submit(shown(30), {"overall": 1, "timeliness": 1, "staff": 1})
    today = timezone.localdate()
    month_start = today.replace(day=1)
    SurveyResponse.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )

    data = fb.results(month_start, today)
    assert data["total"]["n"] == 3 and data["low"] == 1
    assert round(data["total"]["avg_overall"], 2) == round((5 + 2 + 4) / 3, 2)
    by_code = {row["procedure__code"]: row for row in data["by_procedure"]}
    assert by_code["1.000001"]["n"] == 2 and by_code["1.000001"]["avg_overall"] == 3.5
    assert by_code[None]["n"] == 1
    assert procedure.code in by_code
    assert [row["n"] for row in data["by_month"]] == [3]

    year = fb.results(today - dt.timedelta(days=500), today)
    assert year["total"]["n"] == 4 and year["low"] == 2 and len(year["by_month"]) == 2
