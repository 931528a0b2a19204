"""A throwaway public-key infrastructure for signature tests, with real CRL, OCSP and
time-stamping services on loopback.

Certomancer builds the certificates from a configuration written here (keys generated for
each run, validity periods relative to today, so nothing expires in the repository), and its
"Animator" serves the CA's CRLs, OCSP responses and RFC 3161 timestamps from a subprocess on
127.0.0.1. Each pytest-xdist worker builds its own PKI in its own temporary directory on its
own port. The URLs of those services are inside the certificates, so eISO's outbound rules
must allow `Pki.host_entry` (tests put it in `settings.OUTBOUND_ALLOWED_HOSTS`).

The cast (labels): `root` and `interm` (the trusted CAs), `tsa`, `signer` (Phạm Minh Đức,
Giám đốc), `agency` (the agency's own certificate), `remote` (held by the CSC test server),
`expired`, `future` (not yet valid), `revoked`, `no-usage` (key usage without
digitalSignature / nonRepudiation), and `stranger`, issued by `other-root`, which nobody trusts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from asn1crypto import pem, x509
from certomancer.registry import CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.sign import signers

ARCH = "eiso-test"
SIGNERS = ("signer", "agency", "remote", "expired", "future", "revoked", "no-usage", "stranger")
CAS = ("root", "interm", "other-root")
SERVICES = ("tsa", "interm-ocsp")
PKCS12_PASSWORD = "mật-khẩu-thử"

ENTITIES = {
    "root": {"common-name": "eISO Test Root CA", "organization-name": "Ban Cơ yếu thử nghiệm"},
    "interm": {"common-name": "eISO Test CA cấp 2", "organization-name": "Ban Cơ yếu thử nghiệm"},
    "other-root": {"common-name": "Tổ chức không được tin cậy"},
    "tsa": {"common-name": "eISO Test TSA", "organization-name": "Ban Cơ yếu thử nghiệm"},
    "interm-ocsp": {"common-name": "eISO Test OCSP"},
    "signer": {
        "common-name": "Phạm Minh Đức",
        "title": "Giám đốc",
        "organization-name": "Sở Khoa học và Công nghệ tỉnh An Giang",
    },
    "agency": {
        "common-name": "Sở Khoa học và Công nghệ tỉnh An Giang",
        "organization-name": "Sở Khoa học và Công nghệ tỉnh An Giang",
    },
    "remote": {
        "common-name": "Lê Thị Hoa",
        "title": "Phó Giám đốc",
        "organization-name": "Sở Tư pháp tỉnh An Giang",
    },
    "expired": {"common-name": "Trần Văn Cũ", "title": "Chuyên viên"},
    "future": {"common-name": "Võ Thị Mới", "title": "Chuyên viên"},
    "revoked": {"common-name": "Đỗ Văn Thu Hồi", "title": "Trưởng phòng"},
    "no-usage": {"common-name": "Ngô Văn Mã Hoá"},
    "stranger": {"common-name": "Người Lạ", "title": "Giám đốc"},
}


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _validity(now: dt.datetime, start_days: int, end_days: int) -> dict:
    return {
        "valid-from": _iso(now + dt.timedelta(days=start_days)),
        "valid-to": _iso(now + dt.timedelta(days=end_days)),
    }


def _key_usage(*usages: str) -> dict:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(usages)},
    }


CA_EXTENSIONS = [
    {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
    _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
]


def _signer_cert(issuer: str, validity: dict, email: str, usages=None) -> dict:
    extensions = [
        _key_usage(*(usages or ("digital_signature", "non_repudiation"))),
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [issuer]}},
        },
        {
            "id": "subject_alt_name",
            "smart-value": {
                "schema": "general-names",
                "params": [{"type": "email", "value": email}],
            },
        },
    ]
    if issuer == "interm":
        extensions.append(
            {
                "id": "authority_information_access",
                "smart-value": {
                    "schema": "aia-urls",
                    "params": {"ocsp-responder-names": ["interm"]},
                },
            }
        )
    return {"issuer": issuer, "validity": validity, "extensions": extensions}


def _configuration(now: dt.datetime, prefix: str) -> dict:
    long = _validity(now, -3 * 365, 30 * 365)
    certs = {
        "root": {
            "subject": "root",
            "issuer": "root",
            "validity": long,
            "extensions": CA_EXTENSIONS,
        },
        "other-root": {
            "subject": "other-root",
            "issuer": "other-root",
            "validity": long,
            "extensions": CA_EXTENSIONS,
        },
        "interm": {
            "issuer": "root",
            "validity": long,
            "extensions": [
                *CA_EXTENSIONS,
                {
                    "id": "crl_distribution_points",
                    "smart-value": {
                        "schema": "crl-dist-url",
                        "params": {"crl-repo-names": ["root"]},
                    },
                },
            ],
        },
        "interm-ocsp": {
            "issuer": "interm",
            "validity": long,
            "extensions": [
                _key_usage("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},
            ],
        },
        "tsa": {
            "issuer": "root",
            "validity": long,
            "extensions": [
                _key_usage("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                {
                    "id": "crl_distribution_points",
                    "smart-value": {
                        "schema": "crl-dist-url",
                        "params": {"crl-repo-names": ["root"]},
                    },
                },
            ],
        },
        "signer": _signer_cert("interm", _validity(now, -30, 365), "duc.pm@sokhcn.angiang.gov.vn"),
        "agency": _signer_cert("interm", _validity(now, -30, 365), "vanthu@sokhcn.angiang.gov.vn"),
        "remote": _signer_cert("interm", _validity(now, -30, 365), "hoa.lt@sotp.angiang.gov.vn"),
        "expired": _signer_cert("interm", _validity(now, -730, -365), "cu.tv@angiang.gov.vn"),
        "future": _signer_cert("interm", _validity(now, 365, 730), "moi.vt@angiang.gov.vn"),
        "revoked": {
            **_signer_cert("interm", _validity(now, -30, 365), "thuhoi.dv@angiang.gov.vn"),
            "revocation": {
                "revoked-since": _iso(now - dt.timedelta(days=1)),
                "reason": "key_compromise",
            },
        },
        "no-usage": _signer_cert(
            "interm", _validity(now, -30, 365), "ma.nv@angiang.gov.vn", usages=("key_encipherment",)
        ),
        "stranger": _signer_cert("other-root", _validity(now, -30, 365), "la@example.com"),
    }
    return {
        "external-url-prefix": prefix,
        "keysets": {
            ARCH: {"keys": {label: {"path": f"{label}.key.pem"} for label in ENTITIES}},
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN"},
                "entities": ENTITIES,
                "certs": certs,
                "services": {
                    "ocsp": {
                        "interm": {
                            "for-issuer": "interm",
                            "responder-cert": "interm-ocsp",
                            "signing-key": "interm-ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P90D",
                        },
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P30D",
                        },
                        "other-root": {
                            "for-issuer": "other-root",
                            "signing-key": "other-root",
                            "simulated-update-schedule": "P30D",
                        },
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


def free_port() -> int:
    """A port free now on 127.0.0.1 (the URLs inside the certificates need it in advance)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {seconds} s")


