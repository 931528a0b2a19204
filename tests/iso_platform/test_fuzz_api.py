"""Schemathesis fuzzes the OpenAPI of the agency API and of the province API.

Every operation of both schemas gets a handful of generated requests (valid and invalid by
the schema), sent in-process through the WSGI application with a real API token (or a real
HMAC signature for the integration endpoints). What must hold for every one of them:

- no 5xx (an exception in a view fails the test with its traceback);
- every 4xx says what is wrong: JSON with a non-empty `detail`, `error` (the integration
  API's shape) or field messages;
- the response matches the schema where the schema makes a claim (schemathesis' checks).

Besides what schemathesis draws, every operation also gets the inputs that once ended in a
500 (see "hostile input" below): wrong-typed and NUL query parameters, path parameters that
are no id, JSON nested 50,000 deep.

The objects the path parameters point at (a document, a nonconformity, an agency...) are
made once for the module inside a transaction that is rolled back at its end; every
operation's test runs in a savepoint rolled back after it, so DELETE, suspend and the like
hit real objects and still leave the world as it was for the tests that follow.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zlib
from dataclasses import dataclass, field

import hypothesis
import pytest
import requests
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import override_settings
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from eiso.testing.loop import make_loop
from integrations.services.ingest import events_ingest
from integrations.services.keys import api_key_create, signed_headers
from integrations.webhooks.services import subscription_create
from iso_platform.accounts.services import api_token_create
from quality.documents.models import Acknowledgement
from quality.documents.services import distribution, documents, files, records
from tenants.models import AgencyKind, ProvisioningJob

AGENCY_HOST = "alpha.localhost"
CONSOLE_HOST = "localhost"

# Bounded and reproducible: a few requests per operation, the same ones on every run.
EXAMPLES = 4
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        # The coverage phase sends every boundary value of every parameter: hundreds of
        # requests per operation, far over this module's time budget.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            # drf-spectacular documents the success status only; errors have one shape for
            # the whole API, checked by `_assert_useful` instead.
            "status_code_conformance": {"enabled": False},
            # A request valid by the schema is refused by the QMS rules (a revision no longer
            # in draft, a person without the capability): correct, not a failure.
            "positive_data_acceptance": {"enabled": False},
            # DRF's LimitOffsetPagination and django-filter ignore a `limit=-5` or `mine=-493`
            # and answer with the defaults, by design: lenient on query parameters.
            "negative_data_rejection": {"enabled": False},
        },
    }
)


def _openapi(urlconf: str) -> dict:
    """The schema the host serves at /api/v1/schema/ (same generator, same urlconf)."""
    schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


class LazyWsgi:
    """The WSGI application, built at the first request (middleware and URL confs load then)."""

    handler = None

    def __call__(self, environ, start_response):
        if LazyWsgi.handler is None:
            LazyWsgi.handler = WSGIHandler()
        return LazyWsgi.handler(environ, start_response)


APP = LazyWsgi()
agency_schema = schemathesis.openapi.from_dict(_openapi("eiso.urls_tenant"), config=CONFIG)
province_schema = schemathesis.openapi.from_dict(_openapi("eiso.urls_public"), config=CONFIG)
agency_schema.app = province_schema.app = APP  # in-process, through Django's WSGI handler


# --------------------------------------------------------------------------- the objects


@dataclass
class Fuzzed:
    agency_token: str
    province_token: str
    key_id: str
    secret: str
    agency_ids: dict[str, object] = field(default_factory=dict)
    province_ids: dict[str, object] = field(default_factory=dict)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One of everything in agency A, made once, rolled back after the module."""
    media = tmp_path_factory.mktemp("fuzz-media")
    # The WSGI handler would close the connection (and with it the open transaction) after
    # each request; Django's test client disconnects the same receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), DEBUG_PROPAGATE_EXCEPTIONS=True),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _seed(pytest.eiso_world.fresh())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connection.set_schema_to_public()
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz(seeded, db):
    """Each operation's examples run in a savepoint rolled back after them."""
    return seeded


