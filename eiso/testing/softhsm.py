"""A PKCS#11 token for tests: Debian's SoftHSM2, initialised in a temporary directory.

Like the browser tests (eiso/testing/browser.py), a PKCS#11 test never disappears
silently: on CI (`CI` set) a missing SoftHSM2 fails the test; elsewhere the test is skipped
with the command that installs it. `make system-packages` (which .ci/run calls) installs it.

SoftHSM reads `SOFTHSM2_CONF` when the module is first loaded into a process, and a process
loads it once: the token fixture sets the variable for the whole test session (each
pytest-xdist worker is its own process with its own token directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import x509
from pkcs11 import Attribute, CertificateType, ObjectClass

from eiso.testing.browser import on_ci

MODULE = Path(os.environ.get("EISO_SOFTHSM_MODULE", "/usr/lib/softhsm/libsofthsm2.so"))
INSTALL_COMMAND = "make system-packages (sudo apt-get install -y softhsm2)"


@dataclass(frozen=True)
class Token:
    module: str
    label: str
    pin: str
    key_label: str


def require_softhsm() -> Path:
    tool = shutil.which("softhsm2-util")
    if MODULE.exists() and tool:
        return MODULE
    reason = f"Debian's softhsm2 package is not installed ({MODULE} or softhsm2-util missing)"
    if on_ci():
        pytest.fail(f"{reason}; CI must run the PKCS#11 tests (.ci/run installs softhsm2)")
    pytest.skip(f"{reason}; install it with: {INSTALL_COMMAND}")


def softhsm_token(
    directory: Path,
    key_pem: bytes,
    cert_der: bytes,
    chain_der: tuple[bytes, ...] = (),
    *,
    label="eiso-test",
    pin="1234",
) -> Token:
    """A fresh token holding one private key (imported as PKCS#8 PEM) and its certificate,
    both labelled `signer` with ID 01, and the CA certificates of `chain_der`, as issued
    tokens carry them."""
    module = require_softhsm()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    key_file = directory / "signer.key.pem"
    key_file.write_bytes(key_pem)
    run = {"check": True, "capture_output": True, "env": os.environ.copy()}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
         "--so-pin", "87654321"],
        **run,
    )  # fmt: skip
    subprocess.run(
        ["softhsm2-util", "--import", str(key_file), "--token", label, "--label", "signer",
         "--id", "01", "--pin", pin],
        **run,
    )  # fmt: skip
    key_file.unlink()
    _store_certificate(str(module), label, pin, cert_der, "signer", b"\x01")
    for number, der in enumerate(chain_der, start=2):
        _store_certificate(str(module), label, pin, der, f"ca-{number}", bytes([number]))
    return Token(str(module), label, pin, "signer")


def _store_certificate(module: str, label: str, pin: str, der: bytes, name: str, id_: bytes):
    """softhsm2-util imports keys only; the certificate goes in through python-pkcs11."""
    cert = x509.Certificate.load(der)
    token = pkcs11.lib(module).get_token(token_label=label)
    with token.open(rw=True, user_pin=pin) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: name,
                Attribute.ID: id_,
                Attribute.VALUE: der,
                Attribute.SUBJECT: cert.subject.dump(),
                Attribute.ISSUER: cert.issuer.dump(),
                Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump(),
            }
        )
