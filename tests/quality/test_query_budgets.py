"""SQL budgets of the busiest agency endpoints (bench/load.py's mix), so that they cannot creep.

Each budget is the count measured when it was set, for a page with several rows of everything
it shows (documents, revisions, files, readers, a change request, work in several areas); a
second measurement after adding more rows must not cost more. Counts include django-tenants'
`SET search_path` (once per request since TENANT_LIMIT_SET_CALLS) and the tenant routing query
(tests run inside a transaction, where tenants/host_cache.py is not used).

Two tests at the end run outside a transaction (`committed`), as a server does: the routing
memo and the dashboard's checklist figures are then shared between requests, and must be
dropped as soon as the agency or the steps change.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from iso_platform.accounts.services import api_token_create
from onboarding.province.models import AgencyOnboarding
from quality.core.models import Unit
from quality.documents.models import Document
from quality.documents.services import distribution
from quality.documents.services import documents as svc
from quality.documents.services.files import revision_file_add
from quality.improvement.models import NcSource
from quality.improvement.services import nc_create
from tenants.models import Agency, AgencyStatus

from .conftest import Flow, pdf_bytes, upload

# Measured when set (see the module docstring); raise one only with a reason in the commit.
# a member: routing, session, user, rights, the tiles' figures with the 3 inbox counts (one
# query), unread, reading
DASHBOARD = 10
DASHBOARD_ADMIN_LIVE = 29  # an agency administrator: + the checklist computed afresh
# issued and revised: files, notes, readers, forms, requests, trail; + whether the approver's
# and the agency's signatures are asked for (the person's credential, once for each of the
# approval and withdrawal forms, and the agency's signing setting)
DOCUMENT_PAGE = 23
# the ISO secretary sees every area (one query per inbox source: competence and the 2026
# transition added two); a token's first use is written
MY_WORK_API = 21
DOCUMENTS_API = 7  # routing, token (and its first use), count, one page


@pytest.fixture
def rich(in_a, settings, tmp_path):
    """Agency A with a little of everything the measured pages show."""
    world = in_a
    flow = Flow(world)
    units = [Unit.objects.create(code=f"P{n}", name=f"Phòng {n}") for n in range(2)]
    units[0].members.add(world.member_a, world.reader_a)
    issued = [flow.issued(code=f"QT.NS.{n:02d}", title=f"Quy trình {n}") for n in range(3)]
    for document in issued:
        distribution.revision_distribute(
            actor=world.owner_a, revision=document.current_revision, units=units[:1]
        )
    main = issued[0]
    draft = flow.revise(main)
    revision_file_add(actor=world.member_a, revision=draft, upload=upload("b.pdf", pdf_bytes()))
    svc.revision_submit(actor=world.member_a, revision=draft)
    svc.revision_send_back(actor=world.owner_a, revision=draft, comment="Sửa bước 2")
    svc.revision_submit(actor=world.member_a, revision=draft)
    svc.change_request_create(
        actor=world.member_a,
        document=issued[1],
        reason="Cập nhật biểu mẫu",
        proposal="Thêm cột",
    )
    nc_create(
        actor=world.owner_a,
        source=NcSource.SELF,
        title="Hồ sơ thiếu chữ ký",
        owner=world.member_a,
    )
    return world, Document.objects.get(pk=main.pk)


def _token(world, user) -> str:
    return api_token_create(user=user, name="budget")[1]


def _api(world, token) -> Client:
    return Client(HTTP_HOST=world.agency_a.host, HTTP_AUTHORIZATION=f"Bearer {token}")


def _more(world, n: int = 4) -> None:
    """More rows of the same kinds: budgets hold whatever the number of rows."""
    flow = Flow(world)
    for index in range(n):
        document = flow.issued(code=f"QT.TH.{index:02d}", title=f"Thêm {index}")
        distribution.revision_distribute(
            actor=world.owner_a, revision=document.current_revision, users=[world.member_a]
        )
        nc_create(
            actor=world.owner_a,
            source=NcSource.SELF,
            title=f"Thêm {index}",
            owner=world.member_a,
        )


def test_the_dashboard_stays_within_its_budget(rich, client_for, django_assert_max_num_queries):
    world, _document = rich
    member = client_for(world.agency_a, world.member_a)
    with django_assert_max_num_queries(DASHBOARD):
        page = member.get("/")
    assert page.status_code == 200 and "QT.NS.00" in page.content.decode()
    _more(world)
    with django_assert_max_num_queries(DASHBOARD):
        assert member.get("/").status_code == 200


def test_the_administrators_dashboard_with_the_checklist_stays_within_its_budget(
    rich, client_for, django_assert_max_num_queries
):
    world, _document = rich
    owner = client_for(world.agency_a, world.owner_a)
    # An agency's first administrator visit makes its checklist row and the province's
    # progress row; whether an earlier test already did must not change the count.
    owner.get("/")
    with django_assert_max_num_queries(DASHBOARD_ADMIN_LIVE):
        page = owner.get("/")
    assert "Các bước khởi đầu của cơ quan" in page.content.decode()


def test_the_document_page_stays_within_its_budget(rich, client_for, django_assert_max_num_queries):
    world, document = rich
    for person in (world.owner_a, world.member_a, world.leader_a):
        browser = client_for(world.agency_a, person)
        browser.get("/documents/")  # signed in, the session's activity stamp written
        with django_assert_max_num_queries(DOCUMENT_PAGE):
            page = browser.get(f"/documents/{document.pk}/")
        body = page.content.decode()
        assert page.status_code == 200 and "QT.NS.00" in body and "b.pdf" in body
    flow = Flow(world)
    for index in range(3):  # more revisions, readers and trail
        draft = flow.revise(document, proposal=f"Lần {index}") if index else None
        if draft is None:
            svc.revision_cancel(
                actor=world.owner_a,
                revision=Document.objects.get(pk=document.pk).latest_revision,
                reason="Làm lại",
            )
            continue
        flow.issue(draft)
    owner = client_for(world.agency_a, world.owner_a)
    owner.get("/documents/")
    with django_assert_max_num_queries(DOCUMENT_PAGE):
        assert owner.get(f"/documents/{document.pk}/").status_code == 200


def test_my_work_stays_within_its_budget(rich, django_assert_max_num_queries):
    world, _document = rich
    for person in (world.member_a, world.owner_a):
        api = _api(world, _token(world, person))
        with django_assert_max_num_queries(MY_WORK_API):
            response = api.get("/api/v1/my-work/")
        assert response.status_code == 200
    member = _api(world, _token(world, world.member_a))
    assert {item["kind"] for item in member.get("/api/v1/my-work/").json()} >= {
        "document_read",
        "nonconformity",
    }
    _more(world)
    member = _api(world, _token(world, world.member_a))  # a first use again: always written
    with django_assert_max_num_queries(MY_WORK_API):
        assert len(member.get("/api/v1/my-work/").json()) >= 8


def test_the_inbox_costs_the_same_in_every_month(in_a):
    """In December a missing annual report is due: it must not cost one more query then."""
    import datetime as dt

    from quality.core.inbox import inbox_for
    from quality.reviews.models import AnnualReport

    AnnualReport.objects.filter(year=2026).delete()
    inbox_for(in_a.owner_a, today=dt.date(2026, 1, 6))  # the user's rights, settings: loaded
    counts, due = {}, {}
    for month in (6, 12):
        with CaptureQueriesContext(connection) as queries:
            items = inbox_for(in_a.owner_a, today=dt.date(2026, month, 6))
        counts[month] = len(queries)
        due[month] = [item.title for item in items if item.kind == "annual_report"]
    assert due == {6: [], 12: ["Báo cáo tình hình áp dụng ISO năm 2026 chưa gửi"]}
    assert counts[6] == counts[12]


def test_the_documents_list_stays_within_its_budget(rich, django_assert_max_num_queries):
    world, _document = rich
    api = _api(world, _token(world, world.member_a))
    with django_assert_max_num_queries(DOCUMENTS_API):
        response = api.get("/api/v1/documents/?limit=20")
    assert response.status_code == 200 and len(response.json()["results"]) == 20
    before = response.json()["count"]
    _more(world)
    with django_assert_max_num_queries(DOCUMENTS_API):
        assert api.get("/api/v1/documents/?limit=20").json()["count"] == before + 4


# --------------------------------------------------------------------------- outside a transaction


class _Row:
    def __init__(self, name):
        self.name = name


def test_the_routing_memo_hands_out_copies_and_forgets_everything_on_a_change():
    from tenants import host_cache

    host_cache.clear()
    loads = []

    def load(host):
        loads.append(host)
        return _Row(host)

    first = host_cache.lookup("a.example.test", load)
    first.name = "changed by a view"
    second = host_cache.lookup("a.example.test", load)
    assert loads == ["a.example.test"] and second.name == "a.example.test"
    host_cache.lookup("b.example.test", load)
    host_cache._changed(sender=Agency)  # what a save or delete of an Agency or Domain sends
    host_cache.lookup("a.example.test", load)
    assert loads == ["a.example.test", "b.example.test", "a.example.test"]
    host_cache.clear()


def test_the_routing_memo_is_not_used_inside_a_transaction(db):
    from tenants import host_cache

    loads = []
    for _ in range(2):
        host_cache.lookup("a.example.test", lambda host: loads.append(host) or _Row(host))
    assert loads == ["a.example.test", "a.example.test"]


def test_the_routing_memo_saves_a_query_and_forgets_a_suspended_agency_at_once(committed):
    agency = committed.agency_a
    browser = Client(HTTP_HOST=agency.host)
    assert browser.get("/accounts/login/").status_code == 200  # the memo is filled
    with CaptureQueriesContext(connection) as seen:
        assert browser.get("/accounts/login/").status_code == 200
    assert not [q for q in seen.captured_queries if "tenants_domain" in q["sql"]]
    try:
        suspended = Agency.objects.get(pk=agency.pk)
        suspended.status = AgencyStatus.SUSPENDED
        suspended.save(update_fields=["status"])
        assert browser.get("/accounts/login/").status_code == 403
    finally:
        restored = Agency.objects.get(pk=agency.pk)
        restored.status = AgencyStatus.ACTIVE
        restored.save(update_fields=["status"])
    assert browser.get("/accounts/login/").status_code == 200


def test_the_dashboard_keeps_the_checklist_figures_for_a_while(committed):
    """No one signs in here: a committed sign-in would stay in agency A's audit trail."""
    from onboarding.services.checklist import BAR_CACHE_KEY, checklist_bar, checklist_refresh

    world = committed
    mirror = list(AgencyOnboarding.objects.filter(agency=world.agency_a).values())
    try:
        with schema_context(world.agency_a.schema_name):
            cache.delete(BAR_CACHE_KEY)
            with CaptureQueriesContext(connection) as first:
                computed = checklist_bar()
            with CaptureQueriesContext(connection) as second:
                kept = checklist_bar()
            assert computed is not None and kept == computed
            assert len(second) == 1 < len(first) - 8, (len(first), len(second))
            cache.set(BAR_CACHE_KEY, (computed.done + 1, computed.total), 30)  # a step done
            assert checklist_bar().done == computed.done + 1
            checklist_refresh()  # the checklist page, a write of the checklist, the hourly task
            assert checklist_bar() == computed
    finally:
        with schema_context(world.agency_a.schema_name):
            cache.delete(BAR_CACHE_KEY)
        AgencyOnboarding.objects.filter(agency=world.agency_a).delete()
        AgencyOnboarding.objects.bulk_create([AgencyOnboarding(**row) for row in mirror])
