"""Risks and opportunities (6.1): the agency's own matrix, level bands, refusals, re-evaluation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eiso.testing.asserts import refusal_checker
from quality.core.models import AgencySettings, AuditEvent
from quality.core.services import agency_settings_update
from quality.risks import services as risks
from quality.risks.models import ContextIssue, Risk

TRACKED = (Risk, ContextIssue, AuditEvent, AgencySettings)


refused = refusal_checker(*TRACKED)


def resize(w, size):
    agency_settings_update(actor=w.owner_a, risk_matrix_size=size)


def create(w, likelihood, impact, **extra):
    extra.setdefault("title", "Hồ sơ bị thất lạc khi chuyển giữa các phòng")
    return risks.risk_create(
        actor=w.owner_a,
        likelihood=likelihood,
        impact=impact,
        owner=w.member_a,
        **extra,
    )


def levels(scores) -> list[str]:
    return [risks.level_of(score).key for score in scores]


# --------------------------------------------------------------------------- the matrix


def test_the_default_matrix_is_5x5_with_four_bands(in_a):
    size, bands = risks.matrix()
    assert size == 5 and [top for top, _level in bands] == [4, 9, 16, 25]
    assert levels([1, 4, 5, 9, 10, 16, 20, 25]) == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "very_high",
        "very_high",
    ]
    assert str(risks.level_of(25).label) == "Rất cao"


@pytest.mark.parametrize(
    ("size", "tops", "examples"),
    [
        (
            3,
            [1, 3, 6, 9],
            {1: "low", 2: "medium", 3: "medium", 4: "high", 6: "high", 9: "very_high"},
        ),
        (7, [8, 18, 31, 49], {8: "low", 9: "medium", 18: "medium", 21: "high", 35: "very_high"}),
        (10, [16, 36, 64, 100], {16: "low", 17: "medium", 64: "high", 65: "very_high"}),
    ],
)
def test_the_bands_scale_with_the_matrix(in_a, size, tops, examples):
    resize(in_a, size)
    got_size, bands = risks.matrix()
    assert got_size == size and [top for top, _level in bands] == tops
    assert {score: risks.level_of(score).key for score in examples} == examples
    # the highest cell is always the highest level, the lowest always the lowest
    assert risks.level_of(size * size).key == "very_high" and risks.level_of(1).key == "low"


@pytest.mark.parametrize("size", [2, 11, 0])
def test_a_matrix_outside_3_to_10_is_refused(in_a, size):
    config = AgencySettings.load()
    with pytest.raises(ValidationError) as info:
        resize(in_a, size)
    assert "risk_matrix_size" in info.value.message_dict
    assert AgencySettings.objects.get(pk=config.pk).risk_matrix_size == 5


# --------------------------------------------------------------------------- the register


def test_a_risk_is_registered_with_its_level_in_the_trail(in_a):
    w = in_a
    risk = create(w, 4, 5, cause="Không có sổ giao nhận", consequence="Trễ hạn")
    assert (risk.score, risks.level_of(risk.score).key, risk.status) == (20, "very_high", "open")
    event = AuditEvent.objects.get(subject_type="risk", subject_id=str(risk.pk))
    assert event.action == "create" and event.actor_id == w.owner_a.pk
    assert event.changes == {
        "title": risk.title,
        "likelihood": 4,
        "impact": 5,
        "level": "very_high",
    }


@pytest.mark.parametrize(
    ("likelihood", "impact", "field"),
    [
        (0, 3, "likelihood"),
        (6, 3, "likelihood"),
        (3, 6, "impact"),
        (3, -1, "impact"),
        (True, 3, "likelihood"),
        ("3", 3, "likelihood"),
        (2.5, 3, "likelihood"),
        (None, 3, "likelihood"),
    ],
)
def test_a_score_outside_the_5x5_matrix_is_refused(in_a, likelihood, impact, field):
    with refused("phải là số nguyên từ 1 đến 5 (ma trận 5 x 5)") as info:
        create(in_a, likelihood, impact)
    assert list(info.value.message_dict) == [field]


def test_a_3x3_matrix_refuses_what_a_5x5_accepted(in_a):
    w = in_a
    resize(w, 3)
    with refused("Khả năng xảy ra phải là số nguyên từ 1 đến 3 (ma trận 3 x 3)"):
        create(w, 4, 1)
    with refused("Mức độ ảnh hưởng phải là số nguyên từ 1 đến 3 (ma trận 3 x 3)"):
        create(w, 1, 5)
    risk = create(w, 3, 3)
    assert risks.level_of(risk.score).key == "very_high"


def test_a_7x7_matrix_accepts_7_and_refuses_8(in_a):
    w = in_a
    resize(w, 7)
    risk = create(w, 7, 6)
    assert risk.score == 42 and risks.level_of(risk.score).key == "very_high"
    with refused("từ 1 đến 7 (ma trận 7 x 7)"):
        create(w, 8, 1)
    heat = risks.heat_map()
    assert heat["size"] == 7 and heat["impacts"] == [1, 2, 3, 4, 5, 6, 7]
    assert heat["rows"][0]["likelihood"] == 7
    assert heat["rows"][0]["cells"][5] == {"impact": 6, "count": 1, "level": risks.level_of(42)}


def test_editing_a_risk_checks_every_score_against_the_matrix(in_a):
    w = in_a
    risk = create(w, 2, 2)
    with refused("Mức độ ảnh hưởng phải là số nguyên từ 1 đến 5", risk):
        risks.risk_update(actor=w.owner_a, risk=risk, impact=9)
    with refused("Ảnh hưởng sau xử lý phải là số nguyên từ 1 đến 5", risk):
        risks.risk_update(actor=w.owner_a, risk=risk, residual_impact=9)
    risks.risk_update(actor=w.owner_a, risk=risk, likelihood=3, cause="Thiếu sổ giao nhận")
    risk.refresh_from_db()
    assert (risk.likelihood, risk.cause) == (3, "Thiếu sổ giao nhận")
    edit = AuditEvent.objects.get(subject_type="risk", subject_id=str(risk.pk), action="edit")
    assert edit.changes == {"likelihood": [2, 3], "cause": ["", "Thiếu sổ giao nhận"]}


def test_registering_needs_a_description_and_the_right_to_manage(in_a):
    w = in_a
    with refused("Cần mô tả"):
        risks.risk_create(actor=w.owner_a, title="  ", likelihood=1, impact=1, owner=w.member_a)
    for outsider in (w.member_a, w.reader_a):
        with refused("risks.manage", exc=PermissionDenied):
            risks.risk_create(actor=outsider, title="R", likelihood=1, impact=1, owner=w.member_a)


# --------------------------------------------------------------------------- re-evaluation


def test_reevaluation_records_the_residual_level_on_the_same_matrix(in_a):
    w = in_a
    risk = create(w, 4, 5)
    risk = risks.risk_reevaluate(
        actor=w.owner_a, risk=risk, residual_likelihood=2, residual_impact=2, note=" Đã có sổ "
    )
    risk.refresh_from_db()
    assert (risk.status, risk.residual_score, risk.reevaluation_note) == ("treated", 4, "Đã có sổ")
    assert risk.reevaluated_at is not None and risks.level_of(risk.residual_score).key == "low"
    event = AuditEvent.objects.get(subject_id=str(risk.pk), action="risk_reevaluate")
    assert {k: event.changes[k] for k in ("before", "after", "level_after")} == {
        "before": 20,
        "after": 4,
        "level_after": "low",
    }


@pytest.mark.parametrize(
    ("likelihood", "impact", "message"),
    [
        (None, 2, "Đánh giá lại cần cả khả năng và mức độ ảnh hưởng sau xử lý"),
        (2, None, "Đánh giá lại cần cả khả năng và mức độ ảnh hưởng sau xử lý"),
        (6, 2, "Khả năng sau xử lý phải là số nguyên từ 1 đến 5"),
        (2, 0, "Ảnh hưởng sau xử lý phải là số nguyên từ 1 đến 5"),
    ],
)
def test_a_reevaluation_incomplete_or_off_the_matrix_is_refused(in_a, likelihood, impact, message):
    w = in_a
    risk = create(w, 4, 5)
    with refused(message, risk):
        risks.risk_reevaluate(
            actor=w.owner_a, risk=risk, residual_likelihood=likelihood, residual_impact=impact
        )
    assert Risk.objects.get(pk=risk.pk).status == "open"


def test_reevaluation_after_resizing_uses_the_new_matrix(in_a):
    w = in_a
    risk = create(w, 3, 3)
    resize(w, 3)
    with refused("từ 1 đến 3 (ma trận 3 x 3)", risk):
        risks.risk_reevaluate(actor=w.owner_a, risk=risk, residual_likelihood=4, residual_impact=1)
    risks.risk_reevaluate(actor=w.owner_a, risk=risk, residual_likelihood=1, residual_impact=2)
    assert risks.level_of(Risk.objects.get(pk=risk.pk).residual_score).key == "medium"


def test_the_heat_map_counts_open_risks_by_cell(in_a):
    w = in_a
    create(w, 5, 5)
    create(w, 5, 5)
    create(w, 1, 2)
    closed = create(w, 5, 1)
    Risk.objects.filter(pk=closed.pk).update(status="closed")
    heat = risks.heat_map()
    cells = {
        (row["likelihood"], cell["impact"]): cell["count"]
        for row in heat["rows"]
        for cell in row["cells"]
    }
    assert len(cells) == 25 and sum(cells.values()) == 3
    assert cells[(5, 5)] == 2 and cells[(1, 2)] == 1 and cells[(5, 1)] == 0
    assert [row["likelihood"] for row in heat["rows"]] == [5, 4, 3, 2, 1]
    assert heat["rows"][0]["cells"][4]["level"].key == "very_high"


# --------------------------------------------------------------------------- context (4.1, 4.2)


def test_context_issues_need_a_title_and_leave_a_trail(in_a):
    w = in_a
    with refused("Cần mô tả"):
        risks.context_issue_save(actor=w.owner_a, kind="external", title=" ")
    issue = risks.context_issue_save(
        actor=w.owner_a, kind="external", title=" Nghị định mới về một cửa "
    )
    assert issue.title == "Nghị định mới về một cửa"
    risks.context_issue_save(actor=w.owner_a, issue=issue, is_active=False)
    assert ContextIssue.objects.get(pk=issue.pk).is_active is False
    assert list(
        AuditEvent.objects.filter(subject_type="contextissue", subject_id=str(issue.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["create", "edit"]
    with refused("risks.manage", issue, exc=PermissionDenied):
        risks.context_issue_save(actor=w.member_a, issue=issue, title="Khác")


def test_a_closed_risk_is_not_reevaluated(in_a):
    w = in_a
    risk = risks.risk_create(actor=w.owner_a, title="R", likelihood=3, impact=3, owner=w.member_a)
    risks.risk_update(actor=w.owner_a, risk=risk, status="closed")
    with pytest.raises(ValidationError, match="Rủi ro đã đóng"):
        risks.risk_reevaluate(actor=w.owner_a, risk=risk, residual_likelihood=1, residual_impact=1)
    assert Risk.objects.get(pk=risk.pk).residual_likelihood is None


def test_the_matrix_is_not_shrunk_under_open_risks(in_a):
    w = in_a
    risks.risk_create(actor=w.owner_a, title="R", likelihood=5, impact=2, owner=w.member_a)
    with pytest.raises(ValidationError, match="ma trận không nhỏ hơn 5 x 5"):
        agency_settings_update(actor=w.owner_a, risk_matrix_size=4)
    assert AgencySettings.load().risk_matrix_size == 5


# --------------------------------------------------------------------------- two kinds apart


def test_risks_and_opportunities_are_counted_apart(in_a):
    from quality.risks.selectors import kind_counts

    w = in_a
    create(w, 4, 4)
    create(w, 2, 2, kind="opportunity", title="Tích hợp ký số")
    closed = create(w, 1, 1, kind="opportunity", title="Cơ hội đã xong")
    risks.risk_update(actor=w.owner_a, risk=closed, status="closed")
    counts = kind_counts()
    assert counts["risk"]["open"] == 1 and counts["risk"]["total"] == 1
    assert counts["opportunity"] == {"open": 1, "treated": 0, "closed": 1, "total": 2}


def test_the_register_shows_each_kind_on_its_own_tab(in_a, client_for):
    from django.db import connection

    w = in_a
    create(w, 4, 4, title="Thiếu người ở bộ phận một cửa")
    create(w, 2, 2, kind="opportunity", title="Tích hợp ký số trên Cổng dịch vụ công")
    connection.set_schema_to_public()
    client = client_for(w.agency_a, w.owner_a)
    page = client.get("/risks/", {"kind": "opportunity"}).content.decode()
    assert "Tích hợp ký số" in page and "Thiếu người" not in page
    assert 'id="count-opportunity">1<' in page and 'id="count-risk">1<' in page
    page = client.get("/risks/", {"kind": "risk"}).content.decode()
    assert "Thiếu người" in page and "Tích hợp ký số" not in page


def test_the_migration_marks_titles_that_say_opportunity(in_a):
    """The data migration classifies rows saved as risks whose title says "Cơ hội:"."""
    import importlib

    from django.apps import apps

    w = in_a
    marked = create(w, 2, 2, title="Cơ hội: tích hợp ký số")
    dashed = create(w, 2, 2, title="CƠ HỘI - số hoá hồ sơ lưu trữ")
    plain = create(w, 2, 2, title="Cơ hội bị bỏ lỡ vì thiếu người")
    risk = create(w, 3, 3, title="Mất dữ liệu do ẩm mốc")
    migration = importlib.import_module(
        "quality.risks.migrations.0002_opportunities_marked_in_the_title"
    )
    migration.classify(apps, None)
    kinds = dict(Risk.objects.values_list("pk", "kind"))
    assert kinds[marked.pk] == kinds[dashed.pk] == "opportunity"
    assert kinds[plain.pk] == kinds[risk.pk] == "risk"
