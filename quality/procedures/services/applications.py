"""Applications as a projection of their events.

`project()` is pure: events in, application state and process-control sheet out. It is
run again on all of an application's events whenever one arrives, so order of arrival,
duplicates and late events do not matter. `applications_rebuild()` does it for many
applications with a fixed number of queries (bulk upserts), which is what lets the
integration inbox be applied at thousands of events per second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from iso_platform.signals import bulk_written
from iso_platform.workdays.calendar import TZ, WorkCalendar, get_calendar
from quality.core.events import event_announce
from quality.improvement.models import NcSource, Nonconformity
from quality.improvement.services import nc_announce
from quality.procedures.events import TYPE_ORDER, Event, parse_moment
from quality.procedures.models import (
    Application,
    AppStatus,
    HandOff,
    Procedure,
    ProcedureVersion,
    SupplementRule,
    Timeliness,
    code_trigrams,
)
from quality.procedures.services.stats import affected_days, days_of, stats_recompute

TERMINAL = (AppStatus.REFUSED, AppStatus.WITHDRAWN)


@dataclass
class Row:
    kind: str
    at: dt.datetime
    step: int | None = None
    step_name: str = ""
    from_unit: str = ""
    from_officer: str = ""
    to_unit: str = ""
    to_officer: str = ""
    due_at: dt.datetime | None = None
    on_time: bool | None = None
    note: str = ""


@dataclass
class Projection:
    values: dict
    rows: list[Row] = field(default_factory=list)
    nonconformities: list[tuple[str, str]] = field(default_factory=list)  # (source, title)


@dataclass
class Rules:
    version: ProcedureVersion
    steps: list  # ProcedureStep, in order

    def limit(self) -> dict:
        return self.version.limit_kwargs

    @property
    def calendar_days(self) -> bool:
        return self.version.limit_calendar_days is not None


class _State:
    def __init__(self, rules: Rules, calendar: WorkCalendar, cutoff):
        self.rules, self.cal, self.cutoff = rules, calendar, cutoff
        self.rows: list[Row] = []
        self.ncs: list[tuple[str, str]] = []
        self.v: dict = {}
        self.step_index = 0  # steps completed so far
        self.step_due: dt.datetime | None = None
        self.paused_at: dt.datetime | None = None
        # A calendar-day limit's last day as counted, before a move past a day off.
        self.calendar_last_day: dt.date | None = None

    # -------------------------------------------------------------- helpers

    def _budget_due(self, start: dt.datetime) -> dt.datetime | None:
        steps = self.rules.steps
        if self.step_index >= len(steps):
            return None
        seconds = int(float(steps[self.step_index].budget_hours) * 3600)
        return self.cal.add_working_seconds(start, seconds)

    def _step_name(self, number: int | None) -> str:
        if number and 1 <= number <= len(self.rules.steps):
            return self.rules.steps[number - 1].name
        return ""

    def _close_step(self, at: dt.datetime, explicit: int | None, **row) -> None:
        number = explicit or (
            self.step_index + 1 if self.step_index < len(self.rules.steps) else None
        )
        due = self.step_due if number == self.step_index + 1 else None
        self.rows.append(
            Row(
                at=at,
                step=number,
                step_name=self._step_name(number),
                due_at=due,
                on_time=(at <= due) if due else None,
                **row,
            )
        )
        if number:
            self.step_index = max(self.step_index, number)
        self.step_due = self._budget_due(self.cal.count_start(at))

    # -------------------------------------------------------------- events

    def received(self, ev: Event) -> None:
        at, data = ev.occurred_at, ev.data
        start = self.cal.count_start(at, self.cutoff)
        self.v.update(
            received_at=at,
            count_start_at=start,
            channel=data.get("channel", "desk"),
            applicant=data.get("applicant", ""),
            status=AppStatus.RECEIVED,
            due_at=self._due_from(at),
            current_unit=data.get("to_unit", ""),
            current_step=1 if self.rules.steps else None,
        )
        self.step_due = self._budget_due(start)
        self.rows.append(
            Row(
                kind="received",
                at=at,
                to_unit=data.get("to_unit", ""),
                to_officer=data.get("to_officer", ""),
                note=data.get("note", ""),
            )
        )

    def handed_over(self, ev: Event) -> None:
        data = ev.data
        self._close_step(
            ev.occurred_at,
            data.get("step"),
            kind="handed_over",
            from_unit=data.get("from_unit", ""),
            from_officer=data.get("from_officer", ""),
            to_unit=data.get("to_unit", ""),
            to_officer=data.get("to_officer", ""),
            note=data.get("note", ""),
        )
        self.v.update(
            status=AppStatus.IN_PROGRESS,
            current_unit=data.get("to_unit", ""),
            current_step=min(self.step_index + 1, len(self.rules.steps)) or None,
        )

    assigned = handed_over

    def supplement_requested(self, ev: Event) -> None:
        self.paused_at = ev.occurred_at
        self.v["status"] = AppStatus.SUPPLEMENT
        self.v["supplement_count"] = self.v.get("supplement_count", 0) + 1
        self.rows.append(
            Row(
                kind="supplement_requested",
                at=ev.occurred_at,
                from_unit=ev.data.get("unit", ""),
                from_officer=ev.data.get("officer", ""),
                note=ev.data.get("reason", ""),
            )
        )

    def supplement_received(self, ev: Event) -> None:
        at = ev.occurred_at
        if self.rules.version.supplement_rule == SupplementRule.RESTART:
            start = self.cal.count_start(at, self.cutoff)
            self.v.update(
                count_start_at=start,
                due_at=self._due_from(at),
            )
            self.step_due = self._budget_due(start)
        elif self.paused_at is not None:
            paused = self.cal.working_seconds_between(self.paused_at, at)
            self.v["due_at"] = self._resumed_due(at, paused)
            if self.step_due:
                self.step_due = self.cal.add_working_seconds(self.step_due, paused)
        self.paused_at = None
        self.v["status"] = AppStatus.IN_PROGRESS
        self.rows.append(
            Row(
                kind="supplement_received",
                at=at,
                to_unit=ev.data.get("unit", ""),
                to_officer=ev.data.get("officer", ""),
                note=ev.data.get("note", ""),
            )
        )

    def _due_from(self, at: dt.datetime) -> dt.datetime:
        limit = self.rules.limit()
        if "calendar_days" in limit:
            start = self.cal.count_start(at, self.cutoff)
            self.calendar_last_day = start.date() + dt.timedelta(days=limit["calendar_days"])
        return self.cal.due_date(at, cutoff=self.cutoff, **limit)

    def _resumed_due(self, at: dt.datetime, paused_seconds: int) -> dt.datetime:
        """The deadline after a pause. Working limits move by the working time paused.
        A calendar-day limit moves by the calendar days the pause covered (the day it began
        to the day it ended, counted as the law counts days: the first not, the last yes),
        from its last day as counted, before any move past a day off (Article 148)."""
        if not self.rules.calendar_days:
            return self.cal.add_working_seconds(self.v["due_at"], paused_seconds)
        paused_days = (at.astimezone(TZ).date() - self.paused_at.astimezone(TZ).date()).days
        self.calendar_last_day += dt.timedelta(days=paused_days)
        return self.cal.calendar_deadline(self.calendar_last_day)

    def apology(self, ev: Event) -> None:
        promised = parse_moment(ev.data["new_due_at"], "new_due_at")
        self.v["promised_at"] = promised
        self.v["apology_count"] = self.v.get("apology_count", 0) + 1
        self.rows.append(
            Row(
                kind="apology",
                at=ev.occurred_at,
                from_unit=ev.data.get("unit", ""),
                from_officer=ev.data.get("officer", ""),
                note=ev.data.get("reason", ""),
            )
        )
        self.ncs.append(
            (
                NcSource.APPLICATION_APOLOGY,
                f"Xin lỗi, hẹn lại ngày trả kết quả {promised.astimezone(TZ):%d/%m/%Y}",
            )
        )

    def completed(self, ev: Event) -> None:
        at = ev.occurred_at
        self._close_step(
            at,
            None,
            kind="completed",
            from_unit=ev.data.get("unit", ""),
            from_officer=ev.data.get("officer", ""),
            note=ev.data.get("note", ""),
        )
        due = self.v["due_at"]
        timeliness = (
            Timeliness.LATE
            if at > due
            else Timeliness.EARLY
            if at.astimezone(TZ).date() < due.astimezone(TZ).date()
            else Timeliness.ON_TIME
        )
        self.v.update(
            status=AppStatus.COMPLETED,
            completed_at=at,
            timeliness=timeliness,
            late_seconds=self.cal.working_seconds_between(due, at),
            current_step=None,
        )
        if timeliness == Timeliness.LATE:
            self.ncs.append(
                (
                    NcSource.APPLICATION_LATE,
                    f"Hồ sơ trễ hạn: hạn {due.astimezone(TZ):%d/%m/%Y %H:%M}, có kết quả "
                    f"{at.astimezone(TZ):%d/%m/%Y %H:%M}",
                )
            )

    def returned(self, ev: Event) -> None:
        if "completed_at" not in self.v:
            self.completed(ev)
        self.v.update(
            status=AppStatus.RETURNED, returned_at=ev.occurred_at, ended_at=ev.occurred_at
        )
        self.rows.append(
            Row(
                kind="returned",
                at=ev.occurred_at,
                from_unit=ev.data.get("unit", ""),
                from_officer=ev.data.get("officer", ""),
                note=ev.data.get("note", ""),
            )
        )

    def refused(self, ev: Event) -> None:
        fault = bool(ev.data.get("agency_fault", False))
        self.v.update(
            status=AppStatus.REFUSED,
            ended_at=ev.occurred_at,
            agency_fault=fault,
            note=ev.data.get("reason", "")[:500],
            current_step=None,
        )
        self.rows.append(
            Row(
                kind="refused",
                at=ev.occurred_at,
                from_unit=ev.data.get("unit", ""),
                from_officer=ev.data.get("officer", ""),
                note=ev.data["reason"],
            )
        )
        if fault:
            self.ncs.append(
                (
                    NcSource.APPLICATION_REFUSED,
                    f"Từ chối hồ sơ do lỗi của cơ quan: {ev.data['reason']}"[:500],
                )
            )

    def withdrawn(self, ev: Event) -> None:
        self.v.update(status=AppStatus.WITHDRAWN, ended_at=ev.occurred_at, current_step=None)
        self.rows.append(Row(kind="withdrawn", at=ev.occurred_at, note=ev.data.get("reason", "")))


def project(events: list[Event], rules: Rules, calendar: WorkCalendar) -> Projection | None:
    """The application's state after its events; None while nothing says it was received."""
    ordered = sorted(events, key=lambda e: (e.sort_key, e.event_id))
    if not any(e.type == "application.received" for e in ordered):
        return None
    cutoff = calendar.default_cutoff if rules.version.cutoff_applies else None
    state = _State(rules, calendar, cutoff)
    seen_received = False
    for event in ordered:
        kind = event.type.split(".", 1)[1]
        if kind == "received":
            if seen_received:
                continue  # a second "received" is a duplicate under another id: keep the first
            seen_received = True
        elif not seen_received:
            continue  # happened "before" receipt: a clock error at the sender; ignored
        if state.v.get("status") in TERMINAL and kind != "returned":
            continue
        getattr(state, kind)(event)
    state.v.update(events=len(ordered), last_event_at=ordered[-1].occurred_at)
    return Projection(values=state.v, rows=state.rows, nonconformities=state.ncs)


