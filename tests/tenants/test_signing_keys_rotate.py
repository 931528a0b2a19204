"""`manage.py signing_keys_rotate`: every stored signing secret (the province users' keys in
the public schema, the agencies' keys and remote-service tokens in their schemas) is
rewritten under the newest key of SIGNING_KEYS_SECRET, so that the old key can go."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from eiso.testing.pki import PKCS12_PASSWORD
from iso_platform.official import render_pdf_layout
from iso_platform.signing import (
    SignStep,
    pkcs12_decrypt,
    pkcs12_encrypt,
    pkcs12_signer,
    sign_pdf,
    verify_pdf,
)
from iso_platform.signing.credentials import province_credential_upload, province_signer
from iso_platform.signing.models import ProvinceCredential
from quality.core.signatures.models import SigningCredential
from quality.core.signatures.services import credential_pkcs12_upload
from tests.iso_platform.test_official import document

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _rotate(*args) -> str:
    out = io.StringIO()
    call_command("signing_keys_rotate", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stored(world, settings, signing_pki):
    """A province user's key, and in agency A a person's key and a remote token, all
    written under OLD."""
    settings.SIGNING_KEYS_SECRET = (OLD,)
    province = province_credential_upload(
        actor=world.province_admin, data=signing_pki.pkcs12("signer"), password=PKCS12_PASSWORD
    )
    with schema_context(world.agency_a.schema_name):
        agency = credential_pkcs12_upload(
            actor=world.leader_a, data=signing_pki.pkcs12("signer"), password=PKCS12_PASSWORD
        )
        SigningCredential.objects.filter(pk=agency.pk).update(
            remote_token_encrypted=pkcs12_encrypt(b"csc-access-token")
        )
    return province, agency


def _values(world, province, agency) -> list[bytes]:
    province_value = bytes(ProvinceCredential.objects.get(pk=province.pk).pkcs12_encrypted)
    with schema_context(world.agency_a.schema_name):
        row = SigningCredential.objects.get(pk=agency.pk)
        return [province_value, bytes(row.pkcs12_encrypted), bytes(row.remote_token_encrypted)]


def test_every_stored_key_is_rewritten_under_the_newest_and_still_signs(
    world, settings, signing_pki, stored
):
    province, agency = stored
    before = _values(world, province, agency)
    settings.SIGNING_KEYS_SECRET = (NEW, OLD)

    dry = _rotate("--dry-run")
    assert "public: 1 to rewrite, 0 already under the newest key, 0 unreadable" in dry
    assert f"{world.agency_a.schema_name}: 2 to rewrite, 0 already" in dry
    assert _values(world, province, agency) == before  # a dry run writes nothing

    done = _rotate()
    assert "public: 1 rewritten, 0 already under the newest key, 0 unreadable" in done
    assert f"{world.agency_a.schema_name}: 2 rewritten, 0 already" in done
    # idempotent: a second run finds everything under the newest key
    again = _rotate()
    assert "public: 0 rewritten, 1 already under the newest key" in again
    assert f"{world.agency_a.schema_name}: 0 rewritten, 2 already" in again

    # the old key can go: the new one alone opens everything, and the keys still sign
    settings.SIGNING_KEYS_SECRET = (NEW,)
    after = _values(world, province, agency)
    assert [Fernet(NEW).decrypt(v) for v in after] == [Fernet(OLD).decrypt(v) for v in before]
    layout = render_pdf_layout(document())
    with schema_context(world.agency_a.schema_name):
        row = SigningCredential.objects.get(pk=agency.pk)
        agency_signer = pkcs12_signer(pkcs12_decrypt(row.pkcs12_encrypted), PKCS12_PASSWORD)
    province.refresh_from_db()  # the rotated bytes, not the ones uploaded
    for key in (province_signer(province, PKCS12_PASSWORD), agency_signer):
        signed = sign_pdf(layout.content, [SignStep(key, "NguoiKy", layout.signature)])
        report = verify_pdf(signed.content, trust_roots=[signing_pki.root], allow_fetching=False)
        assert [s.intact for s in report.signatures] == [True]


def test_a_value_no_key_opens_is_reported_and_left_alone(world, settings, stored):
    province, agency = stored
    settings.SIGNING_KEYS_SECRET = (NEW,)  # OLD lost: nothing stored opens
    before = _values(world, province, agency)
    with pytest.raises(CommandError, match="3 stored value"):
        _rotate()
    assert _values(world, province, agency) == before
