"""Fixtures shared with the quality tests (the `world` fixture comes from tests/conftest.py),
and the pilot wave the report tests read."""

import datetime as dt

import pytest

from evaluation.models import Assessment, BaselineFigure, Wave, WaveAgency, WeeklySnapshot
from evaluation.selectors import window
from tests.quality.conftest import eager, in_a  # noqa: F401


@pytest.fixture
def pilot(world, settings):
    settings.PROVINCE_ISSUER = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    settings.PROVINCE_ISSUER_ABBREVIATION = "SKHCN"
    wave = Wave.objects.create(
        name="Đợt thí điểm",
        order=1,
        planned_start=dt.date(2026, 1, 5),
        planned_go_live=dt.date(2026, 3, 30),
    )
    WaveAgency.objects.create(wave=wave, agency=world.agency_a)
    start, _end = window()
    WeeklySnapshot.objects.create(
        agency=world.agency_a, week=start, staff=10, active_users=7, completed=20, in_time=19
    )
    BaselineFigure.objects.create(
        agency=world.agency_a, key="on_time_rate", source="declared", value=72, as_of=start
    )
    Assessment.objects.create(
        agency=world.agency_a, advantages="Tra cứu tài liệu nhanh", limitations="Đường truyền yếu"
    )
    return wave
