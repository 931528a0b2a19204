"""Pytest fixtures for digital signatures (imported by tests/conftest.py, so every test can
ask for them): a throwaway PKI with its CRL/OCSP/TSA servers, a SoftHSM2 token, and a CSC
remote signing service, each started once per test session (per pytest-xdist worker, in
its own temporary directory and on its own ports).

A test that makes eISO contact them asks for `pki_hosts` too: it allows their loopback
addresses in `OUTBOUND_ALLOWED_HOSTS` for that test.
"""

from __future__ import annotations

import pytest

from eiso.testing.csc_server import CscService, csc_service
from eiso.testing.pki import Pki, pki_build, pki_services
from eiso.testing.softhsm import Token, softhsm_token


@pytest.fixture(scope="session")
def signing_pki(tmp_path_factory) -> Pki:
    pki = pki_build(tmp_path_factory.mktemp("pki"))
    with pki_services(pki):
        yield pki


@pytest.fixture(scope="session")
def pkcs11_token(tmp_path_factory, signing_pki) -> Token:
    return softhsm_token(
        tmp_path_factory.mktemp("softhsm"),
        signing_pki.key_pem("signer"),
        signing_pki.cert("signer").dump(),
        (signing_pki.cert("interm").dump(),),
    )


@pytest.fixture(scope="session")
def csc_server(tmp_path_factory, signing_pki) -> CscService:
    chain = b"".join(signing_pki.pem(label) for label in ("remote", "interm", "root"))
    with csc_service(signing_pki.key_pem("remote"), chain, tmp_path_factory.mktemp("csc")) as s:
        yield s


@pytest.fixture
def pki_hosts(settings, signing_pki):
    """Let eISO's outbound client reach the test PKI (and the CSC server, when started)."""
    settings.OUTBOUND_ALLOWED_HOSTS = (*settings.OUTBOUND_ALLOWED_HOSTS, signing_pki.host_entry)
    return settings


@pytest.fixture
def csc_hosts(pki_hosts, csc_server):
    pki_hosts.OUTBOUND_ALLOWED_HOSTS = (*pki_hosts.OUTBOUND_ALLOWED_HOSTS, csc_server.host_entry)
    return csc_server
