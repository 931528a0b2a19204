"""The demo seed is idempotent and refuses to run outside DEBUG."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User
from iso_platform.console import demo
from tenants.models import Agency, Domain


def _seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_db(world, settings):
    settings.DEBUG = True


def test_seed_creates_the_demo_province_then_does_nothing(demo_db):
    first = _seed()
    assert "created Sở Khoa học và Công nghệ" in first
    codes = {code for code, *_rest in demo.AGENCIES}
    assert codes <= set(Agency.objects.values_list("code", flat=True))
    with schema_context("ag_sokhcn"):
        leader = User.objects.get(email="lanhdao@sokhcn.test")
        assert leader.check_password(demo.DEMO_PASSWORD)
    counts = (Agency.objects.count(), Domain.objects.count(), User.objects.count())

    second = _seed()

    assert second.strip() == "demo data already present"
    assert (Agency.objects.count(), Domain.objects.count(), User.objects.count()) == counts


def test_seed_keeps_a_changed_password_unless_asked(demo_db):
    _seed()
    with schema_context("ag_sotp"):
        user = User.objects.get(email="thuky@sotp.test")
        user.set_password("doi-mat-khau-khac-2026")
        user.save()
    _seed()
    with schema_context("ag_sotp"):
        assert User.objects.get(email="thuky@sotp.test").check_password("doi-mat-khau-khac-2026")
    _seed(reset_passwords=True)
    with schema_context("ag_sotp"):
        assert User.objects.get(email="thuky@sotp.test").check_password(demo.DEMO_PASSWORD)


def test_seed_refuses_without_debug(world, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused with DEBUG off"):
        _seed()
    assert not Agency.objects.filter(code="sokhcn").exists()
