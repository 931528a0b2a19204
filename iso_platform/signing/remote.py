"""Remote signing through a Cloud Signature Consortium (CSC) API service, version 1.

A province's signing gateway (or a provider's cloud signing service) keeps the keys; eISO
sends the hash of what is to be signed and gets the signature back. The CSC API (CSC
"Architectures and protocols for remote signature applications", 1.0.4.0) names the calls
used here: `info`, `credentials/list`, `credentials/info`, `credentials/authorize` (the
user's PIN/OTP gives a Signature Activation Data, SAD, bound to the hashes when the service
says SCAL 2) and `signatures/signHash`.

pyHanko ships a CSC signer, but it talks through its own aiohttp session, which would
resolve and connect on its own. The service URL is configured by the province, so this small
client makes every call through `iso_platform.outbound.fetch` instead (address checks,
allowed hosts and ports, deadline, size cap, no redirects), and reuses pyHanko's signer
base for everything else. Another kind of remote service plugs in the same way: a pyHanko
`Signer` whose `async_sign_raw` calls it; the documents code only sees a `Signer`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from dataclasses import dataclass

from asn1crypto import algos, x509
from pyhanko.sign import signers
from pyhanko.sign.signers.csc_signer import CSCServiceSessionInfo, base64_digest
from pyhanko_certvalidator.registry import SimpleCertificateStore

from iso_platform import outbound
from iso_platform.signing.errors import SigningError
from iso_platform.signing.keys import certificate_check

logger = logging.getLogger(__name__)

REFUSED_STATUSES = {400, 401, 403}
EST_SIGNATURE_SIZE = 512  # bytes, a generous upper bound for RSA-4096 and ECDSA


def _call(session: CSCServiceSessionInfo, endpoint: str, body: dict) -> dict:
    try:
        response = outbound.fetch(
            session.endpoint_url(endpoint),
            method="POST",
            headers={"Content-Type": "application/json", **session.auth_headers},
            body=json.dumps(body).encode(),
        )
    except outbound.OutboundError as exc:
        raise SigningError("remote_failed", f"{endpoint}: {exc.detail or exc.message}") from None
    if response.status in REFUSED_STATUSES:
        raise SigningError(
            "remote_refused", f"{endpoint}: {response.status} {response.body[:200]!r}"
        )
    try:
        if response.status != 200:
            raise ValueError(f"status {response.status}")
        answer = json.loads(response.body)
        if not isinstance(answer, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        raise SigningError("remote_failed", f"{endpoint}: {exc}") from None
    return answer


def remote_service_info(service_url: str) -> dict:
    """The service's `info` answer (name, specification version, methods): a connection
    test for the console."""
    return _call(CSCServiceSessionInfo(service_url.rstrip("/"), ""), "info", {})


def remote_credentials(service_url: str, access_token: str) -> list[str]:
    """The credential IDs the access token may use."""
    session = CSCServiceSessionInfo(service_url.rstrip("/"), "", oauth_token=access_token)
    answer = _call(session, "credentials/list", {})
    ids = answer.get("credentialIDs")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise SigningError("remote_failed", "credentials/list: no credentialIDs")
    return ids


@dataclass(frozen=True)
class Credential:
    cert: x509.Certificate
    chain: list[x509.Certificate]
    algorithms: frozenset[str]
    hash_bound: bool  # SCAL 2: the SAD must name the hashes it authorises


def _credential(session: CSCServiceSessionInfo) -> Credential:
    answer = _call(
        session,
        "credentials/info",
        {"credentialID": session.credential_id, "certificates": "chain", "certInfo": False},
    )
    try:
        certs = [x509.Certificate.load(base64.b64decode(c)) for c in answer["cert"]["certificates"]]
        for cert in certs:
            cert.native  # noqa: B018 - parses the whole certificate now, not mid-signature
        algorithms = frozenset(
            algos.SignedDigestAlgorithmId(o).native for o in answer["key"]["algo"]
        )
        hash_bound = str(answer.get("SCAL", "1")) == "2"
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SigningError(
            "remote_credential", repr(exc), credential=session.credential_id
        ) from None
    if not certs:
        raise SigningError("remote_credential", "no certificate", credential=session.credential_id)
    return Credential(certs[0], certs[1:], algorithms, hash_bound)


class RemoteSigner(signers.Signer):
    """A pyHanko signer whose private key stays with a CSC service."""

    def __init__(self, session: CSCServiceSessionInfo, credential: Credential, *, pin, otp):
        self.session, self.credential = session, credential
        self._pin, self._otp = pin, otp
        super().__init__(
            signing_cert=credential.cert,
            cert_registry=SimpleCertificateStore.from_certs([credential.cert, *credential.chain]),
        )

    def get_signature_mechanism_for_digest(self, digest_algorithm):
        mechanism = super().get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism["algorithm"].native not in self.credential.algorithms:
            raise SigningError(
                "remote_credential",
                f"{mechanism['algorithm'].native} not offered",
                credential=self.session.credential_id,
            )
        return mechanism

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:
            return bytes(EST_SIGNATURE_SIZE)
        digest = base64_digest(data, digest_algorithm)
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        return await asyncio.to_thread(self._sign_hash, digest, digest_algorithm, mechanism)

    def _sign_hash(self, digest: str, digest_algorithm: str, mechanism) -> bytes:
        sad = self._authorize(digest)
        request = {
            "credentialID": self.session.credential_id,
            "SAD": sad,
            "hash": [digest],
            "hashAlgo": algos.DigestAlgorithmId(digest_algorithm).dotted,
            "signAlgo": mechanism["algorithm"].dotted,
        }
        if mechanism["parameters"].native is not None:
            request["signAlgoParams"] = base64.b64encode(mechanism["parameters"].dump()).decode()
        answer = _call(self.session, "signatures/signHash", request)
        try:
            (signature,) = answer["signatures"]
            return base64.b64decode(signature, validate=True)
        except (KeyError, TypeError, ValueError) as exc:
            raise SigningError("remote_failed", f"signHash: {exc!r}") from None

    def _authorize(self, digest: str) -> str:
        request = {"credentialID": self.session.credential_id, "numSignatures": 1}
        if self.credential.hash_bound:
            request["hash"] = [digest]
        if self._pin is not None:
            request["PIN"] = self._pin
        if self._otp is not None:
            request["OTP"] = self._otp
        answer = _call(self.session, "credentials/authorize", request)
        sad = answer.get("SAD")
        if not isinstance(sad, str) or not sad:
            raise SigningError("remote_failed", "credentials/authorize: no SAD")
        return sad


def remote_signer(
    service_url: str,
    credential_id: str,
    access_token: str,
    *,
    pin: str | None = None,
    otp: str | None = None,
) -> RemoteSigner:
    """A signer on a CSC service: fetches the credential's certificates now (refusing one
    that cannot sign today); each signature then authorises with `pin`/`otp` and signs the
    hash remotely. `access_token` is the OAuth 2.0 bearer token of the service."""
    session = CSCServiceSessionInfo(
        service_url.rstrip("/"), credential_id, oauth_token=access_token
    )
    credential = _credential(session)
    certificate_check(credential.cert)
    return RemoteSigner(session, credential, pin=pin, otp=otp)
