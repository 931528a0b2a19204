"""Writes: keeping signing credentials (upload, replace, deactivate) and signing the
documents the agency issues (`official_sign`), each with its audit-trail row.

Credentials are checked by opening them once with the secret their owner types (the
library refuses a wrong password, a file that is not PKCS#12, an expired certificate or one
not issued for signing, in Vietnamese); only then is anything stored, encrypted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform.official import OfficialDocument, render_pdf_layout
from iso_platform.signing import (
    AGENCY,
    SigningError,
    SignStep,
    ValidationSetup,
    pkcs11_signer,
    pkcs12_decrypt,
    pkcs12_encrypt,
    pkcs12_signer,
    remote_signer,
    sign_pdf,
    signing_configuration,
    trust_roots,
)
from iso_platform.signing.credentials import certificate_fields
from quality.core.models import AgencySettings
from quality.core.official import outgoing_entry
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.core.signatures import images
from quality.core.signatures.models import CredentialKind, SignedDocument, SigningCredential
from quality.core.signatures.selectors import agency_credential, person_credential

MSG_SECRET_MISSING = gettext_noop(
    "Nhập mật khẩu tệp chứng thư số hoặc mã PIN của thiết bị ký số để ký văn bản."
)
MSG_AGENCY_SECRET_MISSING = gettext_noop(
    "Nhập mật khẩu (mã PIN) chứng thư số của cơ quan để ký số của cơ quan lên văn bản."
)
MSG_NO_CREDENTIAL = gettext_noop(
    "Cơ quan bắt buộc ký số khi ban hành: hãy đăng ký chữ ký số của bạn (mục “Chữ ký số của "
    "tôi”) trước khi ban hành văn bản."
)
MSG_MODULE_NOT_ALLOWED = gettext_noop(
    "Trình điều khiển thiết bị ký số không nằm trong danh sách được phép."
)
MSG_NO_REMOTE_SERVICE = gettext_noop("Tỉnh chưa cấu hình dịch vụ ký số từ xa.")
MSG_NOT_YOURS = gettext_noop("Chứng thư số này không phải của bạn.")

PERSON_FIELD, AGENCY_FIELD = "NguoiKy", "CoQuan"


@dataclass(frozen=True)
class SigningSecrets:
    """What the signer types at the moment of signing, never stored: the password of the
    PKCS#12 file or the PIN of the token or of the remote credential; `agency_secret` the
    same for the agency's certificate. Left out of `repr`: a traceback's local variables
    (Sentry, error e-mails) show objects by their repr."""

    secret: str = dataclasses.field(default="", repr=False)
    agency_secret: str = dataclasses.field(default="", repr=False)


class SignatureRefused(ValidationError):
    """The signature could not be made, so the action that needed it did not happen.
    `reason` is the code for the audit trail (a key of iso_platform.signing.errors.MESSAGES
    or one of this module's)."""

    def __init__(self, message: str, *, reason: str, actor, subject, field="signing_secret"):
        super().__init__({field: message}, code=reason)
        self.reason, self.actor, self.subject = reason, actor, subject


# ---------------------------------------------------------------------------- credentials


def _may_keep(actor, *, for_agency: bool) -> None:
    if for_agency and not can(actor, "signing.agency"):
        raise PermissionDenied("signing.agency")
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied("signing")


def _library(exc: SigningError, field: str) -> ValidationError:
    return ValidationError({field: str(exc)}, code=exc.code)


def _store(*, actor, for_agency: bool, cert, image: bytes | None, **fields) -> SigningCredential:
    """Deactivate the credential it replaces and keep the new one, in one transaction."""
    owner = None if for_agency else actor
    with transaction.atomic():
        replaced = list(
            SigningCredential.objects.select_for_update().filter(owner=owner, is_active=True)
        )
        for old in replaced:
            _deactivate(old)
        credential = SigningCredential.objects.create(
            owner=owner,
            created_by=actor,
            image=image or b"",
            **certificate_fields(cert),
            **fields,
        )
        audit_record(
            actor=actor,
            action="credential_add",
            subject=credential,
            changes={
                "kind": credential.kind,
                "agency": for_agency,
                "serial": credential.serial,
                "replaces": [c.serial for c in replaced],
            },
        )
    return credential


def credential_pkcs12_upload(
    *, actor, data: bytes, password: str, image: bytes | None = None, for_agency: bool = False
) -> SigningCredential:
    """Keep a PKCS#12 file (encrypted) after opening it with its password, which is not kept."""
    _may_keep(actor, for_agency=for_agency)
    image = images.image_check(image, field="image")
    try:
        signer = pkcs12_signer(data, password)
        encrypted = pkcs12_encrypt(data)
    except SigningError as exc:
        raise _library(exc, "file") from None
    return _store(
        actor=actor,
        for_agency=for_agency,
        cert=signer.signing_cert,
        image=image,
        kind=CredentialKind.PKCS12,
        pkcs12_encrypted=encrypted,
    )


def credential_token_register(
    *,
    actor,
    module_path: str,
    token_label: str,
    key_label: str,
    pin: str,
    image: bytes | None = None,
    for_agency: bool = False,
) -> SigningCredential:
    """Register a key on a PKCS#11 token: opened once with the PIN (not kept) to read and
    check its certificate."""
    from django.conf import settings

    _may_keep(actor, for_agency=for_agency)
    if module_path not in settings.SIGNING_PKCS11_MODULES:
        raise ValidationError({"module_path": _(MSG_MODULE_NOT_ALLOWED)}, code="module")
    image = images.image_check(image, field="image")
    try:
        with pkcs11_signer(module_path, token_label, pin, key_label=key_label or None) as signer:
            cert = signer.signing_cert
    except SigningError as exc:
        raise _library(exc, "pin") from None
    return _store(
        actor=actor,
        for_agency=for_agency,
        cert=cert,
        image=image,
        kind=CredentialKind.PKCS11,
        module_path=module_path,
        token_label=token_label,
        key_label=key_label,
    )


def credential_remote_register(
    *,
    actor,
    credential_id: str,
    access_token: str,
    image: bytes | None = None,
    for_agency: bool = False,
) -> SigningCredential:
    """Register a credential of the province's remote signing service (CSC). The access
    token is kept encrypted: it only lets eISO ask; every signature still needs the PIN the
    person types, which the service checks (SCAL 2) and eISO never keeps."""
    _may_keep(actor, for_agency=for_agency)
    service = signing_configuration().remote_service_url
    if not service:
        raise ValidationError(_(MSG_NO_REMOTE_SERVICE), code="no_service")
    image = images.image_check(image, field="image")
    try:
        cert = remote_signer(service, credential_id, access_token).signing_cert
        token = pkcs12_encrypt(access_token.encode())
    except SigningError as exc:
        raise _library(exc, "credential_id") from None
    return _store(
        actor=actor,
        for_agency=for_agency,
        cert=cert,
        image=image,
        kind=CredentialKind.REMOTE,
        remote_credential_id=credential_id,
        remote_token_encrypted=token,
    )


def _deactivate(credential: SigningCredential) -> None:
    credential.is_active, credential.deactivated_at = False, timezone.now()
    # The key material goes with it: a deactivated credential can never sign again.
    credential.pkcs12_encrypted = credential.remote_token_encrypted = b""
    credential.save(
        update_fields=["is_active", "deactivated_at", "pkcs12_encrypted", "remote_token_encrypted"]
    )


@transaction.atomic
def credential_deactivate(*, actor, credential: SigningCredential) -> SigningCredential:
    credential = SigningCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.is_agency:
        _may_keep(actor, for_agency=True)
    elif credential.owner_id != actor.pk:
        raise PermissionDenied(_(MSG_NOT_YOURS))
    if credential.is_active:
        _deactivate(credential)
        audit_record(
            actor=actor,
            action="credential_deactivate",
            subject=credential,
            changes={"serial": credential.serial, "agency": credential.is_agency},
        )
    return credential


# ---------------------------------------------------------------------------- signing


def _signer(stack: contextlib.ExitStack, credential: SigningCredential, secret: str):
    if credential.kind == CredentialKind.PKCS12:
        return pkcs12_signer(pkcs12_decrypt(credential.pkcs12_encrypted), secret)
    if credential.kind == CredentialKind.PKCS11:
        from django.conf import settings

        if credential.module_path not in settings.SIGNING_PKCS11_MODULES:
            raise SigningError("token_module", f"{credential.module_path} no longer allowed")
        return stack.enter_context(
            pkcs11_signer(
                credential.module_path,
                credential.token_label,
                secret,
                key_label=credential.key_label or None,
            )
        )
    token = pkcs12_decrypt(credential.remote_token_encrypted).decode()
    service = signing_configuration().remote_service_url
    if not service:
        raise SigningError("remote_failed", "no remote service configured")
    return remote_signer(service, credential.remote_credential_id, token, pin=secret)


def signing_needed(actor) -> bool:
    """Does an approval by `actor` sign (and so ask for the password)?"""
    return person_credential(actor) is not None or AgencySettings.load().signature_required


def seal_needed(actor) -> bool:
    """Does an approval by `actor` also put the agency's signature (and ask its secret)?"""
    return can(actor, "signing.agency") and agency_credential() is not None


def _steps(stack, actor, credentials, secrets, layout, reason, place) -> list[SignStep]:
    person, seal = credentials
    steps = [
        SignStep(
            _signer(stack, person, secrets.secret),
            PERSON_FIELD,
            layout.signature,
            image=bytes(person.image) or None,
            reason=reason,
            location=place,
        )
    ]
    if seal is not None:
        steps.append(
            SignStep(
                _signer(stack, seal, secrets.agency_secret),
                AGENCY_FIELD,
                layout.signature,
                kind=AGENCY,
                image=bytes(seal.image) or None,
                reason=reason,
                location=place,
            )
        )
    return steps


def _credentials(actor, subject, secrets: SigningSecrets):
    """(person, seal) that sign now; None when this approval is not signed."""
    person = person_credential(actor)
    if person is None:
        if AgencySettings.load().signature_required:
            raise SignatureRefused(
                _(MSG_NO_CREDENTIAL), reason="no_credential", actor=actor, subject=subject
            )
        return None
    if not secrets.secret:
        raise SignatureRefused(
            _(MSG_SECRET_MISSING), reason="secret_missing", actor=actor, subject=subject
        )
    seal = agency_credential() if can(actor, "signing.agency") else None
    if seal is not None and not secrets.agency_secret:
        raise SignatureRefused(
            _(MSG_AGENCY_SECRET_MISSING),
            reason="agency_secret_missing",
            actor=actor,
            subject=subject,
            field="agency_secret",
        )
    return person, seal


def official_sign(
    *,
    actor,
    subject,
    kind: str,
    document: OfficialDocument,
    reason: str,
    secrets: SigningSecrets | None,
) -> SignedDocument | None:
    """Sign the official PDF of `subject` (numbered as `kind`) by `actor`, then with the
    agency's certificate when `actor` may use it, and keep the signed copy. Call it inside
    the transaction that numbers the document, after numbering: a refusal
    (`SignatureRefused`) rolls the whole action back, number included. None when `actor`
    has no credential and the agency does not require signatures (the approval is unsigned,
    as before signatures)."""
    credentials = _credentials(actor, subject, secrets or SigningSecrets())
    if credentials is None:
        return None
    entry = outgoing_entry(subject=subject, kind=kind)
    layout = render_pdf_layout(document)
    config = signing_configuration()
    timestamp_url = config.timestamp_url or None
    validation = ValidationSetup(trust_roots=trust_roots()) if timestamp_url else None
    try:
        with contextlib.ExitStack() as stack:
            steps = _steps(
                stack, actor, credentials, secrets, layout, reason, document.issuer.place
            )
            signed = sign_pdf(
                layout.content, steps, timestamp_url=timestamp_url, validation=validation
            )
    except SigningError as exc:
        field = "signing_secret"
        raise SignatureRefused(
            str(exc), reason=exc.code, actor=actor, subject=subject, field=field
        ) from None
    return _keep(actor, subject, entry, credentials, signed)


def _signer_line(credential: SigningCredential, kind: str) -> dict:
    return {
        "kind": kind,
        "name": credential.subject_name,
        "title": credential.title,
        "organisation": credential.organisation,
        "serial": credential.serial,
        "credential": credential.pk,
        "source": credential.kind,
    }


def _keep(actor, subject, entry, credentials, signed) -> SignedDocument:
    person, seal = credentials
    signers = [_signer_line(person, "person")]
    if seal is not None:
        signers.append(_signer_line(seal, "agency"))
    record = SignedDocument.objects.create(
        register=entry,
        subject_type=subject._meta.model_name,
        subject_id=str(subject.pk),
        title=f"{entry.number} {entry.summary}"[:500],
        content=signed.content,
        sha256=hashlib.sha256(signed.content).hexdigest(),
        signers=signers,
        signed_by_id=actor.pk,
        timestamped=signed.timestamped,
        long_term=signed.long_term,
        unavailable=list(signed.unavailable),
    )
    audit_record(
        actor=actor,
        action="sign",
        subject=subject,
        changes={
            "number": entry.number,
            "sha256": record.sha256,
            "signers": [f"{s['name']} ({s['serial']})" for s in signers],
            "timestamped": signed.timestamped,
            "long_term": signed.long_term,
            "unavailable": list(signed.unavailable),
        },
    )
    return record


def signature_failure_record(exc: SignatureRefused) -> None:
    """The failed attempt in the audit trail, written after the action's rollback."""
    audit_record(
        actor=exc.actor,
        action="sign_failed",
        subject=exc.subject,
        changes={"reason": exc.reason},
    )


def records_signature_failures(service):
    """For a service that signs inside its transaction (decorate outside
    `transaction.atomic`): its transaction has rolled back when a signature fails, so the
    attempt is recorded here, then the refusal goes on to the caller."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except SignatureRefused as exc:
            signature_failure_record(exc)
            raise

    return wrapper