def _seed(w) -> Fuzzed:
    with schema_context(w.public.schema_name):
        _token, province_token = api_token_create(user=w.province_admin, name="fuzz")
        job = ProvisioningJob.objects.create(
            code="fuzzjob",
            name="Sở Thử Fuzz",
            kind=AgencyKind.PROVINCIAL_DEPARTMENT,
            admin_email="fuzz@fuzz.test",
            admin_name="Người Fuzz",
        )
    with schema_context(w.agency_a.schema_name):
        _token, agency_token = api_token_create(user=w.owner_a, name="fuzz")
        key, secret = api_key_create(actor=w.owner_a, name="Một cửa (fuzz)")
        agency_ids = _seed_documents(w) | _seed_loop(w) | _seed_inbox(key) | _seed_webhooks(w)
    return Fuzzed(
        agency_token=agency_token,
        province_token=province_token,
        key_id=key.key_id,
        secret=secret,
        agency_ids=agency_ids,
        # suspend/resume hit agency B: rolled back with the operation's savepoint
        province_ids={
            "agencies": w.agency_b.code,
            "statistics": w.agency_a.code,
            "jobs": str(job.pk),
        },
    )


def _seed_documents(w) -> dict:
    issued = documents.document_create(
        actor=w.member_a,
        doc_type="system_procedure",
        code="QT.ISO.91",
        title="Quy trình kiểm soát tài liệu",
        body="Mục đích: kiểm soát tài liệu.",
    )
    revision = issued.latest_revision
    documents.revision_submit(actor=w.member_a, revision=revision)
    documents.revision_review(actor=w.owner_a, revision=revision)
    documents.revision_approve(actor=w.leader_a, revision=revision)
    distribution.revision_distribute(actor=w.owner_a, revision=revision, users=[w.owner_a])
    request = documents.change_request_create(
        actor=w.member_a, document=issued, reason="Quy định mới", proposal="Bổ sung bước 5"
    )
    draft = documents.document_create(
        actor=w.member_a,
        doc_type="system_procedure",
        code="QT.ISO.92",
        title="Quy trình đánh giá nội bộ",
        body="Mục đích: đánh giá.",
    )
    upload = SimpleUploadedFile("quy-trinh.pdf", _pdf())
    attached = files.revision_file_add(
        actor=w.member_a, revision=draft.latest_revision, upload=upload
    )
    series = records.record_series_create(
        actor=w.owner_a, year=2020, name="Sổ theo dõi hồ sơ", retention_months=12
    )
    entry = records.record_entry_add(
        actor=w.owner_a, series=series, reference="HS-01", dated_on=dt.date(2020, 5, 4)
    )
    return {
        "documents": draft.pk,
        "revisions": draft.latest_revision.pk,
        "acknowledgements": Acknowledgement.objects.filter(user=w.owner_a).first().pk,
        "change-requests": request.pk,
        "files": attached.pk,
        "record-series": series.pk,
        "record-entries": entry.pk,
    }


def _seed_loop(w) -> dict:
    loop = make_loop(w.owner_a, w.member_a, w.leader_a)
    return {
        "actions": loop.action.pk,
        "annual-reports": loop.report.pk,
        "audit-plans": loop.plan.pk,
        "checklist-items": loop.plan.checklist.first().pk,
        "context-issues": loop.issue.pk,
        "management-reviews": loop.review.pk,
        "nonconformities": loop.nc.pk,
        "objectives": loop.objective.pk,
        "risks": loop.risk.pk,
    }


def _seed_inbox(key) -> dict:
    event = {
        "event_id": "fuzz-0001",
        "type": "application.completed",
        "occurred_at": "2026-01-05T09:00:00+07:00",
        "data": {"application_id": "HS-FUZZ-1"},
    }
    [outcome] = events_ingest(items=[event], key=key)
    assert outcome.status == "accepted", outcome
    return {"integrations": "fuzz-0001"}


