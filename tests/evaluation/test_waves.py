"""Waves on the console: planning, thresholds, moving forward only when the gate is met,
overrides with a written reason, Vietnamese refusals that store nothing, isolation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from evaluation.models import GateCriterion, Stage, Wave, WaveAgency, WaveDecision, WeeklySnapshot
from evaluation.selectors import window
from evaluation.services import waves as service
from tenants.models import PlatformAuditEvent

D = dt.date


@pytest.fixture
def admin(world, client_for):
    return client_for("localhost", world.province_admin)


def create(admin, name, order, agencies):
    return admin.post(
        "/evaluation/",
        {
            "name": name,
            "order": order,
            "planned_start": "2026-03-02",
            "planned_go_live": "2026-05-25",
            "agencies": [a.pk for a in agencies],
        },
    )


@pytest.fixture
def waves(world, admin):
    assert create(admin, "Đợt thí điểm", 1, [world.agency_a]).status_code == 302
    assert create(admin, "Đợt 1", 2, [world.agency_b]).status_code == 302
    pilot, first = Wave.objects.get(order=1), Wave.objects.get(order=2)
    return pilot, first


def snapshot_rate(agency, in_time: int, completed: int):
    """Four complete weeks of the pilot agency at `in_time`/`completed` on time."""
    WeeklySnapshot.objects.filter(agency=agency).delete()
    start, _end = window()
    WeeklySnapshot.objects.bulk_create(
        WeeklySnapshot(
            agency=agency,
            week=start + dt.timedelta(weeks=i),
            staff=10,
            active_users=8,
            completed=completed,
            in_time=in_time,
        )
        for i in range(4)
    )


def advance(admin, wave, reason="Theo kết luận cuộc họp", override=False):
    data = {"reason": reason}
    if override:
        data["override"] = "on"
    return admin.post(f"/evaluation/waves/{wave.pk}/advance/", data)


def test_wave_one_starts_only_when_its_gate_is_met(world, admin, waves):
    pilot, first = waves
    response = admin.post(f"/evaluation/waves/{first.pk}/gate/", {"on_time_rate": "90"})
    assert response.status_code == 302
    assert advance(admin, pilot).status_code == 302  # planned -> running
    snapshot_rate(world.agency_a, 8, 10)  # 80 %
    # the pilot has not been evaluated yet
    response = advance(admin, first)
    assert response.status_code == 400
    assert "chưa được đánh giá" in response.content.decode()
    assert advance(admin, pilot).status_code == 302  # running -> evaluated
    response = advance(admin, first)
    assert response.status_code == 400
    assert "Chưa đạt điều kiện chuyển đợt: Tỷ lệ hồ sơ TTHC đúng hạn" in response.content.decode()
    first.refresh_from_db()
    assert first.stage == Stage.PLANNED and not first.decisions.exists()
    snapshot_rate(world.agency_a, 9, 10)  # 90 %
    assert advance(admin, first).status_code == 302
    first.refresh_from_db()
    pilot.refresh_from_db()
    assert (first.stage, pilot.stage) == (Stage.RUNNING, Stage.SUCCEEDED)
    decision = first.decisions.get()
    assert decision.gate == [
        {"indicator": "on_time_rate", "threshold": "90.00", "value": "90.0", "met": True}
    ]
    logged = PlatformAuditEvent.objects.filter(
        action="evaluation.wave_advance", subject_id=str(first.pk)
    ).get()
    assert logged.actor_id == world.province_admin.pk
    assert logged.changes["reason"] == "Theo kết luận cuộc họp"


def test_an_override_needs_a_written_reason_and_is_audited(world, admin, waves):
    pilot, first = waves
    service.gate_set(actor=world.province_admin, wave=first, thresholds={"active_share": "95"})
    advance(admin, pilot)
    advance(admin, pilot)
    snapshot_rate(world.agency_a, 1, 10)
    response = advance(admin, first, reason="Gấp", override=True)
    assert response.status_code == 400
    assert "phải có lý do bằng văn bản" in response.content.decode()
    assert Wave.objects.get(pk=first.pk).stage == Stage.PLANNED
    reason = "UBND tỉnh chỉ đạo mở rộng trước hạn theo văn bản số 12/UBND-KT"
    assert advance(admin, first, reason=reason, override=True).status_code == 302
    assert WaveDecision.objects.get(wave=first).override
    logged = PlatformAuditEvent.objects.get(action="evaluation.wave_override")
    assert logged.changes["reason"] == reason and logged.changes["gate"][0]["met"] is False


def test_a_wave_without_agencies_is_refused_and_nothing_is_stored(world, admin):
    response = create(admin, "Đợt trống", 1, [])
    assert response.status_code == 400
    assert "Đợt triển khai phải có ít nhất một cơ quan." in response.content.decode()
    assert not Wave.objects.exists()


def test_an_agency_is_in_at_most_one_wave(world, admin, waves):
    response = create(admin, "Đợt 2", 3, [world.agency_a])
    assert response.status_code == 400
    assert "đã thuộc đợt triển khai khác" in response.content.decode()
    assert Wave.objects.count() == 2 and WaveAgency.objects.count() == 2


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"on_time_rate": "150"}, "phải từ 0 đến 100%"),
        ({"issue_days": "-3"}, "phải từ 0 đến 365 ngày"),
        ({"on_time_rate": "chín mươi"}, "phải là một số"),
        ({"on_time_rate": "NaN"}, "phải từ 0 đến 100%"),
    ],
)
def test_absurd_thresholds_are_refused_and_the_old_ones_kept(
    world, admin, waves, thresholds, message
):
    _pilot, first = waves
    service.gate_set(actor=world.province_admin, wave=first, thresholds={"on_time_rate": "90"})
    response = admin.post(
        f"/evaluation/waves/{first.pk}/gate/", {**thresholds, "active_share": "70"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(GateCriterion.objects.values_list("indicator", "threshold")) == [
        ("on_time_rate", 90)
    ]


def test_an_unknown_indicator_is_refused(world, waves):
    _pilot, first = waves
    with pytest.raises(service.ValidationError) as exc:
        service.gate_set(actor=world.province_admin, wave=first, thresholds={"speed": "1"})
    assert exc.value.messages == ["Chỉ số “speed” không có trong danh mục chỉ số đánh giá."]


def test_the_first_wave_takes_no_gate(world, waves):
    pilot, _first = waves
    with pytest.raises(service.ValidationError):
        service.gate_set(actor=world.province_admin, wave=pilot, thresholds={"on_time_rate": 1})


def test_the_wave_page_shows_the_grid_the_gate_and_charts(world, admin, waves, client_for):
    pilot, first = waves
    service.gate_set(actor=world.province_admin, wave=first, thresholds={"on_time_rate": "90"})
    snapshot_rate(world.agency_a, 9, 10)
    page = admin.get(f"/evaluation/waves/{first.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chưa đo được" in html  # staff trained: no such figure yet
    assert 'id="chart-on_time_rate"' in html and "<script>" not in html.replace('<script id="', "")
    assert page.context["gate"][0]["value"] == 90
    analyst = client_for("localhost", world.analyst)
    assert analyst.get(f"/evaluation/waves/{first.pk}/").status_code == 200
    assert advance(analyst, first).status_code == 403  # reading is not deciding
    export = admin.get(f"/evaluation/waves/{pilot.pk}/", {"format": "csv"})
    assert export.status_code == 200 and "Sở Alpha" in export.content.decode("utf-8-sig")


URLS = [
    "/evaluation/",
    "/evaluation/waves/1/",
    "/evaluation/waves/1/report.pdf",
    "/evaluation/waves/1/report/signed/1.pdf",
    "/signing/mine/",
]


@pytest.mark.parametrize("url", URLS)
def test_agency_users_cannot_reach_the_console_pages(world, client_for, url):
    on_their_host = client_for(world.agency_a, world.owner_a)
    response = on_their_host.get(url)
    if url == "/evaluation/":  # the agency's own evaluation page, not the console's
        assert "evaluation/agency.html" in [t.name for t in response.templates]
    else:
        assert response.status_code == 404
    cookie = on_their_host.cookies[settings.SESSION_COOKIE_NAME].value
    console = Client(HTTP_HOST="localhost")
    console.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = console.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "status, expected",
    [
        (None, ("unmeasured", "")),
        ({"refreshed_at": None, "users": 10, "staff_trained": 9}, ("unmeasured", "")),
        ({"refreshed_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "users": 0}, ("unmeasured", "")),
        (
            {
                "refreshed_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                "users": 10,
                "staff_trained": 9,
            },
            ("met", "90%"),
        ),
        (
            {
                "refreshed_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                "users": 10,
                "staff_trained": 5,
            },
            ("unmet", "50%"),
        ),
    ],
)
def test_staff_trained_reads_the_training_records_share(status, expected):
    from evaluation.readiness import CRITERIA

    cell = CRITERIA["staff_trained"].check({"status": status})
    assert (cell.state, cell.detail) == expected
