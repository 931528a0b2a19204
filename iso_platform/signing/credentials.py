"""Province console users' own signing keys (`ProvinceCredential`, public schema): keeping
a PKCS#12 file, replacing it, deactivating it, and opening it to sign.

The file is opened once with the password its owner types (the library refuses a wrong
password, a file that is not PKCS#12, an expired certificate or one not issued for
signing, in Vietnamese); only then is it stored, encrypted. The password is never kept.
"""

from __future__ import annotations

from asn1crypto import pem
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.audit import platform_record
from iso_platform.signing.errors import SigningError
from iso_platform.signing.keys import pkcs12_decrypt, pkcs12_encrypt, pkcs12_signer
from iso_platform.signing.models import ProvinceCredential

MAX_PKCS12_BYTES = 64 * 1024
MSG_TOO_BIG = gettext_noop("Tệp chứng thư số quá lớn (tối đa 64 KB).")
MSG_NOT_YOURS = gettext_noop("Chứng thư số này không phải của bạn.")


def certificate_fields(cert) -> dict:
    """What a credential keeps of its certificate (an asn1crypto certificate), shown on the
    pages and written into the signed document's list of signers."""
    subject = cert.subject.native
    return {
        "certificate_pem": pem.armor("CERTIFICATE", cert.dump()).decode("ascii"),
        "subject_name": subject.get("common_name", "")[:300],
        "title": subject.get("title", "")[:200],
        "organisation": subject.get("organization_name", "")[:300],
        "serial": format(cert.serial_number, "X")[:80],
        "valid_from": cert.not_valid_before,
        "valid_until": cert.not_valid_after,
    }


def _require(actor) -> None:
    if not (actor and actor.is_authenticated and getattr(actor, "is_province_user", False)):
        raise PermissionDenied("province_user")


def province_credential(user) -> ProvinceCredential | None:
    """The person's active credential, if any."""
    if not (user and user.is_authenticated):
        return None
    return ProvinceCredential.objects.filter(owner=user, is_active=True).first()


def _deactivate(credential: ProvinceCredential) -> None:
    credential.is_active, credential.deactivated_at = False, timezone.now()
    # The key material goes with it: a deactivated credential can never sign again.
    credential.pkcs12_encrypted = b""
    credential.save(update_fields=["is_active", "deactivated_at", "pkcs12_encrypted"])


def province_credential_upload(
    *, actor, data: bytes, password: str, request=None
) -> ProvinceCredential:
    """Keep a PKCS#12 file (encrypted) for `actor`, replacing the active one, after opening
    it with its password, which is not kept."""
    _require(actor)
    if len(data) > MAX_PKCS12_BYTES:
        raise ValidationError({"file": _(MSG_TOO_BIG)}, code="too_big")
    try:
        cert = pkcs12_signer(data, password).signing_cert
        encrypted = pkcs12_encrypt(data)
    except SigningError as exc:
        raise ValidationError({"file": str(exc)}, code=exc.code) from None
    with transaction.atomic():
        replaced = list(
            ProvinceCredential.objects.select_for_update().filter(owner=actor, is_active=True)
        )
        for old in replaced:
            _deactivate(old)
        credential = ProvinceCredential.objects.create(
            owner=actor, pkcs12_encrypted=encrypted, **certificate_fields(cert)
        )
        platform_record(
            action="province_credential_add",
            subject_type="province_credential",
            subject_id=str(credential.pk),
            subject_label=credential.subject_name,
            actor=actor,
            changes={"serial": credential.serial, "replaces": [c.serial for c in replaced]},
            request=request,
        )
    return credential


@transaction.atomic
def province_credential_deactivate(
    *, actor, credential: ProvinceCredential, request=None
) -> ProvinceCredential:
    _require(actor)
    credential = ProvinceCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.owner_id != actor.pk:
        raise PermissionDenied(_(MSG_NOT_YOURS))
    if credential.is_active:
        _deactivate(credential)
        platform_record(
            action="province_credential_deactivate",
            subject_type="province_credential",
            subject_id=str(credential.pk),
            subject_label=credential.subject_name,
            actor=actor,
            changes={"serial": credential.serial},
            request=request,
        )
    return credential


def province_signer(credential: ProvinceCredential, password: str):
    """The pyHanko signer of `credential`, opened with the password typed now. Raises
    SigningError (wrong password `pkcs12_password`, expired certificate, a file no key opens
    any more `keys_stale`...)."""
    return pkcs12_signer(pkcs12_decrypt(bytes(credential.pkcs12_encrypted)), password)
