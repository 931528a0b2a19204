"""Where a signing key comes from: a PKCS#12 file (kept encrypted at rest), a PKCS#11
token or HSM, or a remote signing service (iso_platform/signing/remote.py). Each source
gives a pyHanko `Signer`; each refuses a certificate that may not sign today (expired, not
yet valid, not issued for signing) with a `SigningError` in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import pkcs11
from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils import timezone
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko_certvalidator.registry import SimpleCertificateStore

from iso_platform.signing.errors import SigningError

logger = logging.getLogger(__name__)

SIGNING_USAGES = {"digital_signature", "non_repudiation"}


# ---------------------------------------------------------------------------- certificate


def certificate_check(cert: x509.Certificate, *, at: dt.datetime | None = None) -> None:
    """Refuse a certificate that cannot make a signature now."""
    at = at or dt.datetime.now(dt.UTC)
    if cert.not_valid_after < at:
        raise SigningError("cert_expired", date=_day(cert.not_valid_after))
    if cert.not_valid_before > at:
        raise SigningError("cert_not_yet_valid", date=_day(cert.not_valid_before))
    usage = cert.key_usage_value
    # No key usage extension: RFC 5280 puts no restriction on the key.
    if usage is not None and not (set(usage.native) & SIGNING_USAGES):
        raise SigningError("cert_usage")


def _day(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


# ---------------------------------------------------------------------------- PKCS#12


def pkcs12_signer(data: bytes, password: str) -> signers.SimpleSigner:
    """A signer from a PKCS#12 file (.p12/.pfx) and its password."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, (password or "").encode())
    except ValueError as exc:
        code = "pkcs12_password" if _is_pkcs12(data) else "pkcs12_format"
        raise SigningError(code, str(exc)) from None
    if key is None or cert is None:
        raise SigningError("pkcs12_no_key")
    signing_cert = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    certificate_check(signing_cert)
    chain = [x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra]
    private = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=private,
        cert_registry=SimpleCertificateStore.from_certs([signing_cert, *chain]),
    )


def _is_pkcs12(data: bytes) -> bool:
    """Whether the bytes are a PKCS#12 structure at all (so the password was wrong)."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native == "data"
    except (ValueError, TypeError, KeyError):
        return False


# ---------------------------------------------------------------------------- at rest


def _fernet_keys() -> list[bytes]:
    if settings.SIGNING_KEYS_SECRET:
        return [key.encode("ascii") for key in settings.SIGNING_KEYS_SECRET]
    if settings.SIGNING_DEV_KEY_FILE:
        return [_dev_key(Path(settings.SIGNING_DEV_KEY_FILE))]
    raise SigningError("keys_secret")


def _dev_key(path: Path) -> bytes:
    """Development only (DEBUG without SIGNING_KEYS_SECRET): one key generated once, created
    exclusively so that parallel test workers agree on it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _attempt in range(100):
            key = path.read_bytes().strip()
            if key:
                return key
            import time  # only while another worker is writing the file

            time.sleep(0.01)
        raise SigningError("keys_secret", f"{path} stays empty") from None
    key = Fernet.generate_key()
    with os.fdopen(handle, "wb") as out:
        out.write(key)
    return key


def _multifernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _fernet_keys()])


def pkcs12_encrypt(data: bytes) -> bytes:
    """A PKCS#12 file encrypted for storage, with the first key of SIGNING_KEYS_SECRET."""
    return _multifernet().encrypt(data)


def pkcs12_decrypt(token: bytes) -> bytes:
    """The stored PKCS#12 file; `SigningError("keys_stale")` when no configured key opens it."""
    try:
        return _multifernet().decrypt(bytes(token))
    except InvalidToken:
        raise SigningError("keys_stale") from None


def pkcs12_reencrypt(token: bytes) -> bytes:
    """The same file encrypted with the current first key (after a rotation)."""
    try:
        return _multifernet().rotate(bytes(token))
    except InvalidToken:
        raise SigningError("keys_stale") from None


