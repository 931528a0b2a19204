"""The dashboard's area tiles show their figure (what waits there), each linking to the list
it counts; all figures together cost one query (the budget is in test_query_budgets.py)."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eiso.home.figures import dashboard_figures
from eiso.testing.procedures import event, make_procedure
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from quality.documents.models import Document
from quality.improvement.services import nc_bulk_close, nc_create
from quality.risks.services import risk_create

from .conftest import Flow


def figures(body: str) -> dict[str, tuple[str, str]]:
    """area key -> (figure, its words) as the page shows them."""
    found = re.findall(
        r'data-figure="([a-z]+)"><span class="stat-number[^"]*">(\d+)</span>'
        r'<span class="small text-body-secondary">([^<]+)</span>',
        body,
    )
    return {key: (count, words) for key, count, words in found}


def _fill(world):
    make_procedure(world.owner_a)
    now = timezone.localtime()
    events_ingest(
        items=[
            event("e1", "received", "2026-03-09 09:15", app="HS-CU", procedure_code="1.000001"),
            event(
                "e2",
                "received",
                now.strftime("%Y-%m-%d %H:%M"),
                app="HS-MOI",
                procedure_code="1.000001",
            ),
        ],
        key=None,
    )
    inbox_apply_pending()
    flow = Flow(world)
    due = flow.issued(code="QT.01", title="Quy trình đến hạn")
    flow.issued(code="QT.02", title="Quy trình chưa đến hạn")
    Document.objects.filter(pk=due.pk).update(next_review_on=timezone.localdate())
    Document.objects.filter(code="QT.02").update(
        next_review_on=timezone.localdate() + dt.timedelta(days=1)
    )
    for n in range(3):
        nc_create(actor=world.member_a, source="self", title=f"Sự việc {n}")
    closed = nc_create(actor=world.member_a, source="self", title="Đã xử lý")
    nc_bulk_close(actor=world.owner_a, ids=[closed.pk], reason="Trùng")
    risk_create(
        actor=world.owner_a, title="Thiếu người", likelihood=2, impact=2, owner=world.member_a
    )


def test_each_area_tile_shows_its_figure_and_links_to_what_it_counts(in_a, client_for):
    _fill(in_a)
    connection.set_schema_to_public()
    member = client_for(in_a.agency_a, in_a.member_a)
    body = member.get("/").content.decode()
    shown = figures(body)
    assert shown["procedures"] == ("1", "hồ sơ đang quá hạn")
    assert shown["nonconformities"] == ("3", "sự không phù hợp chưa đóng")
    assert shown["documents"] == ("1", "tài liệu đến hạn xem xét định kỳ")
    assert shown["risks"] == ("1", "rủi ro đang theo dõi")
    assert {"objectives", "audits", "reviews", "feedback"} <= set(shown)
    assert 'href="/procedures/applications/?timeliness=overdue" class="stretched-link"' in body
    assert 'href="/documents/?status=review_due" class="stretched-link"' in body
    overdue = member.get("/procedures/applications/?timeliness=overdue").content.decode()
    assert "HS-CU" in overdue and "HS-MOI" not in overdue
    due = member.get("/documents/?status=review_due").content.decode()
    assert "QT.01" in due and "QT.02" not in due


def test_all_figures_and_the_inbox_counts_are_one_query(in_a):
    _fill(in_a)
    from quality.documents.selectors import review_inbox

    inbox = review_inbox(in_a.owner_a)
    with CaptureQueriesContext(connection) as queries:
        shown, counts = dashboard_figures(in_a.owner_a, extra=inbox)
    assert len(queries) == 1, [q["sql"][:150] for q in queries.captured_queries]
    assert shown["nonconformities"].count == 3 and shown["nonconformities"].alert
    assert shown["procedures"].count == 1
    assert set(counts) == {"to_review", "to_approve", "my_drafts"}
