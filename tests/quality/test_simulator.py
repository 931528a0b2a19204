"""The one-stop-shop simulator drives the real API; its duplicates change nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from eiso.testing.procedures import make_procedure
from integrations.models import InboxEvent
from quality.procedures.models import Application, HandOff


def _simulate(**options):
    out = io.StringIO()
    call_command("simulate_one_stop_shop", stdout=out, **options)
    return out.getvalue()


def test_simulated_streams_become_applications_with_due_dates_and_sheets(world, eager):
    with schema_context("ag_alpha"):
        make_procedure(world.owner_a)
    before = connection.schema_name
    output = _simulate(agency="alpha", applications=40, days=60, seed=3)
    assert "40 applications" in output and "rejected" in output
    # Its in-process requests leave the caller on its own schema, not on the agency's.
    assert connection.schema_name == before
    with schema_context("ag_alpha"):
        apps = Application.objects.all()
        assert apps.count() == 40
        assert all(a.due_at > a.received_at for a in apps)
        assert HandOff.objects.filter(application__in=apps).count() >= 40 * 2
        assert not InboxEvent.objects.filter(status__in=["rejected", "failed"]).exists()
        accepted = InboxEvent.objects.count()
        snapshot = {a.code: (a.status, a.due_at, a.timeliness) for a in apps}
    again = _simulate(agency="alpha", applications=40, days=60, seed=3)
    assert " 0 accepted" in again  # the same stream again: all duplicates
    with schema_context("ag_alpha"):
        assert InboxEvent.objects.count() == accepted
        assert {
            a.code: (a.status, a.due_at, a.timeliness) for a in Application.objects.all()
        } == snapshot


def test_the_simulator_needs_a_catalogue(world):
    with pytest.raises(CommandError, match="catalogue"):
        _simulate(agency="beta", applications=5)
    with pytest.raises(CommandError, match="no agency"):
        _simulate(agency="khongco", applications=5)
