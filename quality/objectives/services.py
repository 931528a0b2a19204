"""Objectives, periods, measurements (manual with evidence, or computed from applications)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from quality.core.permissions import can
from quality.core.services import audit_record
from quality.objectives.models import Frequency, Measurement, Method, Objective
from quality.reviews.services.meetings import review_item_add

MSG_FIELDS = gettext_noop("Cần mục tiêu và chỉ số đo.")
MSG_YEAR = gettext_noop("Năm phải trong khoảng 2000–2100.")
MSG_PERIOD = gettext_noop(
    "Kỳ đo không khớp tần suất của mục tiêu (%(frequency)s) hoặc nằm ngoài năm."
)
MSG_FUTURE = gettext_noop("Kỳ đo chưa kết thúc.")
MSG_EVIDENCE = gettext_noop("Số liệu nhập tay cần kèm bằng chứng.")
MSG_COMPUTED = gettext_noop("Mục tiêu này tính tự động từ dữ liệu hồ sơ; không nhập tay.")
MSG_NO_DATA = gettext_noop("Chưa có hồ sơ nào có kết quả trong kỳ %(period)s.")
MSG_PERCENT = gettext_noop("Chỉ tiêu tỷ lệ phải từ 0 đến 100.")


def _require(actor) -> None:
    if not can(actor, "objectives.manage"):
        raise PermissionDenied("objectives.manage")


@transaction.atomic
def objective_create(
    *, actor, year: int, title: str, indicator: str, target: Decimal, owner, **fields
) -> Objective:
    _require(actor)
    if not (title or "").strip() or not (indicator or "").strip():
        raise ValidationError(_(MSG_FIELDS))
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _(MSG_YEAR)})
    if fields.get("method") == Method.ON_TIME_RATE and not 0 <= target <= 100:
        raise ValidationError({"target": _(MSG_PERCENT)})
    objective = Objective.objects.create(
        year=year,
        title=title.strip(),
        indicator=indicator.strip(),
        target=target,
        owner=owner,
        **fields,
    )
    audit_record(
        actor=actor,
        action="create",
        subject=objective,
        changes={"title": objective.title, "target": target, "year": year},
    )
    return objective


def periods(objective: Objective, until: dt.date | None = None) -> list[tuple[dt.date, dt.date]]:
    """The measuring periods of the objective's year that have ended by `until`."""
    until = until or timezone.localdate()
    year = objective.year
    if objective.frequency == Frequency.YEAR:
        bounds = [(dt.date(year, 1, 1), dt.date(year, 12, 31))]
    else:
        step = 1 if objective.frequency == Frequency.MONTH else 3
        bounds = []
        for month in range(1, 13, step):
            start = dt.date(year, month, 1)
            end_month = month + step
            end = (
                dt.date(year + 1, 1, 1) if end_month > 12 else dt.date(year, end_month, 1)
            ) - dt.timedelta(days=1)
            bounds.append((start, end))
    return [(s, e) for s, e in bounds if e < until]


def _check_period(objective, start, end):
    if (start, end) not in periods(objective, until=dt.date(objective.year + 1, 12, 31)):
        raise ValidationError(
            {"period_start": _(MSG_PERIOD) % {"frequency": objective.get_frequency_display()}}
        )
    if end >= timezone.localdate():
        raise ValidationError({"period_start": _(MSG_FUTURE)})


@transaction.atomic
def measurement_record(
    *,
    actor,
    objective: Objective,
    period_start: dt.date,
    period_end: dt.date,
    value: Decimal,
    evidence: str,
) -> Measurement:
    owner_may = actor.pk == objective.owner_id and can(actor, "improvement.record")
    if not (can(actor, "objectives.manage") or owner_may):
        raise PermissionDenied("objectives.manage")
    if objective.method != Method.MANUAL:
        raise ValidationError(_(MSG_COMPUTED))
    _check_period(objective, period_start, period_end)
    if not (evidence or "").strip():
        raise ValidationError({"evidence": _(MSG_EVIDENCE)})
    return _save(
        actor, objective, period_start, period_end, Decimal(value), evidence.strip(), computed=False
    )


def _save(actor, objective, start, end, value, evidence, computed) -> Measurement:
    existing = Measurement.objects.filter(objective=objective, period_start=start).first()
    if computed and existing is not None and existing.computed and existing.value == value:
        return existing  # the daily recomputation changed nothing: no new trail entry
    measurement, _created = Measurement.objects.update_or_create(
        objective=objective,
        period_start=start,
        defaults={
            "period_end": end,
            "value": value,
            "met": objective.is_met(value),
            "computed": computed,
            "evidence": evidence,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        action="measure",
        subject=objective,
        changes={
            "period": f"{start:%d/%m/%Y}-{end:%d/%m/%Y}",
            "value": value,
            "met": measurement.met,
        },
    )
    if not measurement.met:
        review_item_add(
            source="objective_missed",
            source_id=f"{objective.pk}:{start}",
            title=_("Mục tiêu “%(t)s” không đạt kỳ %(p)s: %(v)s%(u)s (chỉ tiêu %(target)s%(u)s)")
            % {
                "t": objective.title,
                "p": f"{start:%m/%Y}",
                "v": f"{value.normalize():f}",  # 80, never 8E+1
                "u": objective.unit_label,
                "target": f"{objective.target.normalize():f}",
            },
        )
    return measurement


def on_time_rate(start: dt.date, end: dt.date, procedure_id=None) -> Decimal | None:
    """Share (%) of applications completed early or on time among those completed."""
    clause, params = ("AND procedure_id = %s", [procedure_id]) if procedure_id else ("", [])
    with connection.cursor() as cur:
        cur.execute(
            "SELECT sum(early + on_time), sum(early + on_time + late) "
            "FROM quality_procedures_dailystat WHERE day >= %s AND day <= %s " + clause,
            [start, end, *params],
        )
        good, total = cur.fetchone()
    if not total:
        return None
    return (Decimal(good) * 100 / Decimal(total)).quantize(Decimal("0.01"))


@transaction.atomic
def measurements_compute(*, objective: Objective, actor=None) -> int:
    """Compute every ended period of a formula objective; return how many were stored.

    `actor=None`: the scheduled computation; a person needs `objectives.manage`."""
    if actor is not None:
        _require(actor)
    if objective.method != Method.ON_TIME_RATE:
        return 0
    stored = 0
    for start, end in periods(objective):
        value = on_time_rate(start, end, objective.procedure_id)
        if value is None:
            continue
        _save(
            actor,
            objective,
            start,
            end,
            value,
            _("Tính tự động từ dữ liệu hồ sơ TTHC"),
            computed=True,
        )
        stored += 1
    return stored


def attainment_chart(objective: Objective) -> dict:
    rows = list(objective.measurements.order_by("period_start"))
    return {
        "type": "bar",
        "labels": [f"{m.period_start:%m/%Y}" for m in rows],
        "yTitle": objective.unit_label,
        "datasets": [
            {
                "label": str(_("Kết quả")),
                "data": [float(m.value) for m in rows],
                "backgroundColor": ["#198754" if m.met else "#dc3545" for m in rows],
            },
            {
                "label": str(_("Chỉ tiêu")),
                "type": "line",
                "data": [float(objective.target)] * len(rows),
                "borderColor": "#0d6efd",
                "backgroundColor": "#0d6efd",
            },
        ],
    }
