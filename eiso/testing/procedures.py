"""Shared builders for procedure and application tests."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from iso_platform.workdays.calendar import TZ
from quality.procedures.services.catalogue import StepSpec, VersionSpec, procedure_create

STEPS = [
    StepSpec("Tiếp nhận hồ sơ", Decimal(4), "Bộ phận một cửa"),
    StepSpec("Thẩm định hồ sơ", Decimal(20), "Phòng Quản lý chuyên ngành"),
    StepSpec("Trình lãnh đạo ký", Decimal(8), "Văn phòng"),
    StepSpec("Trả kết quả", Decimal(4), "Bộ phận một cửa"),
]


def make_procedure(
    actor,
    code="1.000001",
    days=5,
    rule="restart",
    cutoff=False,
    effective=dt.date(2020, 1, 1),
    hours=None,
    calendar_days=None,
):
    """`days` working days, unless `hours` or `calendar_days` is given."""
    return procedure_create(
        actor=actor,
        code=code,
        name="Cấp giấy chứng nhận đăng ký hoạt động KH&CN",
        field="Hoạt động khoa học và công nghệ",
        version=VersionSpec(
            effective_from=effective,
            limit_days=None if hours or calendar_days else days,
            limit_hours=Decimal(hours) if hours else None,
            limit_calendar_days=calendar_days,
            cutoff_applies=cutoff,
            supplement_rule=rule,
            steps=list(STEPS),
        ),
    )


def moment(text: str) -> str:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ).isoformat()


def event(event_id, kind, when, app="HS-001", **data):
    return {
        "event_id": event_id,
        "type": f"application.{kind}",
        "occurred_at": moment(when),
        "data": {"application_id": app, **data},
    }


def body(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()
