"""The events one-stop-shop systems send about applications, and their validation.

Envelope (JSON object):

    {"event_id": "vnpt-000123", "type": "application.received",
     "occurred_at": "2026-03-02T09:15:00+07:00", "data": {...}}

`event_id` is the sender's own id (idempotency); `occurred_at` is when it happened at the
desk (a time without offset is read as Asia/Ho_Chi_Minh). Validation is pure: it needs
no database, so a bad event is refused before anything is stored as accepted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from iso_platform.workdays.calendar import TZ

EVENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,99}$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,99}$")
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
TEXT_MAX = 255

# type -> (required data fields, optional data fields)
EVENT_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "application.received": (
        ("application_id", "procedure_code"),
        ("channel", "applicant", "to_unit", "to_officer", "note"),
    ),
    "application.assigned": (
        ("application_id",),
        ("from_unit", "from_officer", "to_unit", "to_officer", "step", "note"),
    ),
    "application.handed_over": (
        ("application_id",),
        ("from_unit", "from_officer", "to_unit", "to_officer", "step", "note"),
    ),
    "application.supplement_requested": (("application_id",), ("reason", "unit", "officer")),
    "application.supplement_received": (("application_id",), ("unit", "officer", "note")),
    "application.apology": (("application_id", "new_due_at"), ("reason", "unit", "officer")),
    "application.completed": (("application_id",), ("result", "unit", "officer", "note")),
    "application.returned": (("application_id",), ("unit", "officer", "note")),
    "application.refused": (("application_id", "reason"), ("agency_fault", "unit", "officer")),
    "application.withdrawn": (("application_id",), ("reason",)),
}
CHANNELS = ("desk", "portal", "post")
# Same-instant events apply in this order (a hand-off and a completion at 10:00: hand-off first).
TYPE_ORDER = {
    "application.received": 0,
    "application.assigned": 1,
    "application.handed_over": 1,
    "application.supplement_requested": 2,
    "application.supplement_received": 3,
    "application.apology": 4,
    "application.completed": 5,
    "application.refused": 5,
    "application.withdrawn": 5,
    "application.returned": 6,
}


class EventError(ValueError):
    """A precise reason why an event is refused (shown to the sender)."""


@dataclass(frozen=True)
class Event:
    event_id: str
    type: str
    occurred_at: dt.datetime
    application_id: str
    data: dict

    @property
    def sort_key(self):
        return (self.occurred_at, TYPE_ORDER[self.type])


def parse_moment(value, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise EventError(
            f"{field}: cần một thời điểm dạng ISO 8601, ví dụ 2026-03-02T09:15:00+07:00"
        )
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise EventError(f"{field}: “{value[:40]}” không phải thời điểm ISO 8601") from None
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment


def validate(obj, now: dt.datetime | None = None, *, check_future: bool = True) -> Event:
    """Return the event, or raise EventError saying exactly what is wrong."""
    if not isinstance(obj, dict):
        raise EventError("sự kiện phải là một đối tượng JSON")
    unknown = set(obj) - {"event_id", "type", "occurred_at", "data"}
    if unknown:
        raise EventError(f"trường không được hỗ trợ: {', '.join(sorted(unknown))}")
    event_id = obj.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID_RE.match(event_id):
        raise EventError("event_id: bắt buộc, 1–100 ký tự chữ, số và . _ : - /")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:  # a list or object is unhashable
        raise EventError(
            f"type: loại sự kiện “{str(kind)[:60]}” không được hỗ trợ; các loại "
            f"hợp lệ: {', '.join(EVENT_TYPES)}"
        )
    occurred_at = parse_moment(obj.get("occurred_at"), "occurred_at")
    now = now or dt.datetime.now(TZ)
    if check_future and occurred_at > now + FUTURE_TOLERANCE:
        raise EventError("occurred_at: thời điểm ở tương lai")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise EventError("data: bắt buộc, là một đối tượng JSON")
    _check_data(kind, data)
    return Event(
        event_id=event_id,
        type=kind,
        occurred_at=occurred_at,
        application_id=data["application_id"],
        data=data,
    )


def _check_data(kind: str, data: dict) -> None:
    required, optional = EVENT_TYPES[kind]
    missing = [f for f in required if data.get(f) in (None, "")]
    if missing:
        raise EventError(f"data.{missing[0]}: bắt buộc với sự kiện {kind}")
    unknown = set(data) - set(required) - set(optional)
    if unknown:
        raise EventError(f"data: trường không được hỗ trợ với {kind}: {', '.join(sorted(unknown))}")
    if not isinstance(data["application_id"], str) or not CODE_RE.match(data["application_id"]):
        raise EventError("data.application_id: 1–100 ký tự chữ, số và . _ : - /")
    for name, value in data.items():
        _check_value(name, value)
    if kind == "application.received" and data.get("channel", "desk") not in CHANNELS:
        raise EventError(f"data.channel: một trong {', '.join(CHANNELS)}")


def _check_value(name: str, value) -> None:
    """One field of `data`: a step number, a yes or no, a moment, or else short text."""
    if name in ("step",):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 99:
            raise EventError("data.step: số thứ tự bước, từ 1 đến 99")
    elif name == "agency_fault":
        if not isinstance(value, bool):
            raise EventError("data.agency_fault: true hoặc false")
    elif name == "new_due_at":
        parse_moment(value, "data.new_due_at")
    elif not isinstance(value, str) or len(value) > TEXT_MAX:
        raise EventError(f"data.{name}: chuỗi tối đa {TEXT_MAX} ký tự")
    elif "\x00" in value:  # PostgreSQL stores no NUL character, in text or in jsonb
        raise EventError(f"data.{name}: không được chứa ký tự NUL (\\u0000)")
