"""Change histories read as sentences on every page that shows them: the document page, the
nonconformity page and the agency's audit trail (and its CSV), all through one formatter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from eiso.testing.loop import make_loop
from iso_platform.accounts.models import Role
from quality.core.models import AuditEvent
from quality.core.services import audit_record
from quality.documents.services import documents as svc
from quality.improvement import services as imp
from quality.improvement.models import Nonconformity

from .conftest import Flow

RAW = ("None", "['", "{'", "\\r\\n", "system_procedure", ": True", "analysed")


@pytest.fixture
def pages(world, client_for):
    return {name: client_for(world.agency_a, getattr(world, name)) for name in ("owner_a",)}


def _get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _assert_no_raw(body: str, section_start: str):
    history = body[body.index(section_start) :]
    for raw in RAW:
        assert raw not in history, raw


def test_the_document_page_shows_labels_choices_dates_and_a_line_diff(in_a, pages):
    document = Flow(in_a).draft(body="Bước 1: tiếp nhận.\r\nBước 2: xử lý.")
    revision = document.latest_revision
    svc.revision_update(
        actor=in_a.member_a, revision=revision, body="Bước 1: tiếp nhận.\r\nBước 2: thẩm định."
    )
    svc.revision_submit(actor=in_a.member_a, revision=revision)
    audit_record(
        actor=in_a.owner_a,
        action="edit",
        subject=revision,
        parent=document,
        changes={"effective_on": [None, dt.date(2026, 3, 9)], "reviewer": [None, in_a.owner_a.pk]},
    )
    connection.set_schema_to_public()

    body = _get(pages["owner_a"], f"/documents/{document.pk}/")

    for readable in (
        "Loại tài liệu:",
        "Quy trình",  # the doc_type choice's label
        "Nội dung:",
        "- Bước 2: xử lý.",
        "+ Bước 2: thẩm định.",
        'Ngày hiệu lực:</dt> <dd class="d-inline">— → 09/03/2026',
        f"— → {in_a.owner_a.full_name}",
    ):
        assert readable in body, readable
    _assert_no_raw(body, "Nhật ký thay đổi")


def test_the_nonconformity_page_shows_status_labels_and_the_whys(in_a, pages):
    loop = make_loop(in_a.owner_a, in_a.member_a, in_a.leader_a)
    nc = loop.nc
    with schema_context(in_a.agency_a.schema_name):
        audit_record(
            actor=in_a.owner_a,
            action="status",
            subject=nc,
            changes={"status": ["analysed", "actions"], "effective": True, "note": None},
        )
        imp.nc_analyse(
            actor=in_a.owner_a,
            nc=Nonconformity.objects.get(pk=nc.pk),
            method="five_whys",
            detail={"whys": ["Thiếu biểu mẫu", "Chưa rà soát"]},
            root_cause="Chưa rà soát biểu mẫu",
        )
    connection.set_schema_to_public()

    body = _get(pages["owner_a"], f"/improvement/{nc.pk}/")

    for readable in (
        'Trạng thái:</dt> <dd class="d-inline">Đã phân tích nguyên nhân → ',
        'Có hiệu lực:</dt> <dd class="d-inline">Có',
        'Ghi chú:</dt> <dd class="d-inline">—',
        "Tại sao: 1. Thiếu biểu mẫu; 2. Chưa rà soát",
    ):
        assert readable in body, readable
    _assert_no_raw(body, "Nhật ký thay đổi")


def _people_events(world, people):
    for person in people:
        audit_record(
            actor=world.owner_a,
            action="nc_assign",
            subject=world.owner_a,
            subject_type="nonconformity",
            changes={"owner": [world.owner_a.pk, person.pk]},
        )


def _trail_queries(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        body = _get(client, "/audit-trail/")
    return body, [q["sql"] for q in queries.captured_queries]


def test_the_audit_trail_names_people_in_one_query_whatever_the_page_holds(in_a, pages):
    from iso_platform.accounts.models import User

    people = [
        User.objects.create_user(
            email=f"nguoi{n}@alpha.test", full_name=f"Nguyễn Văn Số {n}", role=Role.STAFF
        )
        for n in range(5)
    ]
    _people_events(in_a, people[:1])
    connection.set_schema_to_public()
    _, few = _trail_queries(pages["owner_a"])
    with schema_context(in_a.agency_a.schema_name):
        _people_events(in_a, people[1:])
    connection.set_schema_to_public()
    body, many = _trail_queries(pages["owner_a"])

    assert len(many) == len(few)
    lookups = [sql for sql in many if 'AS "full_name" FROM "accounts_user"' in sql]
    assert len(lookups) == 1
    for person in people:
        assert f"{in_a.owner_a.full_name} → {person.full_name}" in body
    assert "Người chịu trách nhiệm:" in body
    _assert_no_raw(body, "<tbody>")


def test_the_trail_csv_has_the_readable_details_with_real_line_breaks(in_a, pages):
    document = Flow(in_a).draft(body="Một\r\nHai")
    svc.revision_update(actor=in_a.member_a, revision=document.latest_revision, body="Một\r\nBa")
    connection.set_schema_to_public()

    response = pages["owner_a"].get("/audit-trail/", {"format": "csv"})

    text = b"".join(response.streaming_content if response.streaming else [response.content])
    text = text.decode("utf-8-sig")
    assert "Nội dung:\n  Một\n- Hai\n+ Ba" in text
    assert "\\r\\n" not in text and "system_procedure" not in text
    assert "Quy trình" in text
    with schema_context(in_a.agency_a.schema_name):
        assert AuditEvent.objects.filter(subject_type="revision").exists()