def _seed_webhooks(w) -> dict:
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1:9"]):  # never sent here
        subscription, _secret = subscription_create(
            actor=w.owner_a,
            name="Nhận (fuzz)",
            url="http://127.0.0.1:9/",
            event_types=["document.issued"],
        )
    return {"webhooks": subscription.pk}


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Quy trinh danh gia noi bo")
    page.save()
    return out.getvalue()


# --------------------------------------------------------------------------- the requests

RESOURCE_RE = re.compile(r"^/api/v1/(?:billing/)?([a-z-]+)/")


def _point_at_real_objects(case, ids: dict) -> None:
    """Three positive cases in four use a real object, so the operation itself runs."""
    if not case.path_parameters or _is_negative(case):
        return
    match = RESOURCE_RE.match(case.operation.path)
    resource = match.group(1) if match else ""
    if resource == "provisioning-jobs":
        resource = "jobs"
    if resource not in ids:
        return
    name = next(iter(case.path_parameters))
    seed = zlib.crc32(f"{case.operation.label} {case.path_parameters[name]}".encode())
    if seed % 4:
        case.path_parameters[name] = ids[resource]


def _is_negative(case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode == GenerationMode.NEGATIVE


def _signed(case, fuzz) -> tuple[dict, bytes | None]:
    """Integration endpoints: the HMAC headers of the exact body sent."""
    if isinstance(case.body, NotSet | bytes):
        body = case.body if isinstance(case.body, bytes) else b""
    else:  # negative cases may nest raw bytes: sent as text
        body = json.dumps(case.body, default=lambda b: b.decode("latin-1")).encode()
    # the request line as sent (requests encodes the path and query the same way)
    sent = requests.Request(
        case.method, "http://x" + case.formatted_path, params=case.query or None
    ).prepare()
    headers = signed_headers(fuzz.key_id, fuzz.secret, body, method=case.method, path=sent.path_url)
    return headers, (None if isinstance(case.body, NotSet) else body)


def _send(case, fuzz, host: str, token: str, ids: dict):
    _point_at_real_objects(case, ids)
    extra = {}
    if case.operation.path.startswith("/api/v1/integrations/"):
        headers, body = _signed(case, fuzz)
        if body is not None:
            extra["data"] = body
    else:
        headers = {"Authorization": f"Bearer {token}"}
    response = case.call_and_validate(app=APP, base_url=f"http://{host}", headers=headers, **extra)
    _assert_useful(response)
    return response


def _assert_useful(response) -> None:
    """A 4xx says what is wrong, in JSON: `detail`, `error` or field messages."""
    if not 400 <= response.status_code < 500:
        return
    request = f"{response.request.method} {response.request.url}"
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
        f"{request}: {response.status_code} without a JSON message: {response.text[:300]}"
    )
    body = response.json()
    assert isinstance(body, dict) and body, f"{request}: {response.status_code} {body!r}"
    # `detail` (DRF), `error` (the integration API, next to the event's id and status),
    # or else field -> messages
    said = [body[k] for k in ("detail", "error") if k in body] or [body]
    messages = list(_leaves(said))
    assert messages and all(isinstance(m, str) and m.strip() for m in messages), (
        f"{request}: {response.status_code} with an empty or odd message: {body!r}"
    )


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@agency_schema.parametrize()
@FUZZ_SETTINGS
def test_agency_api(case, fuzz):
    _send(case, fuzz, AGENCY_HOST, fuzz.agency_token, fuzz.agency_ids)


@province_schema.parametrize()
@FUZZ_SETTINGS
def test_province_api(case, fuzz):
    _send(case, fuzz, CONSOLE_HOST, fuzz.province_token, fuzz.province_ids)


