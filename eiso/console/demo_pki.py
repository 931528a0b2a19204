"""The demo's certification authority and signing certificates (DEBUG only, `make run`).

Generated once into `.data/demo-pki/` (never committed): `ca.pem` (the root, installed as
a province trust anchor), its key `ca-key.pem` (encrypted, so that a signer added to the
demo later gets a certificate from the same CA) and one PKCS#12 file per signer, all under
DEMO_SIGNING_PASSWORD.
A signed PDF from the demo validates with
`pyhanko sign validate --pretty-print --trust .data/demo-pki/ca.pem --trust-replace file.pdf`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEMO_SIGNING_PASSWORD = "kyso-demo-2026"  # noqa: S105 - demo data, DEBUG only
CA_NAME = "eISO Demo CA (không dùng thật)"
AGENCY_FILE = "co-quan"
CA_KEY_FILE = "ca-key.pem"


@dataclass(frozen=True)
class DemoSigner:
    file: str  # <file>.p12 in the directory
    name: str
    title: str
    email: str


def _name(common: str, *, title: str = "", organisation: str = "", email: str = ""):
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if title:
        parts.append(x509.NameAttribute(NameOID.TITLE, title))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    if email:
        parts.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(parts)


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(subject, issuer, public_key, signing_key, *, ca: bool, years: int):
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    return builder.sign(signing_key, hashes.SHA256())


def _pkcs12(directory, signer: DemoSigner, organisation, ca, ca_key, password) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(signer.name, title=signer.title, organisation=organisation, email=signer.email)
    cert = _certificate(subject, ca.subject, key.public_key(), ca_key, ca=False, years=2)
    data = pkcs12.serialize_key_and_certificates(
        signer.file.encode(),
        key,
        cert,
        [ca],
        serialization.BestAvailableEncryption(password.encode()),
    )
    (directory / f"{signer.file}.p12").write_bytes(data)


def _write(directory: Path, agency: str, signers: list[DemoSigner], password: str) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(CA_NAME, organisation="eISO")
    ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True, years=10)
    (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / CA_KEY_FILE).write_bytes(
        ca_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    for signer in [*signers, DemoSigner(AGENCY_FILE, agency, "", "")]:
        _pkcs12(directory, signer, agency, ca, ca_key, password)


def demo_signer_ensure(
    directory: Path, signer: DemoSigner, organisation: str, password: str = DEMO_SIGNING_PASSWORD
) -> Path | None:
    """`<signer.file>.p12` from the demo CA of `directory`, issued the first time; None when
    the directory predates the CA's kept key (remove .data/demo-pki/ to start over)."""
    path = directory / f"{signer.file}.p12"
    if path.exists():
        return path
    if not (directory / CA_KEY_FILE).exists():
        return None
    ca = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key(
        (directory / CA_KEY_FILE).read_bytes(), password.encode()
    )
    scratch = Path(tempfile.mkdtemp(prefix=".demo-signer-", dir=directory))
    try:
        _pkcs12(scratch, signer, organisation, ca, ca_key, password)
        # Renamed into place: a second process issuing at the same time keeps one of the two.
        os.replace(scratch / path.name, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path


def demo_pki_ensure(
    directory: Path, agency: str, signers: list[DemoSigner], password: str = DEMO_SIGNING_PASSWORD
) -> Path:
    """The demo PKI in `directory`, generated the first time (into a temporary folder renamed
    into place, so two processes starting together agree on one CA)."""
    if (directory / "ca.pem").exists():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".demo-pki-", dir=directory.parent))
    try:
        _write(scratch, agency, signers, password)
        os.rename(scratch, directory)
    except OSError:
        if not (directory / "ca.pem").exists():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return directory
