"""Waves of the rollout: planning them, their thresholds, and the decisions that move them.

Every write here is one transaction; every decision is also a row of the platform audit
log (who, why, the gate as it was read). A wave starts only when the wave before it has
been evaluated and reaches the thresholds set on the starting wave; an override needs a
written reason and is marked as such in the log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from evaluation.indicators import INDICATORS, UNIT_LABELS
from evaluation.models import NEXT_STAGE, GateCriterion, Stage, Wave, WaveAgency, WaveDecision
from evaluation.selectors import gate_status, previous_wave
from iso_platform.audit import actor_label, platform_record
from tenants.models import Agency

MSG_NO_AGENCIES = "Đợt triển khai phải có ít nhất một cơ quan."
MSG_DATES = "Ngày vận hành chính thức không được trước ngày bắt đầu."
MSG_NAME_TAKEN = "Đã có đợt triển khai tên “{name}”."
MSG_ORDER_TAKEN = "Đã có đợt triển khai thứ {order}."
MSG_IN_OTHER_WAVE = "Cơ quan {names} đã thuộc đợt triển khai khác."
MSG_NOT_PLANNED = "Chỉ đổi danh sách cơ quan của đợt chưa bắt đầu."
MSG_UNKNOWN_INDICATOR = "Chỉ số “{key}” không có trong danh mục chỉ số đánh giá."
MSG_THRESHOLD_NUMBER = "Ngưỡng của “{label}” phải là một số."
MSG_THRESHOLD_RANGE = "Ngưỡng của “{label}” phải từ {low} đến {high}{unit}."
MSG_FIRST_WAVE_GATE = (
    "Đợt đầu tiên không có đợt trước để đo, nên không đặt ngưỡng chuyển đợt cho đợt này."
)
MSG_FINAL = "Đợt này đã ở bước cuối cùng."
MSG_NEEDS_REASON = "Hãy ghi lý do của quyết định."
MSG_OVERRIDE_REASON = "Vượt điều kiện chuyển đợt phải có lý do bằng văn bản (ít nhất 20 ký tự)."
MSG_PREVIOUS_NOT_EVALUATED = "Đợt trước ({name}) chưa được đánh giá: chưa thể bắt đầu đợt này."
MSG_GATE_NOT_MET = "Chưa đạt điều kiện chuyển đợt: {failed}."
MSG_SUCCEEDED_BY_NEXT = "Đợt này chuyển sang bước cuối khi đợt sau được bắt đầu."
OVERRIDE_MIN_LENGTH = 20


def _check_dates(start: dt.date, go_live: dt.date) -> None:
    if go_live < start:
        raise ValidationError({"planned_go_live": MSG_DATES})


def _members_check(wave: Wave | None, agencies: list[Agency]) -> None:
    if not agencies:
        raise ValidationError({"agencies": MSG_NO_AGENCIES})
    taken = WaveAgency.objects.filter(agency__in=agencies)
    if wave is not None:
        taken = taken.exclude(wave=wave)
    names = sorted(taken.values_list("agency__name", flat=True))
    if names:
        raise ValidationError({"agencies": MSG_IN_OTHER_WAVE.format(names=", ".join(names))})


def wave_create(
    *,
    actor,
    name: str,
    order: int,
    planned_start: dt.date,
    planned_go_live: dt.date,
    agencies: list[Agency],
    note: str = "",
    request=None,
) -> Wave:
    _check_dates(planned_start, planned_go_live)
    if Wave.objects.filter(name=name).exists():
        raise ValidationError({"name": MSG_NAME_TAKEN.format(name=name)})
    if Wave.objects.filter(order=order).exists():
        raise ValidationError({"order": MSG_ORDER_TAKEN.format(order=order)})
    _members_check(None, agencies)
    try:
        with transaction.atomic():
            wave = Wave.objects.create(
                name=name,
                order=order,
                planned_start=planned_start,
                planned_go_live=planned_go_live,
                note=note,
            )
            WaveAgency.objects.bulk_create(WaveAgency(wave=wave, agency=a) for a in agencies)
            platform_record(
                action="evaluation.wave_create",
                subject_type="wave",
                subject_id=wave.pk,
                subject_label=wave.name,
                actor=actor,
                changes={"agencies": sorted(a.code for a in agencies), "order": order},
                request=request,
            )
    except IntegrityError as exc:  # a concurrent planner took the name, order or agency
        raise ValidationError({"agencies": MSG_IN_OTHER_WAVE.format(names="")}) from exc
    return wave


def wave_agencies_set(*, actor, wave: Wave, agencies: list[Agency], request=None) -> None:
    if wave.stage != Stage.PLANNED:
        raise ValidationError({"agencies": MSG_NOT_PLANNED})
    _members_check(wave, agencies)
    with transaction.atomic():
        before = sorted(wave.members.values_list("agency__code", flat=True))
        wave.members.exclude(agency__in=agencies).delete()
        kept = set(wave.members.values_list("agency_id", flat=True))
        WaveAgency.objects.bulk_create(
            WaveAgency(wave=wave, agency=a) for a in agencies if a.pk not in kept
        )
        platform_record(
            action="evaluation.wave_agencies",
            subject_type="wave",
            subject_id=wave.pk,
            subject_label=wave.name,
            actor=actor,
            changes={"before": before, "after": sorted(a.code for a in agencies)},
            request=request,
        )


def _threshold(key: str, raw) -> Decimal:
    indicator = INDICATORS.get(key)
    if indicator is None:
        raise ValidationError(MSG_UNKNOWN_INDICATOR.format(key=key))
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(MSG_THRESHOLD_NUMBER.format(label=indicator.label)) from exc
    low, high = indicator.bounds
    if not value.is_finite() or not low <= value <= high:
        unit = UNIT_LABELS[indicator.unit]
        raise ValidationError(
            MSG_THRESHOLD_RANGE.format(
                label=indicator.label,
                low=low,
                high=high,
                unit=unit if unit == "%" else f" {unit}" if unit else "",
            )
        )
    return value.quantize(Decimal("0.01"))


def gate_set(*, actor, wave: Wave, thresholds: dict[str, object], request=None) -> None:
    """Replace the wave's thresholds (`{indicator key: value}`; an empty value removes it).
    Every threshold is checked before anything is written."""
    if thresholds and previous_wave(wave) is None:
        raise ValidationError(MSG_FIRST_WAVE_GATE)
    errors, checked = [], {}
    for key, raw in thresholds.items():
        if raw in (None, ""):
            continue
        try:
            checked[key] = _threshold(key, raw)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        wave.gate.all().delete()
        GateCriterion.objects.bulk_create(
            GateCriterion(wave=wave, indicator=k, threshold=v) for k, v in checked.items()
        )
        platform_record(
            action="evaluation.gate_set",
            subject_type="wave",
            subject_id=wave.pk,
            subject_label=wave.name,
            actor=actor,
            changes={k: str(v) for k, v in checked.items()},
            request=request,
        )


def wave_advance(
    *, actor, wave: Wave, reason: str, override: bool = False, request=None
) -> WaveDecision:
    """Move `wave` one stage forward. Starting a wave reads its gate (the wave before it
    against this wave's thresholds) and marks the wave before it as succeeded."""
    reason = (reason or "").strip()
    target = NEXT_STAGE.get(Stage(wave.stage))
    if target is None:
        raise ValidationError(MSG_FINAL)
    if target == Stage.SUCCEEDED:
        raise ValidationError(MSG_SUCCEEDED_BY_NEXT)
    if not reason:
        raise ValidationError(MSG_NEEDS_REASON)
    previous = previous_wave(wave) if target == Stage.RUNNING else None
    gate = gate_status(wave) if previous is not None else []
    _gate_check(wave, previous, gate, override, reason)
    if not wave.members.exists():
        raise ValidationError(MSG_NO_AGENCIES)
    return _advance_write(actor, wave, previous, target, reason, override, gate, request)


def _gate_check(wave, previous, gate, override, reason) -> None:
    if previous is None:
        return
    if previous.stage not in (Stage.EVALUATED, Stage.SUCCEEDED):
        raise ValidationError(MSG_PREVIOUS_NOT_EVALUATED.format(name=previous.name))
    failed = [row["label"] for row in gate if not row["met"]]
    if failed and not override:
        raise ValidationError(MSG_GATE_NOT_MET.format(failed="; ".join(failed)))
    if override and len(reason) < OVERRIDE_MIN_LENGTH:
        raise ValidationError(MSG_OVERRIDE_REASON)


def _advance_write(actor, wave, previous, target, reason, override, gate, request):
    today = timezone.localdate()
    with transaction.atomic():
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        if NEXT_STAGE.get(Stage(locked.stage)) != target:  # someone moved it meanwhile
            raise ValidationError(MSG_FINAL)
        before = locked.stage
        locked.stage = target
        if target == Stage.RUNNING:
            locked.started_on = today
        if target == Stage.EVALUATED:
            locked.evaluated_on = today
        locked.save(update_fields=["stage", "started_on", "evaluated_on"])
        if previous is not None and previous.stage == Stage.EVALUATED:
            Wave.objects.filter(pk=previous.pk).update(stage=Stage.SUCCEEDED)
        decision = WaveDecision.objects.create(
            wave=locked,
            from_stage=before,
            to_stage=target,
            reason=reason,
            override=override,
            gate=_jsonable(gate),
            actor=actor,
            actor_label=actor_label(actor),
        )
        platform_record(
            action="evaluation.wave_override" if override else "evaluation.wave_advance",
            subject_type="wave",
            subject_id=locked.pk,
            subject_label=locked.name,
            actor=actor,
            changes={
                "from": before,
                "to": target,
                "reason": reason,
                "override": override,
                "gate": _jsonable(gate),
            },
            request=request,
        )
    wave.refresh_from_db()
    return decision


def _jsonable(gate: list) -> list:
    return [
        {
            "indicator": row["key"],
            "threshold": str(row["threshold"]),
            "value": None if row["value"] is None else str(row["value"]),
            "met": row["met"],
        }
        for row in gate
    ]
