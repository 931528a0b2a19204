"""pyHanko's network traffic through eISO's outbound rules (iso_platform/outbound.py).

Every address pyHanko would contact is one somebody else chose: the timestamp authority is
configured by the province administrator, and the CRL, OCSP and CA-issuer addresses are
written inside certificates, which for verification come from an uploaded PDF. So the
fetchers (certificates, CRLs, OCSP) and the timestamp client below send their requests
through `outbound.fetch`: public addresses only unless the operator names the host, fixed
ports, a deadline and a size cap, no redirects.
"""

from __future__ import annotations

from asyncio import to_thread
from dataclasses import dataclass

import requests
from asn1crypto import tsp
from django.conf import settings
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.fetchers.api import FetcherBackend, Fetchers, FetchLimits
from pyhanko_certvalidator.fetchers.common_utils import FetchBudget
from pyhanko_certvalidator.fetchers.requests_fetchers.cert_fetch_client import (
    RequestsCertificateFetcher,
)
from pyhanko_certvalidator.fetchers.requests_fetchers.crl_client import RequestsCRLFetcher
from pyhanko_certvalidator.fetchers.requests_fetchers.ocsp_client import RequestsOCSPFetcher

from iso_platform import outbound

USER_AGENT = "eISO"


@dataclass
class _Answer:
    content: bytes


def _request(url: str, *, method: str, headers: dict, body: bytes | None = None) -> _Answer:
    """One guarded request; any refusal or failure becomes the exception pyHanko's fetchers
    already turn into "revocation information unavailable"."""
    try:
        response = outbound.fetch(url, method=method, headers=headers, body=body)
    except outbound.OutboundError as exc:
        raise requests.RequestException(f"{exc.message} ({exc.detail})") from None
    if response.status != 200:
        raise requests.RequestException(f"status code {response.status}")
    return _Answer(response.body)


class _GuardedMixin:
    """Replaces the `requests` calls of pyHanko's requests-based fetchers."""

    def _get(self, url, *, acceptable_content_types):
        headers = {"Accept": ",".join(acceptable_content_types)}
        return to_thread(_request, url, method="GET", headers=headers)

    def _post(self, url, data, *, content_type, acceptable_content_types):
        headers = {"Accept": ",".join(acceptable_content_types), "Content-Type": content_type}
        return to_thread(_request, url, method="POST", headers=headers, body=data)


class GuardedOCSPFetcher(_GuardedMixin, RequestsOCSPFetcher):
    pass


class GuardedCRLFetcher(_GuardedMixin, RequestsCRLFetcher):
    pass


class GuardedCertificateFetcher(_GuardedMixin, RequestsCertificateFetcher):
    pass


class GuardedFetcherBackend(FetcherBackend):
    """pyHanko-certvalidator's fetchers on eISO's outbound client, within a fetch budget (a
    hostile certificate may list hundreds of addresses)."""

    def __init__(self, limits: FetchLimits | None = None):
        self.limits = limits or FetchLimits()

    def get_fetchers(self) -> Fetchers:
        budget = FetchBudget(self.limits)
        timeout = settings.OUTBOUND_TIMEOUT_SECONDS
        return Fetchers(
            ocsp_fetcher=GuardedOCSPFetcher(USER_AGENT, timeout, budget=budget),
            crl_fetcher=GuardedCRLFetcher(USER_AGENT, timeout, budget=budget),
            cert_fetcher=GuardedCertificateFetcher(USER_AGENT, timeout, budget=budget),
        )

    async def close(self):
        return


class GuardedTimeStamper(TimeStamper):
    """An RFC 3161 client (HTTP POST of a TimeStampReq) over eISO's outbound client."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        headers = {
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        }
        try:
            answer = await to_thread(
                _request, self.url, method="POST", headers=headers, body=req.dump()
            )
            return tsp.TimeStampResp.load(answer.content)
        except (requests.RequestException, ValueError) as exc:
            raise TimestampRequestError(f"timestamp server {self.url}: {exc}") from None
