"""A one-stop-shop system, simulated: realistic event streams for an agency's procedures,
signed and sent to the real integration API (in-process through Django's full stack, or
over HTTP to a running server). Some applications are late, some wait for supplements,
some are refused or withdrawn; some events are sent twice or out of order.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import urllib.request
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django_tenants.utils import schema_context

from integrations.services.keys import signed_headers
from iso_platform.workdays.calendar import TZ, WorkCalendar
from quality.procedures.models import Procedure

OFFICERS = (
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Minh Châu",
    "Phạm Thu Dung",
    "Hoàng Văn Em",
    "Võ Thị Giang",
    "Đặng Quốc Huy",
    "Bùi Thị Lan",
)
APPLICANTS = (
    "Công ty TNHH Công nghệ Xanh",
    "Trường Đại học An Giang",
    "Hộ kinh doanh Minh Phát",
    "Viện Nghiên cứu Nông nghiệp",
    "Công ty CP Thiết bị Đo lường Mekong",
    "Nguyễn Văn Bảy",
    "Trần Thị Tám",
    "Hợp tác xã Lúa gạo Thoại Sơn",
)
DESK = "Bộ phận một cửa"


@dataclass
class ProcedureShape:
    code: str
    limit_days: int | None
    limit_hours: float | None
    steps: list[tuple[str, str, float]]  # (name, unit, budget hours)
    limit_calendar_days: int | None = None


class Simulator:
    def __init__(
        self,
        *,
        procedures: list[ProcedureShape],
        calendar: WorkCalendar,
        seed: int = 1,
        prefix: str = "SIM",
        now: dt.datetime | None = None,
        slow_share: float = 0.15,
    ):
        """`slow_share`: the share of applications whose every step overruns its budget
        (1.2 to 2.5 times), most of which end late; the others take 0.3 to 1 times."""
        if not 0 <= slow_share <= 0.85:
            raise ValueError("slow_share must be between 0 and 0.85")
        self.procedures, self.cal = procedures, calendar
        self.slow_from = 1 - slow_share
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.now = now or dt.datetime.now(TZ)
        self.counter = 0

    # ------------------------------------------------------------------ one application

    def application(self, received_at: dt.datetime) -> list[dict]:
        self.counter += 1
        shape = self.rng.choice(self.procedures)
        code = f"{self.prefix}-{received_at:%Y%m%d}-{self.counter:06d}"
        events: list[dict] = []

        def add(kind: str, when: dt.datetime, **data) -> bool:
            if when > self.now:
                return False
            events.append(
                {
                    "event_id": f"{code}:{len(events) + 1}",
                    "type": f"application.{kind}",
                    "occurred_at": when.isoformat(timespec="seconds"),
                    "data": {"application_id": code, **data},
                }
            )
            return True

        add(
            "received",
            received_at,
            procedure_code=shape.code,
            channel=self.rng.choice(("desk", "desk", "portal", "portal", "post")),
            applicant=self.rng.choice(APPLICANTS),
            to_unit=DESK,
            to_officer=self.rng.choice(OFFICERS),
        )
        due = self.cal.due_date(
            received_at,
            days=shape.limit_days or 0,
            hours=shape.limit_hours or 0,
            calendar_days=shape.limit_calendar_days or 0,
        )
        return self._walk(shape, received_at, due, add, events)

    def _walk(self, shape, start, due, add, events):
        moment, unit = self.cal.count_start(start), DESK
        fate = self.rng.random()
        for order, (_name, step_unit, hours) in enumerate(shape.steps, start=1):
            if fate < 0.02 and order == 2:
                add("withdrawn", moment + dt.timedelta(hours=1), reason="Người nộp rút hồ sơ")
                return events
            if fate < 0.05 and order == 2:
                add(
                    "refused",
                    moment + dt.timedelta(hours=2),
                    reason="Hồ sơ không đủ điều kiện",
                    agency_fault=self.rng.random() < 0.3,
                    unit=step_unit,
                )
                return events
            if 0.05 <= fate < 0.15 and order == 2:
                asked = self.cal.add_working_seconds(moment, 3600)
                add(
                    "supplement_requested", asked, reason="Thiếu giấy tờ chứng minh", unit=step_unit
                )
                moment = self.cal.add_working_seconds(
                    asked, int(self.rng.uniform(1, 5) * self.cal.seconds_per_day)
                )
                if not add("supplement_received", moment, unit=DESK):
                    return events
                due = None  # the rules may restart the clock: let eISO decide
            factor = (
                self.rng.choice((0.3, 0.5, 0.7, 0.9, 1.0))
                if fate < self.slow_from
                else self.rng.uniform(1.2, 2.5)
            )
            moment = self.cal.add_working_seconds(moment, max(600, int(hours * 3600 * factor)))
            if order < len(shape.steps):
                next_unit = shape.steps[order][1] or DESK
                if not add(
                    "handed_over",
                    moment,
                    from_unit=step_unit or unit,
                    from_officer=self.rng.choice(OFFICERS),
                    to_unit=next_unit,
                    to_officer=self.rng.choice(OFFICERS),
                    step=order,
                ):
                    return events
                unit = next_unit
        if fate >= self.slow_from and due is not None and self.rng.random() < 0.5:
            apology_at = self.cal.count_start(due - dt.timedelta(hours=2))
            if start < apology_at <= self.now:
                add(
                    "apology",
                    apology_at,
                    unit=unit,
                    reason="Cần thêm thời gian thẩm định",
                    new_due_at=(moment + dt.timedelta(days=1)).isoformat(timespec="seconds"),
                )
        if add("completed", moment, unit=unit):
            add(
                "returned",
                self.cal.add_working_seconds(moment, int(self.rng.uniform(0.5, 8) * 3600)),
                unit=DESK,
            )
        return events

    # ------------------------------------------------------------------ many

    def streams(self, count: int, days: int) -> list[dict]:
        """Events of `count` applications received over the last `days` days, in a realistic
        but imperfect order: mostly by time, a few swapped, a few sent twice."""
        start = self.now - dt.timedelta(days=days)
        events = []
        for _ in range(count):
            offset = self.rng.uniform(0, days * 86400)
            received = self.cal.count_start(start + dt.timedelta(seconds=offset))
            received += dt.timedelta(minutes=self.rng.randint(0, 90))
            events += self.application(min(received, self.now - dt.timedelta(minutes=5)))
        events.sort(key=lambda e: e["occurred_at"])
        for index in range(0, len(events) - 1, 37):  # out of order
            events[index], events[index + 1] = events[index + 1], events[index]
        duplicates = self.rng.sample(events, k=max(1, len(events) // 50)) if events else []
        return events + duplicates


def shapes_of_agency() -> list[ProcedureShape]:
    """The current rules of the agency's active procedures (call inside its schema)."""
    from django.utils import timezone

    shapes = []
    for procedure in Procedure.objects.filter(is_active=True):
        version = procedure.version_on(timezone.localdate())
        if version is None:
            continue
        steps = [
            (s.name, s.unit.name if s.unit else "", float(s.budget_hours))
            for s in version.steps.select_related("unit")
        ]
        shapes.append(
            ProcedureShape(
                procedure.code,
                version.limit_days,
                float(version.limit_hours) if version.limit_hours else None,
                steps,
                version.limit_calendar_days,
            )
        )
    return shapes


