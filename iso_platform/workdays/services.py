"""Province calendar edits (provincial administrators only; they apply to every agency)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.workdays import calendar
from iso_platform.workdays.models import CalendarOverride, CalendarSettings, OverrideKind

logger = logging.getLogger(__name__)

MSG_NO_EFFECT = gettext_noop(
    "Ngày %(date)s vốn đã là %(what)s theo lịch quốc gia; điều chỉnh này không có tác dụng."
)


def _require(actor) -> None:
    if not (actor and actor.is_authenticated and getattr(actor, "is_province_admin", False)):
        raise PermissionDenied("province_admin")


@transaction.atomic
def calendar_override_set(*, actor, date: dt.date, kind: str, note: str = "") -> CalendarOverride:
    _require(actor)
    national = calendar.WorkCalendar()
    if kind == OverrideKind.WORKING_DAY and national.is_working_day(date):
        raise ValidationError(
            {
                "date": _(MSG_NO_EFFECT)
                % {"date": date.strftime("%d/%m/%Y"), "what": _("ngày làm việc")}
            }
        )
    if kind == OverrideKind.DAY_OFF and not national.is_working_day(date):
        raise ValidationError(
            {"date": _(MSG_NO_EFFECT) % {"date": date.strftime("%d/%m/%Y"), "what": _("ngày nghỉ")}}
        )
    override, _created = CalendarOverride.objects.update_or_create(
        date=date,
        defaults={
            "kind": kind,
            "note": note.strip(),
            "created_by": actor,
            "updated_at": timezone.now(),
        },
    )
    logger.info("calendar override %s %s by %s", date, kind, actor.email)
    transaction.on_commit(calendar.invalidate)
    return override


@transaction.atomic
def calendar_override_remove(*, actor, date: dt.date) -> bool:
    _require(actor)
    deleted, _rows = CalendarOverride.objects.filter(date=date).delete()
    # The stamp uses count and max(updated_at): a deletion changes the count.
    transaction.on_commit(calendar.invalidate)
    return bool(deleted)


@transaction.atomic
def calendar_settings_update(*, actor, office_hours: str, cutoff: dt.time) -> CalendarSettings:
    _require(actor)
    config = CalendarSettings.load()
    config.office_hours, config.cutoff, config.updated_at = office_hours, cutoff, timezone.now()
    config.full_clean()
    config.save()
    transaction.on_commit(calendar.invalidate)
    return config
