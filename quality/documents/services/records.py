"""The record register (hồ sơ): series per procedure and year, entries, disposal, carry-over."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.models import RecordDisposal, RecordEntry, RecordSeries

MSG_SERIES_EXISTS = gettext_noop("Năm %(year)s đã có hồ sơ “%(name)s” của quy trình này.")
MSG_NAME_REQUIRED = gettext_noop("Cần nhập tên hồ sơ.")
MSG_YEAR_RANGE = gettext_noop("Năm phải trong khoảng 2000–2100.")
MSG_REFERENCE_REQUIRED = gettext_noop("Cần nhập số hiệu hoặc trích yếu.")
MSG_DATE_IN_FUTURE = gettext_noop("Ngày không được sau hôm nay.")
MSG_NOT_DUE = gettext_noop("Hồ sơ này còn trong thời hạn lưu đến %(date)s; chưa được huỷ.")
MSG_PERMANENT = gettext_noop("Hồ sơ này được lưu vĩnh viễn; không huỷ.")
MSG_ALREADY_DISPOSED = gettext_noop("Hồ sơ này đã được huỷ.")
MSG_NOTHING_TO_CARRY = gettext_noop("Năm %(year)s chưa có danh mục hồ sơ để chuyển sang.")


def _require(actor) -> None:
    if not can(actor, "records.manage"):
        raise PermissionDenied("records.manage")


@transaction.atomic
def record_series_create(
    *,
    actor,
    year: int,
    name: str,
    procedure=None,
    keeper_unit=None,
    keeper: str = "",
    location: str = "",
    retention_months=None,
    disposal_method: str = "destroy",
) -> RecordSeries:
    _require(actor)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _(MSG_YEAR_RANGE)})
    if not (name or "").strip():
        raise ValidationError({"name": _(MSG_NAME_REQUIRED)})
    try:
        with transaction.atomic():
            series = RecordSeries.objects.create(
                year=year,
                name=name.strip(),
                procedure=procedure,
                keeper_unit=keeper_unit,
                keeper=keeper.strip(),
                location=location.strip(),
                retention_months=retention_months,
                disposal_method=disposal_method,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"name": _(MSG_SERIES_EXISTS) % {"year": year, "name": name}}
        ) from exc
    audit_record(
        actor=actor,
        action="create",
        subject=series,
        changes={"year": year, "name": name, "retention_months": retention_months},
    )
    return series


@transaction.atomic
def record_entry_add(
    *, actor, series: RecordSeries, reference: str, dated_on: datetime.date, note: str = ""
) -> RecordEntry:
    _require(actor)
    if not (reference or "").strip():
        raise ValidationError({"reference": _(MSG_REFERENCE_REQUIRED)})
    if dated_on > timezone.localdate():
        raise ValidationError({"dated_on": _(MSG_DATE_IN_FUTURE)})
    entry = RecordEntry.objects.create(
        series=series,
        reference=reference.strip(),
        dated_on=dated_on,
        note=note.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="create",
        subject=entry,
        parent=series,
        changes={"reference": entry.reference, "dated_on": dated_on},
    )
    return entry


def entries_due_for_disposal(today: datetime.date | None = None) -> list[RecordEntry]:
    today = today or timezone.localdate()
    candidates = RecordEntry.objects.filter(
        disposal__isnull=True, series__retention_months__isnull=False
    ).select_related("series", "series__keeper_unit", "series__procedure")
    return [e for e in candidates if e.retention_ends_on() <= today]


@transaction.atomic
def record_dispose(
    *,
    actor,
    entry: RecordEntry,
    method: str | None = None,
    disposed_on: datetime.date | None = None,
    minutes_reference: str = "",
    note: str = "",
) -> RecordDisposal:
    _require(actor)
    entry = RecordEntry.objects.select_for_update().select_related("series").get(pk=entry.pk)
    if RecordDisposal.objects.filter(entry=entry).exists():
        raise ValidationError(_(MSG_ALREADY_DISPOSED))
    ends = entry.retention_ends_on()
    disposed_on = disposed_on or timezone.localdate()
    if ends is None:
        raise ValidationError(_(MSG_PERMANENT))
    if disposed_on < ends:
        raise ValidationError(_(MSG_NOT_DUE) % {"date": ends.strftime("%d/%m/%Y")})
    disposal = RecordDisposal.objects.create(
        entry=entry,
        method=method or entry.series.disposal_method,
        disposed_on=disposed_on,
        minutes_reference=minutes_reference.strip(),
        note=note.strip(),
        by=actor,
    )
    audit_record(
        actor=actor,
        action="dispose",
        subject=entry,
        parent=entry.series,
        changes={
            "method": disposal.method,
            "disposed_on": disposed_on,
            "minutes_reference": disposal.minutes_reference,
        },
    )
    return disposal


@transaction.atomic
def record_register_carry_over(*, actor, from_year: int, to_year: int) -> int:
    """Create `to_year`'s record series from `from_year`'s, in one action; return how many."""
    _require(actor)
    source = list(RecordSeries.objects.filter(year=from_year))
    if not source:
        raise ValidationError(_(MSG_NOTHING_TO_CARRY) % {"year": from_year})
    existing = set(RecordSeries.objects.filter(year=to_year).values_list("procedure_id", "name"))
    created = RecordSeries.objects.bulk_create(
        [
            RecordSeries(
                year=to_year,
                procedure_id=s.procedure_id,
                name=s.name,
                keeper_unit_id=s.keeper_unit_id,
                keeper=s.keeper,
                location=s.location,
                retention_months=s.retention_months,
                disposal_method=s.disposal_method,
                carried_from=s,
            )
            for s in source
            if (s.procedure_id, s.name) not in existing
        ]
    )
    audit_record(
        actor=actor,
        action="carry_over",
        subject=source[0],
        subject_type="register",
        changes={"from_year": from_year, "to_year": to_year, "series": len(created)},
    )
    return len(created)
