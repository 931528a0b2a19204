"""The province sees each agency's edition of ISO 9001 and its transition through the
refreshed figures (never by reading the agency's schema on a page view): the grid, the chart,
the export and the inspection snapshot."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from insights.services import refresh
from insights.services.inspections import agency_figures
from quality.improvement import services as improvement
from quality.improvement.models import ActionKind
from quality.transition import services as transition


def _start_and_answer(w):
    with schema_context(w.agency_a.schema_name):
        assessment = transition.assessment_start(actor=w.owner_a)
        first, second, *_rest = assessment.questions.order_by("pk")
        transition.question_answer(actor=w.owner_a, question=first, status="met", answer="Có")
        transition.question_answer(actor=w.owner_a, question=second, status="gap", answer="Chưa")
        improvement.action_add(
            actor=w.owner_a,
            title="Quy tắc ứng xử",
            owner=w.member_a,
            due_on=timezone.localdate() + dt.timedelta(days=9),
            kind=ActionKind.TRANSITION,
            source_type="gap_question",
            source_id=str(second.pk),
        )
    connection.set_schema_to_public()


def test_the_refresh_copies_the_edition_and_the_transition(in_a, client_for):
    w = in_a
    _start_and_answer(w)
    status = refresh.agency_refresh(agency=w.agency_a)
    assert (status.iso_edition, status.transition_target) == ("2015+A1:2024", "2026")
    assert status.transition_deadline == dt.date(2029, 9, 30)
    assert (status.transition_questions, status.transition_answered) == (5, 2)
    assert (status.transition_closed, status.transition_actions) == (1, 1)
    assert status.transition_percent == 20
    other = refresh.agency_refresh(agency=w.agency_b)
    assert (other.iso_edition, other.transition_target, other.transition_percent) == (
        "2015+A1:2024",
        "",
        None,
    )

    analyst = client_for("localhost", w.analyst)
    with connection.execute_wrapper(_no_agency_schema):
        page = analyst.get("/statistics/")
    assert page.status_code == 200
    chart = page.context["transition_chart"]
    assert chart["labels"] == ["Sở Alpha"] and chart["datasets"][0]["data"] == [20]
    assert ("TCVN ISO 9001:2015 và Sửa đổi 1:2024", 2) in page.context["edition_counts"]
    grid = page.context["tables"]["grid"]
    values = grid.rows[[m["code"] for m in grid.meta].index("alpha")]
    row = dict(zip(grid.header(), values, strict=True))
    assert row["Tiến độ chuyển đổi (%)"] == 20 and row["Hạn chuyển đổi"] == "30/09/2029"
    assert row["Phiên bản tiêu chuẩn"] == "TCVN ISO 9001:2015 và Sửa đổi 1:2024"

    snapshot = agency_figures(w.agency_a, as_of=timezone.localdate())["status"]
    assert snapshot["transition_percent"] == 20 and snapshot["transition_deadline"] == "2029-09-30"


def _no_agency_schema(execute, sql, params, many, context):
    assert '"ag_' not in sql and "ag_alpha" not in sql, sql  # no agency schema on a page view
    return execute(sql, params, many, context)