# --------------------------------------------------------------------------- persistence

APP_FIELDS = (
    "code_trigrams",  # a code never changes here, but a row written before it had none heals
    "procedure",
    "version",
    "channel",
    "applicant",
    "received_at",
    "count_start_at",
    "due_at",
    "promised_at",
    "status",
    "current_step",
    "current_unit",
    "completed_at",
    "returned_at",
    "ended_at",
    "timeliness",
    "late_seconds",
    "supplement_count",
    "apology_count",
    "agency_fault",
    "note",
    "events",
    "last_event_at",
    "updated_at",
)


class RulesCache:
    """Procedures, their versions and steps, loaded once per rebuild."""

    def __init__(self):
        self._procedures: dict[str, Procedure | None] = {}
        self._versions: dict[int, list[ProcedureVersion]] = {}

    def procedure(self, code: str) -> Procedure | None:
        if code not in self._procedures:
            self._procedures[code] = Procedure.objects.filter(code=code).first()
        return self._procedures[code]

    def rules(self, procedure: Procedure, day: dt.date) -> Rules | None:
        if procedure.pk not in self._versions:
            self._versions[procedure.pk] = list(
                procedure.versions.prefetch_related("steps").order_by("-effective_from")
            )
        version = next((v for v in self._versions[procedure.pk] if v.effective_from <= day), None)
        if version is None and self._versions[procedure.pk]:
            version = self._versions[procedure.pk][-1]  # received before the first version
        return Rules(version, list(version.steps.all())) if version else None


