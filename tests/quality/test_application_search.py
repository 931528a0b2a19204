"""Searching applications by any part of their code (the list's "Mã hồ sơ" box)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction
from django_tenants.utils import schema_context

from eiso.testing.procedures import event, make_procedure
from integrations.services.apply import inbox_apply_pending
from integrations.services.ingest import events_ingest
from quality.procedures import selectors
from quality.procedures.models import Application

RECEIVED = dict(procedure_code="1.000001")
CODES_A = [
    "000.00.12.H55-20261116-000023",
    "000.00.12.H55-20261116-000206",
    "000.00.12.H55-20261117-001002",
    "ab-77",
]
CODE_B = "000.00.99.H01-20261116-000206"


def _receive(agency, owner, codes):
    with schema_context(agency.schema_name):
        make_procedure(owner)
        events_ingest(
            items=[
                event(f"r{n}", "received", "2026-11-16 09:15", app=code, **RECEIVED)
                for n, code in enumerate(codes)
            ],
            key=None,
        )
        inbox_apply_pending()


@pytest.fixture
def data(world, eager):
    _receive(world.agency_a, world.owner_a, CODES_A)
    _receive(world.agency_b, world.user_b, [CODE_B])
    return world


@pytest.fixture
def secretary(data, client_for):
    return client_for(data.agency_a, data.owner_a)


def codes(client, q):
    page = client.get("/procedures/applications/", {"q": q})
    assert page.status_code == 200
    return sorted(a.code for a in page.context["applications"])


def test_it_finds_a_term_in_the_middle_or_at_the_end_of_the_code(secretary):
    assert codes(secretary, "000206") == ["000.00.12.H55-20261116-000206"]
    assert codes(secretary, "20261116-000023") == ["000.00.12.H55-20261116-000023"]
    assert codes(secretary, "20261116") == CODES_A[:2]


def test_it_ignores_case_and_surrounding_spaces(secretary):
    assert codes(secretary, " h55-2026111 ") == CODES_A[:3]
    assert codes(secretary, "AB-7") == ["ab-77"]


def test_it_needs_the_whole_term_not_just_its_trigrams(secretary):
    # "00.", "0.0", ".00" and "000" are in every code of the agency, "00.000" in none
    assert codes(secretary, "00.000") == []
    assert codes(secretary, "6-00002") == [CODES_A[0]]


def test_terms_under_three_characters_match_the_start_of_the_code(secretary):
    assert codes(secretary, "Ab") == ["ab-77"]
    assert codes(secretary, "00") == CODES_A[:3]
    assert codes(secretary, "77") == []


def test_a_term_with_like_wildcards_is_taken_literally(secretary):
    assert codes(secretary, "000_206") == []
    assert codes(secretary, "H55%0002") == []


def test_it_never_shows_another_agencys_applications(data, secretary, client_for):
    assert codes(secretary, "H01-2026") == []
    other = client_for(data.agency_b, data.user_b)
    assert codes(other, "000206") == [CODE_B]
    assert codes(other, "H55") == []


def test_the_search_uses_the_trigram_index(data):
    """Sequential and plain index scans off: the only plan left that filters on the term is
    a bitmap scan of an index that matches the search expression."""
    with schema_context(data.agency_a.schema_name), transaction.atomic():
        query = selectors.application_list(q="20261116-000206")
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SET LOCAL enable_indexscan = off")
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cur.fetchall())
    assert "Bitmap Index Scan on app_code_trigrams" in plan, plan


def test_the_migration_fills_the_trigrams_of_existing_applications(data, monkeypatch):
    migration = importlib.import_module(
        "quality.procedures.migrations.0004_application_code_trigrams"
    )
    monkeypatch.setattr(migration, "BATCH", 3)  # more than one batch for the four rows
    with schema_context(data.agency_a.schema_name):
        Application.objects.update(code_trigrams=[])  # as the column arrives
        assert not selectors.application_list(q="000206").exists()
        migration.fill(django_apps, None)
        assert [a.code for a in selectors.application_list(q="000206")] == [CODES_A[1]]
        assert Application.objects.filter(code_trigrams=[]).count() == 0


def test_a_broad_search_counts_up_to_a_cap_and_says_so(secretary, monkeypatch):
    """Counting every match of a broad term costs more than finding the page: beyond the cap
    the page says "hơn N" (narrowing the filter gives the exact figure)."""
    from iso_platform.paging import CappedPaginator

    page = secretary.get("/procedures/applications/", {"q": "h55"})
    assert page.context["total_label"] == "3"
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    page = secretary.get("/procedures/applications/", {"q": "h55"})
    assert page.context["total_label"] == "hơn 2"
    assert page.context["page"].paginator.num_pages == 1  # two rows per page of fifty
    assert len(page.context["applications"]) == 2