@dataclass
class Pki:
    directory: Path
    port: int
    arch: object  # certomancer.registry.PKIArchitecture
    config_path: Path

    @property
    def url_prefix(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host_entry(self) -> str:
        """For `OUTBOUND_ALLOWED_HOSTS`."""
        return f"127.0.0.1:{self.port}"

    @property
    def tsa_url(self) -> str:
        return f"{self.url_prefix}/{ARCH}/tsa/tsa"

    def cert(self, label: str) -> x509.Certificate:
        return self.arch.get_cert(label)

    @property
    def root(self) -> x509.Certificate:
        return self.cert("root")

    def pem(self, label: str) -> bytes:
        return pem.armor("CERTIFICATE", self.cert(label).dump())

    def key_pem(self, label: str) -> bytes:
        """The private key, PKCS#8 PEM, unencrypted (for SoftHSM and the CSC server)."""
        return (self.directory / f"{label}.key.pem").read_bytes()

    def chain(self, label: str) -> list[x509.Certificate]:
        """The issuing CAs of `label`, nearest first."""
        issuer = "other-root" if label == "stranger" else "interm"
        return [self.cert("interm"), self.root] if issuer == "interm" else [self.cert(issuer)]

    def pkcs12(self, label: str, password: str = PKCS12_PASSWORD) -> bytes:
        return self.arch.package_pkcs12(label, password=password.encode())

    def simple_signer(self, label: str):
        """A pyHanko signer without eISO's checks: for documents eISO itself would refuse to
        sign (an expired or revoked certificate), which verification must still judge."""
        return signers.SimpleSigner.load_pkcs12_data(
            self.pkcs12(label), other_certs=[], passphrase=PKCS12_PASSWORD.encode()
        )


def pki_build(directory: Path, port: int | None = None) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    for label in ENTITIES:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (directory / f"{label}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    port = port or free_port()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    config_path = directory / "certomancer.yml"
    config_path.write_text(
        yaml.safe_dump(_configuration(now, f"http://127.0.0.1:{port}"), allow_unicode=True),
        encoding="utf-8",
    )
    config = CertomancerConfig.from_file(str(config_path), key_search_dir=str(directory))
    return Pki(directory, port, config.get_pki_arch(ARCH), config_path)


@contextlib.contextmanager
def pki_services(pki: Pki) -> Iterator[subprocess.Popen]:
    """Certomancer's Animator (CRLs, OCSP, TSA) as a real HTTP server subprocess."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "certomancer",
            "--config",
            str(pki.config_path),
            "--key-root",
            str(pki.directory),
            "animate",
            "--port",
            str(pki.port),
            "--no-web-ui",
            "--no-time-override",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(pki.port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