class Sender:
    """Send signed batches to the integration API; count the outcomes."""

    def __init__(
        self, *, host: str, key_id: str, secret: str, base_url: str | None = None, batch: int = 500
    ):
        self.host, self.key_id, self.secret = host, key_id, secret
        self.base_url, self.batch = base_url, batch
        self.counts: Counter = Counter()

    def send(self, events: list[dict]) -> Counter:
        for index in range(0, len(events), self.batch):
            chunk = events[index : index + self.batch]
            result = self._post({"events": chunk})
            for name in ("accepted", "duplicate", "conflict", "rejected"):
                self.counts[name] += result.get(name, 0)
        return self.counts

    def _post(self, payload: dict) -> dict:

        body = json.dumps(payload, ensure_ascii=False).encode()
        path = "/api/v1/integrations/events/batch"
        headers = signed_headers(self.key_id, self.secret, body, method="POST", path=path)
        if self.base_url:
            request = urllib.request.Request(  # noqa: S310 - the operator's own server URL
                self.base_url.rstrip("/") + path,
                data=body,
                method="POST",
                headers={**headers, "Host": self.host, "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.loads(response.read())
        from django.test import Client

        # The tenant middleware switches the connection to the agency and never switches it
        # back: the context puts the caller's schema back afterwards.
        with schema_context(connection.schema_name):
            response = Client(HTTP_HOST=self.host).post(
                path,
                data=body,
                content_type="application/json",
                **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
            )
        if response.status_code != 200:
            raise RuntimeError(
                f"integration API answered {response.status_code}: {response.content[:300]!r}"
            )
        return response.json()