# --------------------------------------------------------------------------- hostile input
#
# Schemathesis draws values from the schema; the classes of input that broke the API before
# are sent to every operation on purpose, a few requests each: every documented query
# parameter at once with a value of the wrong type, a NUL character in the query, path
# parameters that are no id (too large for bigint, NUL), and JSON nested 50,000 deep in the
# body. None of them may end in a 5xx; every 4xx says why.

DEEP_JSON = b"[" * 50_000
NOT_AN_ID = ("99999999999999999999", "x%00y", "-1")


def _operations(openapi: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, spec)
        for path, item in openapi["paths"].items()
        for method, spec in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


AGENCY_OPERATIONS = _operations(_openapi("eiso.urls_tenant"))
PROVINCE_OPERATIONS = _operations(_openapi("eiso.urls_public"))


def _path_with(path: str, value) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def _real_id(path: str, ids: dict):
    match = RESOURCE_RE.match(path)
    resource = match.group(1) if match else ""
    return ids.get("jobs" if resource == "provisioning-jobs" else resource, 1)


def _wrong_type(schema: dict) -> str:
    return "abc" if schema.get("type") in ("integer", "number", "boolean") else "\u2603" * 3


def _hostile_requests(path: str, spec: dict, ids: dict):
    """(path, query, body) of the requests an operation gets."""
    real = _path_with(path, _real_id(path, ids))
    query = {
        p["name"]: _wrong_type(p.get("schema", {}))
        for p in spec.get("parameters", [])
        if p.get("in") == "query"
    }
    if query:
        yield real, query, None
    yield real, {"q": "a\x00b", "status": "\x00"}, None
    if "{" in path:
        for value in NOT_AN_ID:
            yield _path_with(path, value), {}, None
    if "requestBody" in spec:
        yield real, {}, DEEP_JSON


def _send_hostile(fuzz, method, path, spec, host, token, ids):
    from django.test import Client

    client = Client(HTTP_HOST=host)
    for url, query, body in _hostile_requests(path, spec, ids):
        if query:
            url = f"{url}?{_encoded(query)}"
        if url.startswith("/api/v1/integrations/"):
            signed = signed_headers(
                fuzz.key_id, fuzz.secret, body or b"", method=method, path=url
            )  # the path signed with its query, as a vendor does
            headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.items()}
        else:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        response = client.generic(
            method, url, body or b"", content_type="application/json", **headers
        )
        # Django's test client connects close_old_connections again after each request:
        # left connected, the next request would close the module's open transaction.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        said = f"{method} {url} ({len(body or b'')} bytes)"
        assert response.status_code < 500, f"{said}: {response.status_code}"
        _assert_says_why(said, response)


def _encoded(query: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def _assert_says_why(said: str, response) -> None:
    if not 400 <= response.status_code < 500:
        return
    assert response["Content-Type"].startswith("application/json"), (
        f"{said}: {response.status_code} without a JSON message: {response.content[:300]!r}"
    )
    body = response.json()
    messages = list(_leaves([body[k] for k in ("detail", "error") if k in body] or [body]))
    assert messages and all(isinstance(m, str) and m.strip() for m in messages), (
        f"{said}: {response.status_code} with an empty or odd message: {body!r}"
    )


@pytest.mark.parametrize(
    ("method", "path", "spec"),
    AGENCY_OPERATIONS,
    ids=[f"{m} {p}" for m, p, _s in AGENCY_OPERATIONS],
)
def test_agency_api_hostile_input(fuzz, method, path, spec):
    _send_hostile(fuzz, method, path, spec, AGENCY_HOST, fuzz.agency_token, fuzz.agency_ids)


@pytest.mark.parametrize(
    ("method", "path", "spec"),
    PROVINCE_OPERATIONS,
    ids=[f"{m} {p}" for m, p, _s in PROVINCE_OPERATIONS],
)
def test_province_api_hostile_input(fuzz, method, path, spec):
    _send_hostile(fuzz, method, path, spec, CONSOLE_HOST, fuzz.province_token, fuzz.province_ids)