def applications_rebuild(events_by_code: dict[str, list[Event]]) -> dict[str, str]:
    """Rebuild many applications; return {code: "applied" | "waiting" | error message}."""
    calendar, cache = get_calendar(), RulesCache()
    outcomes: dict[str, str] = {}
    built: list[tuple[Application, Projection]] = []
    now = timezone.now()
    for code, events in events_by_code.items():
        received = next(
            (
                e
                for e in sorted(events, key=lambda e: e.sort_key)
                if e.type == "application.received"
            ),
            None,
        )
        if received is None:
            outcomes[code] = "waiting"
            continue
        procedure = cache.procedure(received.data["procedure_code"])
        if procedure is None:
            outcomes[code] = f"không có thủ tục mã {received.data['procedure_code']}"
            continue
        rules = cache.rules(procedure, received.occurred_at.astimezone(TZ).date())
        if rules is None:
            outcomes[code] = f"thủ tục {procedure.code} chưa có phiên bản quy định"
            continue
        projection = project(events, rules, calendar)
        defaults = {
            "promised_at": None,
            "completed_at": None,
            "returned_at": None,
            "ended_at": None,
            "timeliness": "",
            "late_seconds": 0,
            "supplement_count": 0,
            "apology_count": 0,
            "agency_fault": False,
            "note": "",
            "current_step": None,
        }
        values = {
            **defaults,
            **projection.values,
            "procedure": procedure,
            "version": rules.version,
            "updated_at": now,
        }
        application = Application(code=code, code_trigrams=code_trigrams(code), **values)
        built.append((application, projection))
        outcomes[code] = "applied"
    if built:
        _save(built)
    return outcomes


