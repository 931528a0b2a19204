"""The province trust list and signing configuration: console page, checks, audit, and
agencies reading them from their own schema."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from iso_platform.signing import signing_configuration, trust_roots
from iso_platform.signing.models import SigningConfiguration, TrustAnchor
from tenants.models import PlatformAuditEvent


@pytest.fixture
def admin(world, client_for):
    return client_for("localhost", world.province_admin)


def upload(admin, data: bytes, name="ca.cer", note=""):
    return admin.post(
        "/signing/anchors/", {"certificate": SimpleUploadedFile(name, data), "note": note}
    )


def audit_actions():
    rows = PlatformAuditEvent.objects.order_by("-pk").values_list("action", flat=True)
    return list(rows[:5])


def test_the_administrator_uploads_a_root_and_agencies_then_trust_it(world, admin, signing_pki):
    response = upload(admin, signing_pki.pem("root"), note="CA gốc thử nghiệm")
    assert response.status_code == 302
    anchor = TrustAnchor.objects.get()
    assert "eISO Test Root CA" in anchor.subject and anchor.added_by == world.province_admin
    assert anchor.note == "CA gốc thử nghiệm" and anchor.is_active
    assert "trust_anchor_add" in audit_actions()
    # An agency's own code reads the public table from inside its schema.
    with schema_context(world.agency_a.schema_name):
        assert [c.dump() for c in trust_roots()] == [signing_pki.root.dump()]
    page = admin.get("/signing/").content.decode()
    assert "eISO Test Root CA" in page and "Đang tin cậy" in page


def test_a_der_file_is_accepted_as_well(world, admin, signing_pki):
    assert upload(admin, signing_pki.cert("interm").dump(), name="interm.der").status_code == 302


@pytest.mark.parametrize(
    "label,message",
    [
        ("garbage", "không phải chứng thư số X.509"),
        ("signer", "không phải của tổ chức chứng thực (CA)"),
    ],
)
def test_bad_uploads_are_vietnamese_form_errors(world, admin, signing_pki, label, message):
    data = b"-----BEGIN CERTIFICATE-----\nabc\n" if label == "garbage" else signing_pki.pem(label)
    response = upload(admin, data)
    assert response.status_code == 400
    assert message in response.context["anchor_form"].errors["certificate"][0]
    assert not TrustAnchor.objects.exists()


def test_a_duplicate_is_refused(world, admin, signing_pki):
    upload(admin, signing_pki.pem("root"))
    response = upload(admin, signing_pki.cert("root").dump(), name="again.der")
    assert response.status_code == 400
    assert (
        "đã có trong danh sách tin cậy" in response.context["anchor_form"].errors["certificate"][0]
    )
    assert TrustAnchor.objects.count() == 1


def test_a_deactivated_anchor_is_no_longer_trusted(world, admin, signing_pki):
    upload(admin, signing_pki.pem("root"))
    anchor = TrustAnchor.objects.get()
    assert admin.post(f"/signing/anchors/{anchor.pk}/deactivate/").status_code == 302
    assert trust_roots() == [] and "trust_anchor_deactivate" in audit_actions()
    admin.post(f"/signing/anchors/{anchor.pk}/activate/")
    assert len(trust_roots()) == 1


def test_the_configuration_urls_follow_the_outbound_rules(world, admin, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ("tsa.angiang.gov.vn", "ky.angiang.gov.vn")
    refused = admin.post(
        "/signing/configuration/",
        {
            "timestamp_url": "http://10.0.0.5/tsa",
            "remote_service_url": "",
            "remote_service_name": "",
        },
    )
    assert refused.status_code == 400
    assert "mạng nội bộ" in refused.context["config_form"].errors["timestamp_url"][0]
    assert not SigningConfiguration.objects.exists()
    bad = admin.post("/signing/configuration/", {"timestamp_url": "ftp://tsa.vn/x"})
    assert "http:// hoặc https://" in bad.context["config_form"].errors["timestamp_url"][0]


def test_the_configuration_is_saved_audited_and_read_from_an_agency(world, admin, monkeypatch):
    from iso_platform import outbound

    # Name resolution is outside the project: these names resolve to a public address.
    monkeypatch.setattr(outbound, "_resolve", lambda host, port: ["203.0.113.10"])
    monkeypatch.setattr(outbound, "is_public_address", lambda address: True)
    response = admin.post(
        "/signing/configuration/",
        {
            "timestamp_url": "https://tsa.angiang.gov.vn/tsa",
            "remote_service_url": "https://ky.angiang.gov.vn/",
            "remote_service_name": "Cổng ký số tỉnh An Giang",
        },
    )
    assert response.status_code == 302
    assert "signing_configuration_update" in audit_actions()
    with schema_context(world.agency_b.schema_name):
        config = signing_configuration()
    assert config.timestamp_url == "https://tsa.angiang.gov.vn/tsa"
    assert config.remote_service_url == "https://ky.angiang.gov.vn"
    assert config.remote_service_name == "Cổng ký số tỉnh An Giang"


def test_agency_users_and_province_analysts_cannot_change_the_trust_list(
    world, client_for, signing_pki
):
    agency_admin = client_for(world.agency_a, world.owner_a)
    assert agency_admin.get("/signing/").status_code == 404  # not a route of agency sites
    analyst = client_for("localhost", world.analyst)
    assert analyst.get("/signing/").status_code == 200
    assert upload(analyst, signing_pki.pem("root")).status_code == 403
    assert analyst.post("/signing/configuration/", {"timestamp_url": ""}).status_code == 403
    assert not TrustAnchor.objects.exists()
    anonymous = client_for("localhost")
    assert anonymous.get("/signing/").status_code in (302, 403)


def test_reading_the_configuration_before_it_is_set_writes_nothing(world):
    with schema_context(world.agency_a.schema_name):
        assert signing_configuration().timestamp_url == ""
    assert not SigningConfiguration.objects.exists()
