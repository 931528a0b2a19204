"""Province trust list and signing configuration edits (provincial administrators only)."""

from __future__ import annotations

import hashlib

from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import outbound
from iso_platform.audit import platform_record
from iso_platform.signing.models import SigningConfiguration, TrustAnchor

MAX_CERTIFICATE_BYTES = 64 * 1024
MSG_NOT_CERTIFICATE = gettext_noop(
    "Tệp tải lên không phải chứng thư số X.509 (định dạng .cer, .crt, .pem hoặc .der)."
)
MSG_NOT_CA = gettext_noop(
    "Chứng thư số này không phải của tổ chức chứng thực (CA): thiếu quyền cấp chứng thư "
    "(basicConstraints CA, keyCertSign)."
)
MSG_EXPIRED = gettext_noop("Chứng thư số của tổ chức chứng thực đã hết hạn ngày %(date)s.")
MSG_DUPLICATE = gettext_noop("Chứng thư số này đã có trong danh sách tin cậy (“%(subject)s”).")
MSG_TOO_BIG = gettext_noop("Tệp chứng thư số quá lớn (tối đa 64 KB).")


def _require(actor) -> None:
    if not (actor and actor.is_authenticated and getattr(actor, "is_province_admin", False)):
        raise PermissionDenied("province_admin")


def certificate_parse(data: bytes) -> crypto_x509.Certificate:
    """One certificate, PEM or DER, that is a CA certificate still valid; else a
    ValidationError on the field `certificate`."""
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValidationError({"certificate": _(MSG_TOO_BIG)}, code="too_big")
    try:
        if b"-----BEGIN" in data:
            cert = crypto_x509.load_pem_x509_certificate(data)
        else:
            cert = crypto_x509.load_der_x509_certificate(data)
        constraints = cert.extensions.get_extension_for_class(crypto_x509.BasicConstraints)
    except crypto_x509.ExtensionNotFound:
        raise ValidationError({"certificate": _(MSG_NOT_CA)}, code="not_ca") from None
    except ValueError:
        raise ValidationError({"certificate": _(MSG_NOT_CERTIFICATE)}, code="invalid") from None
    if not constraints.value.ca or not _may_sign_certificates(cert):
        raise ValidationError({"certificate": _(MSG_NOT_CA)}, code="not_ca")
    if cert.not_valid_after_utc < timezone.now():
        date = timezone.localtime(cert.not_valid_after_utc).strftime("%d/%m/%Y")
        raise ValidationError({"certificate": _(MSG_EXPIRED) % {"date": date}}, code="expired")
    return cert


def _may_sign_certificates(cert: crypto_x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(crypto_x509.KeyUsage).value
    except crypto_x509.ExtensionNotFound:
        return True
    return usage.key_cert_sign


@transaction.atomic
def trust_anchor_add(*, actor, data: bytes, note: str = "", request=None) -> TrustAnchor:
    _require(actor)
    cert = certificate_parse(data)
    der = cert.public_bytes(Encoding.DER)
    fingerprint = hashlib.sha256(der).hexdigest()
    existing = TrustAnchor.objects.filter(fingerprint=fingerprint).first()
    if existing is not None:
        raise ValidationError(
            {"certificate": _(MSG_DUPLICATE) % {"subject": existing.subject}}, code="duplicate"
        )
    anchor = TrustAnchor.objects.create(
        der=der,
        subject=cert.subject.rfc4514_string()[:1000],
        fingerprint=fingerprint,
        valid_from=cert.not_valid_before_utc,
        valid_to=cert.not_valid_after_utc,
        note=note.strip(),
        added_by=actor,
    )
    platform_record(
        action="trust_anchor_add",
        subject_type="trust_anchor",
        subject_id=str(anchor.pk),
        subject_label=anchor.subject[:200],
        actor=actor,
        changes={"fingerprint": fingerprint, "note": anchor.note},
        request=request,
    )
    return anchor


@transaction.atomic
def trust_anchor_set_active(*, actor, anchor: TrustAnchor, active: bool, request=None) -> None:
    _require(actor)
    anchor = TrustAnchor.objects.select_for_update().get(pk=anchor.pk)
    if anchor.is_active == active:
        return
    anchor.is_active = active
    anchor.save(update_fields=["is_active"])
    platform_record(
        action="trust_anchor_activate" if active else "trust_anchor_deactivate",
        subject_type="trust_anchor",
        subject_id=str(anchor.pk),
        subject_label=anchor.subject[:200],
        actor=actor,
        changes={"fingerprint": anchor.fingerprint},
        request=request,
    )


def _checked_url(field: str, url: str) -> str:
    url = (url or "").strip()
    if url:
        try:
            outbound.url_check(url)
        except outbound.OutboundRefused as exc:
            raise ValidationError({field: exc.message}, code="refused") from None
    return url


@transaction.atomic
def signing_configuration_update(
    *, actor, timestamp_url: str, remote_service_url: str, remote_service_name: str, request=None
) -> SigningConfiguration:
    _require(actor)
    values = {
        "timestamp_url": _checked_url("timestamp_url", timestamp_url),
        "remote_service_url": _checked_url("remote_service_url", remote_service_url).rstrip("/"),
        "remote_service_name": (remote_service_name or "").strip(),
    }
    config = SigningConfiguration.objects.select_for_update().filter(pk=1).first()
    config = config or SigningConfiguration(pk=1)
    before = {name: getattr(config, name) for name in values}
    for name, value in values.items():
        setattr(config, name, value)
    config.updated_by, config.updated_at = actor, timezone.now()
    config.full_clean()
    config.save()
    platform_record(
        action="signing_configuration_update",
        subject_type="signing_configuration",
        subject_id="1",
        actor=actor,
        changes={k: [before[k], v] for k, v in values.items() if before[k] != v},
        request=request,
    )
    return config