@transaction.atomic
def _save(built: list[tuple[Application, Projection]]) -> None:

    existing = list(
        Application.objects.filter(code__in=[a.code for a, _p in built]).values_list(
            "id", flat=True
        )
    )
    days = affected_days(existing)  # where the old state counted
    apps = Application.objects.bulk_create(
        [a for a, _p in built],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=list(APP_FIELDS),
    )
    ids = [a.pk for a in apps]
    HandOff.objects.filter(application_id__in=ids).delete()
    HandOff.objects.bulk_create(
        [
            HandOff(
                application_id=app.pk,
                seq=seq,
                kind=row.kind,
                step=row.step,
                step_name=row.step_name,
                from_unit=row.from_unit,
                from_officer=row.from_officer,
                to_unit=row.to_unit,
                to_officer=row.to_officer,
                at=row.at,
                due_at=row.due_at,
                on_time=row.on_time,
                note=row.note[:500],
            )
            for app, (_a, projection) in zip(apps, built, strict=True)
            for seq, row in enumerate(projection.rows, start=1)
        ]
    )
    for app, (_a, projection) in zip(apps, built, strict=True):  # where the new state counts
        days |= days_of((app.received_at, app.completed_at))
        days |= days_of(row.at for row in projection.rows if row.on_time is not None)
    stats_recompute(days)
    Nonconformity.objects.bulk_create(
        [
            Nonconformity(
                source=source,
                source_type="application",
                source_id=app.code,
                source_ref=app.code,
                title=title,
                unit_name=app.current_unit,
                detected_at=app.last_event_at or timezone.now(),
            )
            for app, (_a, projection) in zip(apps, built, strict=True)
            for source, title in projection.nonconformities
        ],
        ignore_conflicts=True,
    )
    bulk_written.send(sender=Application)  # bulk statements send no model signals


