"""Management commands: provision_agency, pool_refill, create_api_token."""

import io

import pytest
from django.core.management import CommandError, call_command

from tenants.models import Agency
from tenants.services import pool


def _call(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_provision_agency_prints_the_url_and_an_invitation_link(world):
    pool.spare_build()
    out = _call(
        "provision_agency",
        code="sotp",
        name="Sở Tư pháp",
        kind="provincial_department",
        admin_email="thuky@sotp.test",
        admin_name="Bảo",
        method="pool",
    )
    assert "Sở Tư pháp is ready at http://sotp.localhost/ (pool," in out
    assert "invitation for thuky@sotp.test: http://sotp.localhost/accounts/set-password/" in out
    assert Agency.objects.filter(code="sotp").exists()


def test_provision_agency_reports_bad_input_as_a_command_error(world):
    with pytest.raises(CommandError, match="đã được dùng"):
        _call(
            "provision_agency",
            code="alpha",
            name="X",
            kind="other",
            admin_email="x@x.test",
            admin_name="X",
        )


def test_pool_refill_command(world):
    assert "built 2 spare schema(s); pool now holds 2" in _call("pool_refill", size=2)


def test_create_api_token_prints_a_token_once(world):
    out = _call("create_api_token", email=world.province_admin.email, name="script")
    assert out.strip().startswith("eiso_")
    with pytest.raises(CommandError, match="No user"):
        _call("create_api_token", email="khongco@tinh.test")
