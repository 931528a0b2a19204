"""The record register: entries, retention, disposal (itself recorded), carry-over."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from quality.core.models import AuditEvent
from quality.documents.models import RecordSeries
from quality.documents.services import records


@pytest.fixture
def series(flow):
    procedure = flow.issued(code="QT.TD.03")
    return records.record_series_create(
        actor=flow.w.owner_a,
        year=2019,
        name="Báo cáo đánh giá nội bộ",
        procedure=procedure,
        keeper="Thư ký ISO",
        location="Tủ ISO",
        retention_months=24,
    )


def test_entries_past_retention_are_listed_and_disposal_is_recorded(flow, series):
    old = records.record_entry_add(
        actor=flow.w.member_a,
        series=series,
        reference="BC 01/2024",
        dated_on=datetime.date(2023, 1, 15),
    )
    recent = records.record_entry_add(
        actor=flow.w.member_a, series=series, reference="BC 02/2024", dated_on=datetime.date.today()
    )
    due = records.entries_due_for_disposal()
    assert old in due and recent not in due
    disposal = records.record_dispose(actor=flow.w.owner_a, entry=old, minutes_reference="BB-01")
    assert disposal.method == "destroy"
    assert old not in records.entries_due_for_disposal()
    assert AuditEvent.objects.filter(action="dispose", subject_id=str(old.pk)).exists()
    with pytest.raises(ValidationError, match="đã được huỷ"):
        records.record_dispose(actor=flow.w.owner_a, entry=old)


def test_a_record_still_within_retention_cannot_be_disposed(flow, series):
    entry = records.record_entry_add(
        actor=flow.w.member_a, series=series, reference="BC", dated_on=datetime.date.today()
    )
    with pytest.raises(ValidationError, match="còn trong thời hạn lưu"):
        records.record_dispose(actor=flow.w.owner_a, entry=entry)


def test_permanent_records_are_never_disposed(flow):
    series = records.record_series_create(actor=flow.w.owner_a, year=2019, name="Quyết định")
    entry = records.record_entry_add(
        actor=flow.w.member_a, series=series, reference="QĐ 1", dated_on=datetime.date(2000, 1, 1)
    )
    with pytest.raises(ValidationError, match="vĩnh viễn"):
        records.record_dispose(actor=flow.w.owner_a, entry=entry)


def test_carry_over_creates_next_year_from_last_year_in_one_action(flow, series):
    records.record_series_create(actor=flow.w.owner_a, year=2019, name="Sổ theo dõi")
    assert (
        records.record_register_carry_over(actor=flow.w.owner_a, from_year=2019, to_year=2020) == 2
    )
    assert (
        records.record_register_carry_over(actor=flow.w.owner_a, from_year=2019, to_year=2020) == 0
    )  # nothing created twice
    carried = RecordSeries.objects.get(year=2020, name="Báo cáo đánh giá nội bộ")
    assert carried.retention_months == 24 and carried.carried_from == series
    with pytest.raises(ValidationError, match="chưa có danh mục"):
        records.record_register_carry_over(actor=flow.w.owner_a, from_year=1999, to_year=2020)


def test_the_same_series_twice_in_a_year_is_refused(flow, series):
    with pytest.raises(ValidationError, match="đã có hồ sơ"):
        records.record_series_create(
            actor=flow.w.owner_a,
            year=2019,
            name="Báo cáo đánh giá nội bộ",
            procedure=series.procedure,
        )


def test_future_dates_and_readers_are_refused(flow, series):
    with pytest.raises(ValidationError):
        records.record_entry_add(
            actor=flow.w.member_a,
            series=series,
            reference="X",
            dated_on=datetime.date.today() + datetime.timedelta(days=3),
        )
    with pytest.raises(PermissionDenied):
        records.record_entry_add(
            actor=flow.w.reader_a, series=series, reference="X", dated_on=datetime.date.today()
        )


def test_retention_end_handles_month_ends(flow):
    series = records.record_series_create(
        actor=flow.w.owner_a, year=2019, name="X", retention_months=1
    )
    entry = records.record_entry_add(
        actor=flow.w.member_a, series=series, reference="X", dated_on=datetime.date(2024, 1, 31)
    )
    assert entry.retention_ends_on() == datetime.date(2024, 2, 29)