def application_trigrams_refresh(*, codes: list[str]) -> int:
    """Store the trigrams of these applications' codes again (after a code was renamed
    outside this module: the data engine renames colliding codes on a merge)."""
    apps = list(Application.objects.filter(code__in=codes).only("pk", "code"))
    for app in apps:
        app.code_trigrams = code_trigrams(app.code)
    Application.objects.bulk_update(apps, ["code_trigrams"], batch_size=2000)
    return len(apps)


def overdue_nonconformities(now: dt.datetime | None = None) -> int:
    """Open applications past their due date get their "late" nonconformity (once)."""
    now = now or timezone.now()
    overdue = Application.objects.filter(
        status__in=[AppStatus.RECEIVED, AppStatus.IN_PROGRESS, AppStatus.SUPPLEMENT], due_at__lt=now
    )
    overdue = list(overdue.only("code", "due_at", "current_unit", "procedure_id"))
    rows = [
        Nonconformity(
            source=NcSource.APPLICATION_LATE,
            source_type="application",
            source_id=a.code,
            source_ref=a.code,
            unit_name=a.current_unit,
            title=f"Hồ sơ quá hạn: hạn {a.due_at.astimezone(TZ):%d/%m/%Y %H:%M}, chưa có kết quả",
            detected_at=now,
        )
        for a in overdue
    ]
    known = set(
        Nonconformity.objects.filter(
            source=NcSource.APPLICATION_LATE, source_id__in=[a.code for a in overdue]
        ).values_list("source_id", flat=True)
    )
    created = Nonconformity.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:  # overdue counts change with time alone; new nonconformities too
        bulk_written.send(sender=Application)
    _announce_late([a for a in overdue if a.code not in known])
    return len(created)


def _announce_late(apps: list[Application]) -> None:
    """Each application found late for the first time, and the nonconformity it opened."""
    if not apps:
        return
    ncs = Nonconformity.objects.filter(
        source=NcSource.APPLICATION_LATE, source_id__in=[a.code for a in apps]
    )
    by_code = {nc.source_id: nc for nc in ncs}
    for app in apps:
        nc = by_code.get(app.code)
        event_announce(
            type="application.late",
            subject=f"application:{app.pk}",
            data={
                "application": {
                    "id": app.pk,
                    "code": app.code,
                    "due_at": app.due_at.isoformat(),
                    "unit": app.current_unit,
                },
                "nonconformity_id": nc.pk if nc else None,
                "url": f"/procedures/applications/{app.pk}/",
            },
        )
        if nc is not None:
            nc_announce("nonconformity.opened", nc)


__all__ = [
    "project",
    "applications_rebuild",
    "application_trigrams_refresh",
    "Rules",
    "TYPE_ORDER",
    "overdue_nonconformities",
]