def pkcs12_is_current(token: bytes) -> bool:
    """Whether the newest key (the first of SIGNING_KEYS_SECRET) opens `token`: then a
    rotation has nothing to rewrite."""
    try:
        Fernet(_fernet_keys()[0]).decrypt(bytes(token))
    except InvalidToken:
        return False
    return True


# Where signing secrets are kept encrypted with SIGNING_KEYS_SECRET, for the rotation
# (manage.py signing_keys_rotate): model label -> its encrypted fields. Each app that keeps
# one registers it in its AppConfig.ready; the kernel knows none of the agencies' tables.
_ENCRYPTED: dict[str, tuple[str, ...]] = {}


def encrypted_fields_register(model_label: str, *fields: str) -> None:
    """Register `fields` of `model_label` ("quality_core.SigningCredential") as encrypted
    with SIGNING_KEYS_SECRET, in whichever schemas the model has its table."""
    _ENCRYPTED[model_label] = tuple(fields)


def encrypted_fields() -> dict[str, tuple[str, ...]]:
    return dict(_ENCRYPTED)


# ---------------------------------------------------------------------------- PKCS#11


class Pkcs11Signer(PKCS11Signer):
    """pyHanko's PKCS#11 signer that closes its token session (a context manager)."""

    def close(self) -> None:
        self.pkcs11_session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def pkcs11_signer(
    module_path: str,
    token_label: str,
    pin: str,
    key_label: str | None = None,
    cert_label: str | None = None,
) -> Pkcs11Signer:
    """A signer on a PKCS#11 token or HSM; use it in a `with` block (or call `close()`).

    Without labels, the token's only private key and the certificate with its ID are used.
    """
    session = _pkcs11_session(module_path, token_label, pin)
    try:
        key_id = None
        if key_label is None and cert_label is None:
            found = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
            if len(found) != 1:
                raise SigningError("token_key", f"{len(found)} private keys", label="")
            key_id = found[0][Attribute.ID]
        else:
            session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=key_label or cert_label)
        signer = Pkcs11Signer(
            session,
            key_label=key_label,
            cert_label=cert_label,
            key_id=key_id,
            cert_id=key_id,
            # Every certificate on the token: tokens carry their CA chain, which the
            # signature must embed for a verifier to reach the root.
            other_certs_to_pull=None,
        )
        certificate_check(signer.signing_cert)
        return signer
    except (p11.NoSuchKey, p11.MultipleObjectsReturned):
        session.close()
        raise SigningError("token_key", label=key_label or cert_label or "") from None
    except SigningError:
        session.close()
        raise
    except (pkcs11.PKCS11Error, PyHankoSigningError) as exc:  # no certificate with that label
        session.close()
        raise SigningError("token_key", repr(exc), label=cert_label or key_label or "") from None


def _pkcs11_session(module_path: str, token_label: str, pin: str):
    if not Path(module_path).is_file():
        raise SigningError("token_module", f"{module_path} is not a file")
    try:
        return open_pkcs11_session(
            module_path, token_criteria=TokenCriteria(label=token_label), user_pin=pin
        )
    except p11.PinIncorrect:
        raise SigningError("token_pin") from None
    except (p11.PinLocked, p11.PinExpired):
        raise SigningError("token_pin_locked") from None
    except (p11.NoSuchToken, p11.TokenNotPresent, p11.TokenNotRecognised):
        raise SigningError("token_missing", label=token_label) from None
    except pkcs11.PKCS11Error as exc:
        # pyHanko says "No token matching criteria" with the base class.
        code = "token_missing" if "No token" in str(exc) else "token_failed"
        raise SigningError(code, str(exc), label=token_label) from None
    except (RuntimeError, OSError) as exc:  # the module file is missing or not a PKCS#11 one
        raise SigningError("token_module", f"{module_path}: {exc}") from None
