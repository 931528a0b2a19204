"""Pages of procedures, applications, statistics and integrations."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from eiso.testing.procedures import event, make_procedure
from integrations.models import ApiKey
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from quality.procedures.models import Application, Procedure

RECEIVED = dict(procedure_code="1.000001")


@pytest.fixture
def data(world, eager):
    """Three finished applications in March 2026 (early, on time, late), one open overdue."""
    with schema_context("ag_alpha"):
        make_procedure(world.owner_a)
        events = [
            event("a1", "received", "2026-03-09 09:15", app="A", **RECEIVED),
            event("a2", "completed", "2026-03-10 10:00", app="A"),
            event("b1", "received", "2026-03-09 09:15", app="B", **RECEIVED),
            event("b2", "completed", "2026-03-16 09:00", app="B"),
            event("c1", "received", "2026-03-09 09:15", app="C", **RECEIVED),
            event(
                "c2",
                "handed_over",
                "2026-03-09 10:00",
                app="C",
                to_unit="Phòng A",
                from_unit="Bộ phận một cửa",
            ),
            event("c3", "completed", "2026-03-17 09:00", app="C"),
            event("d1", "received", "2026-03-20 09:15", app="D", **RECEIVED),
        ]
        events_ingest(items=events, key=None)
        inbox_apply_pending()
    return world


@pytest.fixture
def secretary(world, client_for):
    return client_for(world.agency_a, world.owner_a)


def test_the_on_time_chart_matches_a_hand_count(data, secretary):
    page = secretary.get("/procedures/statistics/", {"start": "2026-03-01", "end": "2026-03-31"})
    context = page.context
    march = context["months"][0]
    assert (march.label, march.early, march.on_time, march.late) == ("03/2026", 1, 1, 1)
    assert march.on_time_rate == pytest.approx(66.7)
    assert context["month_chart"]["datasets"][2]["data"] == [1]
    assert context["summary"]["overdue"] == 1 and context["summary"]["received"] == 4
    (row,) = context["by_procedure"]
    assert (row.early, row.on_time, row.late, row.open_overdue) == (1, 1, 1, 1)
    assert 'data-chart="month-chart"' in page.content.decode()
    assert '<script id="month-chart" type="application/json">' in page.content.decode()


def test_the_on_time_statistics_download_with_the_pages_figures(data, secretary):
    import io

    from openpyxl import load_workbook

    period = {"start": "2026-03-01", "end": "2026-03-31"}
    page = secretary.get("/procedures/statistics/", period).content.decode()
    assert "/procedures/statistics.xlsx?start=2026-03-01&amp;end=2026-03-31" in page
    response = secretary.get("/procedures/statistics.xlsx", period)
    assert response.status_code == 200
    assert 'filename="dung-han-20260301-20260331.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Theo tháng", "Theo thủ tục", "Theo bước", "Theo đơn vị"]
    months = list(book["Theo tháng"].iter_rows(values_only=True))
    assert months[1][:5] == ("03/2026", 1, 1, 1, 0)
    assert months[1][5] == pytest.approx(66.7)
    (_header, procedure) = list(book["Theo thủ tục"].iter_rows(values_only=True))
    assert procedure[1:5] == (1, 1, 1, 1)


def test_application_list_filters(data, secretary):
    def codes(**params):
        return sorted(
            a.code
            for a in secretary.get("/procedures/applications/", params).context["applications"]
        )

    assert codes() == ["A", "B", "C", "D"]
    assert codes(timeliness="late") == ["C"]
    assert codes(timeliness="overdue") == ["D"]
    assert codes(status="received") == ["D"]
    assert codes(q="A") == ["A"]
    assert codes(received_from="2026-03-15") == ["D"]


def test_application_list_queries_do_not_grow(data, secretary, world):
    with CaptureQueriesContext(connection) as few:
        secretary.get("/procedures/applications/")
    with schema_context("ag_alpha"):
        events_ingest(
            items=[
                event(f"x{i}", "received", "2026-03-09 09:15", app=f"X{i}", **RECEIVED)
                for i in range(20)
            ],
            key=None,
        )
        inbox_apply_pending()
    with CaptureQueriesContext(connection) as many:
        secretary.get("/procedures/applications/")
    assert len(many) == len(few)


def test_the_application_page_shows_its_sheet_and_pdf(data, secretary):
    with schema_context("ag_alpha"):
        app = Application.objects.get(code="C")
    page = secretary.get(f"/procedures/applications/{app.pk}/").content.decode()
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ" in page
    assert "Tiếp nhận hồ sơ" in page and "Trễ hạn" in page
    pdf = secretary.get(f"/procedures/applications/{app.pk}/sheet.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "PHIẾU KIỂM SOÁT" in text and "C" in text


def test_the_tracking_book_is_an_xlsx(data, secretary):
    import openpyxl

    response = secretary.get(
        "/procedures/applications/tracking-book.xlsx", {"start": "2026-03-01", "end": "2026-03-31"}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][1] == "Mã hồ sơ"
    assert sorted(r[1] for r in rows[2:]) == ["A", "B", "C", "D"]


def test_catalogue_pages_create_version_and_import(world, secretary, client_for):
    response = secretary.post(
        "/procedures/new/",
        {
            "code": "4.000001",
            "name": "Thủ tục mới",
            "field": "F",
            "level": "province",
            "effective_from": "2026-01-01",
            "limit_days": 3,
            "supplement_rule": "restart",
            "steps": "Tiếp nhận | Bộ phận một cửa | 2\nGiải quyết | Phòng A | 10",
        },
    )
    with schema_context("ag_alpha"):
        procedure = Procedure.objects.get(code="4.000001")
    assert response.status_code == 302
    too_long = secretary.post(
        f"/procedures/{procedure.pk}/",
        {
            "effective_from": "2026-07-01",
            "limit_days": 1,
            "supplement_rule": "restart",
            "steps": "Giải quyết | Phòng A | 30",
        },
    )
    assert too_long.status_code == 400 and "vượt thời hạn" in too_long.content.decode()
    both = secretary.post(
        f"/procedures/{procedure.pk}/",
        {
            "effective_from": "2026-07-01",
            "limit_days": 3,
            "limit_calendar_days": 5,
            "supplement_rule": "restart",
            "steps": "Giải quyết | Phòng A | 8",
        },
    )
    assert both.status_code == 400 and "Cần đúng một thời hạn" in both.content.decode()
    calendar = secretary.post(
        f"/procedures/{procedure.pk}/",
        {
            "effective_from": "2026-07-01",
            "limit_calendar_days": 30,
            "supplement_rule": "restart",
            "steps": "Giải quyết | Phòng A | 8",
        },
    )
    assert calendar.status_code == 302
    with schema_context("ag_alpha"):
        assert procedure.versions.get(number=2).limit_calendar_days == 30
    assert "30 ngày</span>" in secretary.get(f"/procedures/{procedure.pk}/").content.decode()
    bad_csv = io.BytesIO(b"code,name,limit_days\n4.000002,,x\n")
    bad_csv.name = "danh-muc.csv"
    report = secretary.post("/procedures/import/", {"file": bad_csv})
    assert report.status_code == 400 and "không dòng nào được nhập" in report.content.decode()
    staff = client_for(world.agency_a, world.member_a)
    assert staff.get("/procedures/new/").status_code == 403
    assert staff.get("/procedures/").status_code == 200


def test_keys_page_shows_the_secret_once_and_rotates(world, secretary):
    page = secretary.post("/integrations/", {"name": "VNPT iGate"})
    body = page.content.decode()
    assert "chỉ hiển thị một lần" in body and "eisk_" in body
    with schema_context("ag_alpha"):
        key = ApiKey.objects.get(name="VNPT iGate")
        assert b"eisk_" not in bytes(key.secret_encrypted)
    assert "eisk_" not in secretary.get("/integrations/").content.decode()
    rotated = secretary.post(f"/integrations/keys/{key.pk}/rotate/", {"overlap_days": 3})
    assert "eisk_" in rotated.content.decode()
    with schema_context("ag_alpha"):
        key.refresh_from_db()
        assert key.expires_at is not None and key.replaced_by is not None
    secretary.post(f"/integrations/keys/{key.pk}/revoke/")
    with schema_context("ag_alpha"):
        assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_inbox_pages_show_payloads_and_refusals(data, secretary, world):
    with schema_context("ag_alpha"):
        events_ingest(items=[{"event_id": "bad", "type": "nope"}], key=None)
    page = secretary.get("/integrations/inbox/", {"status": "rejected"})
    assert "không được hỗ trợ" in page.content.decode()
    event_pk = page.context["events"][0].pk
    detail = secretary.get(f"/integrations/inbox/{event_pk}/").content.decode()
    assert "&quot;type&quot;: &quot;nope&quot;" in detail
    assert client_is_refused(world)


def client_is_refused(world):
    from django.test import Client

    return Client(HTTP_HOST="alpha.localhost").get("/integrations/inbox/").status_code == 302


def test_staff_cannot_manage_integrations(world, client_for):
    staff = client_for(world.agency_a, world.member_a)
    assert staff.get("/integrations/").status_code == 403
    assert staff.post("/integrations/", {"name": "x"}).status_code == 403


def test_pull_connector_reads_a_real_feed(world, secretary, eager, settings):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    feed = {
        "": {
            "events": [event("p1", "received", "2026-03-09 09:15", app="P", **RECEIVED)],
            "next": "c1",
        },
        "c1": {"events": [event("p2", "completed", "2026-03-10 09:15", app="P")], "next": "c2"},
        "c2": {"events": [], "next": "c2"},
    }
    seen = []

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API
            cursor = self.path.partition("since=")[2]
            seen.append((cursor, self.headers.get("Authorization")))
            payload = json.dumps(feed[cursor]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{server.server_port}"]
    try:
        with schema_context("ag_alpha"):
            make_procedure(world.owner_a)
            from integrations.services.pull import connector_pull, connector_save

            connector = connector_save(
                actor=world.owner_a,
                name="Cổng DVC",
                url=f"http://127.0.0.1:{server.server_port}/feed",
                authorization="Bearer feed-token",
            )
            assert connector_pull(connector=connector) == 2
            inbox_apply_pending()
            app = Application.objects.get(code="P")
            assert app.status == "completed"
            connector.refresh_from_db()
            assert connector.cursor == "c2" and connector.last_error == ""
            assert connector_pull(connector=connector) == 0  # nothing new
    finally:
        server.shutdown()
    assert seen[0] == ("", "Bearer feed-token")


def test_a_dead_feed_is_recorded_not_raised(world, eager, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1:9"]
    with schema_context("ag_alpha"):
        from integrations.services.pull import connector_pull, connector_save

        connector = connector_save(actor=world.owner_a, name="Chết", url="http://127.0.0.1:9/x")
        assert connector_pull(connector=connector) == 0
        connector.refresh_from_db()
        assert connector.last_error and connector.last_run_at


def test_the_deadline_of_the_demo_procedure_over_tet(data):
    with schema_context("ag_alpha"):
        events_ingest(
            items=[event("t1", "received", "2026-02-13 16:20", app="TET", **RECEIVED)], key=None
        )
        inbox_apply_pending()
        due = Application.objects.get(code="TET").due_at
    assert due.isoformat() == dt.datetime(2026, 2, 27, 9, 20, tzinfo=dt.UTC).isoformat()


FOREIGN_ID = 900001


def test_ids_of_another_agency_are_not_found_on_procedure_and_integration_routes(
    world, secretary, eager, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1:9"]
    from django.urls import get_resolver

    from integrations.models import InboxEvent
    from integrations.services.keys import api_key_create

    with schema_context(world.agency_b.schema_name):
        with connection.cursor() as cur:
            for table in (
                "quality_procedures_procedure",
                "quality_procedures_application",
                "integrations_apikey",
                "integrations_inboxevent",
                "integrations_pullconnector",
            ):
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                    [table, FOREIGN_ID],
                )
        from iso_platform.accounts.models import User

        owner_b = User.objects.get(email="user@beta.test")
        owner_b.role = "iso_secretary"
        owner_b.save()
        make_procedure(owner_b)
        events_ingest(
            items=[event("z1", "received", "2026-03-09 09:15", app="Z", **RECEIVED)], key=None
        )
        inbox_apply_pending()
        api_key_create(actor=owner_b, name="B")
        from integrations.services.pull import connector_save

        connector_save(actor=owner_b, name="B", url="http://127.0.0.1:9/")
        assert Application.objects.get(code="Z").pk == FOREIGN_ID
        assert InboxEvent.objects.get(event_id="z1").pk == FOREIGN_ID
    routes = []
    for prefix, module in (
        ("/procedures/", "quality.procedures.urls"),
        ("/integrations/", "integrations.urls"),
    ):
        routes += [
            prefix + str(p.pattern)
            for p in get_resolver(module).url_patterns
            if "<int:pk>" in str(p.pattern)
        ]
    assert len(routes) >= 6
    for route in routes:
        url = route.replace("<int:pk>", str(FOREIGN_ID)).replace("<str:action>", "revoke")
        for method in ("get", "post"):
            response = getattr(secretary, method)(url)
            assert response.status_code in (404, 405), f"{method.upper()} {url}"


def test_the_annual_report_and_objectives_match_the_applications(data, secretary):
    """The annual report's figures and a formula objective read the same data as
    the statistics page: 4 received, 3 completed, 2 of them early or on time (66.67%)."""
    from decimal import Decimal

    from quality.objectives import services as objectives
    from quality.objectives.models import Method
    from quality.reviews.services import annual_report as annual_reports

    with schema_context("ag_alpha"):
        report = annual_reports.annual_report_generate(actor=data.owner_a, year=2026)
        f = report.figures
        assert (f["applications_received"], f["applications_completed"]) == (4, 3)
        assert f["on_time_rate"] == pytest.approx(66.7, abs=0.05)
        objective = objectives.objective_create(
            actor=data.owner_a,
            year=2026,
            title="Đúng hạn",
            indicator="Tỷ lệ đúng hạn",
            target=Decimal(90),
            owner=data.owner_a,
            method=Method.ON_TIME_RATE,
        )
        objectives.measurements_compute(objective=objective)
        march = objective.measurements.get(period_start=dt.date(2026, 3, 1))
        assert march.value == Decimal("66.67") and march.met is False
    docx = secretary.get(f"/reviews/annual/{report.pk}/report.docx")
    import docx as python_docx

    text = "\n".join(p.text for p in python_docx.Document(io.BytesIO(docx.content)).paragraphs)
    assert "Tiếp nhận 4 hồ sơ; có kết quả 3" in text


def _period(response) -> str:
    assert response.status_code == 200, response.get("Location")
    return response["Content-Disposition"].split("so-theo-doi-ho-so-")[1].split(".xlsx")[0]


def test_the_tracking_book_link_of_the_plain_list_gives_the_current_month(data, secretary):
    import openpyxl
    from django.utils import timezone

    page = secretary.get("/procedures/applications/").content.decode()
    assert "tracking-book.xlsx?start=&end=" in page  # the list's own link, filter empty
    response = secretary.get("/procedures/applications/tracking-book.xlsx?start=&end=")
    today = timezone.localdate()  # Asia/Ho_Chi_Minh
    assert _period(response) == f"{today.replace(day=1):%Y%m%d}-{today:%Y%m%d}"
    openpyxl.load_workbook(io.BytesIO(response.content))  # a real workbook


def test_the_tracking_book_takes_the_filters_period_and_fills_a_missing_side(data, secretary):
    from django.utils import timezone

    url = "/procedures/applications/tracking-book.xlsx"
    today = timezone.localdate()
    assert _period(secretary.get(url, {"start": "2026-03-01", "end": "2026-03-31"})) == (
        "20260301-20260331"
    )
    assert _period(secretary.get(url, {"start": "", "end": "2026-03-17"})) == "20260301-20260317"
    assert _period(secretary.get(url, {"start": "2026-03-09", "end": ""})) == (
        f"20260309-{today:%Y%m%d}"
    )


def test_the_tracking_book_still_refuses_a_period_the_wrong_way_round(data, secretary):
    response = secretary.get(
        "/procedures/applications/tracking-book.xlsx", {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert response.status_code == 302 and response["Location"] == "/procedures/applications/"
