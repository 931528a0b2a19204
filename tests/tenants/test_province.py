"""The province's own row: on a new installation the console on BASE_DOMAIN answers once the
deployment's migration command ran (before, only the demo seed made the row, and the
console of a real province was a 404)."""

import io

from django.core.management import call_command
from django.test import override_settings

from tenants.models import Agency, AgencyKind, Domain
from tenants.services.province import province_ensure


def _new_installation():
    """The public schema migrated, no row for it yet (what `migrate` alone leaves)."""
    Domain.objects.filter(tenant__schema_name="public").delete()
    Agency.objects.filter(schema_name="public").delete()


def test_the_migration_command_makes_the_province_console_answer(world, client_for, settings):
    _new_installation()
    assert client_for(settings.BASE_DOMAIN).get("/accounts/login/").status_code == 404

    out = io.StringIO()
    call_command("migrate_fleet", include_public=True, stdout=out)

    assert f"the province console answers at {settings.BASE_DOMAIN}" in out.getvalue()
    province = Agency.objects.get(schema_name="public")
    assert (province.code, province.kind) == ("public", AgencyKind.PROVINCE)
    assert list(province.domains.values_list("domain", flat=True)) == [settings.BASE_DOMAIN]
    assert client_for(settings.BASE_DOMAIN).get("/accounts/login/").status_code == 200


def test_the_province_is_named_from_the_settings_and_made_once(world, settings):
    _new_installation()
    settings.PROVINCE_NAME = "An Giang"

    province, created = province_ensure()
    again, created_again = province_ensure()

    assert (created, created_again) == (True, False)
    assert again.pk == province.pk and province.name == "Tỉnh An Giang"
    assert Domain.objects.filter(tenant=province).count() == 1


def test_a_new_base_domain_moves_the_console(world, client_for):
    with override_settings(BASE_DOMAIN="iso.tinh-moi.test", ALLOWED_HOSTS=[".tinh-moi.test"]):
        province, created = province_ensure()
        assert not created
        assert list(province.domains.values_list("domain", flat=True)) == ["iso.tinh-moi.test"]
        assert client_for("iso.tinh-moi.test").get("/accounts/login/").status_code == 200
