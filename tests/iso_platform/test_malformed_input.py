"""Malformed input is a 400 that says what is wrong, in Vietnamese, never a 500.

As classes: JSON nested beyond any use or too large (every DRF endpoint through the default
parser, the integration endpoints through the same function), query parameters that cannot
be what they name (the lists' filter sets), NUL characters anywhere in the address, the query
or a form (one middleware), and what Django refuses by itself (handler400).
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from integrations.models import InboxEvent
from integrations.services.keys import api_key_create, sign
from iso_platform.accounts.services import api_token_create
from iso_platform.parsers import JSON_MAX_DEPTH, JsonRefused, json_loads

AGENCY, CONSOLE = "alpha.localhost", "localhost"
DEEP_BODIES = [
    b"[" * 50_000,
    b'{"a":' * 50_000,
    b'{"title": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",  # well formed, just deep
]


@pytest.fixture
def agency_api(world):
    with schema_context(world.agency_a.schema_name):
        _token, raw = api_token_create(user=world.owner_a, name="malformed")
    return Client(HTTP_HOST=AGENCY, HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def console_api(world):
    with schema_context("public"):
        _token, raw = api_token_create(user=world.province_admin, name="malformed")
    return Client(HTTP_HOST=CONSOLE, HTTP_AUTHORIZATION=f"Bearer {raw}")


def _detail(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return str(response.json())


# --------------------------------------------------------------------------- JSON bodies


@pytest.mark.parametrize("raw", DEEP_BODIES, ids=["arrays", "objects", "valid-but-deep"])
@pytest.mark.parametrize(
    "path", ["/api/v1/documents/", "/api/v1/nonconformities/", "/api/v1/risks/"]
)
def test_deeply_nested_json_is_a_400_on_agency_endpoints(agency_api, path, raw):
    response = agency_api.post(path, raw, content_type="application/json")
    assert response.status_code == 400
    assert "lồng nhau quá sâu" in _detail(response)


@pytest.mark.parametrize("raw", DEEP_BODIES[:2], ids=["arrays", "objects"])
def test_deeply_nested_json_is_a_400_on_the_console_api(console_api, raw):
    response = console_api.post("/api/v1/agencies/", raw, content_type="application/json")
    assert response.status_code == 400
    assert "lồng nhau quá sâu" in _detail(response)


def test_a_patch_is_parsed_the_same_way(agency_api, world):
    response = agency_api.patch(
        "/api/v1/documents/1/", b"[" * 50_000, content_type="application/json"
    )
    assert response.status_code in (400, 404)  # the object may be looked up first
    if response.status_code == 400:
        assert "lồng nhau quá sâu" in _detail(response)


def test_broken_json_says_where_in_vietnamese(agency_api):
    response = agency_api.post("/api/v1/documents/", b'{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert "không phải JSON hợp lệ (dòng 1, cột 11)" in _detail(response)
    nan = agency_api.post("/api/v1/documents/", b'{"x": NaN}', content_type="application/json")
    assert nan.status_code == 400 and "NaN không phải giá trị JSON" in _detail(nan)


def test_a_body_over_the_size_limit_is_a_400(agency_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = b'{"title": "' + b"a" * 2_000 + b'"}'
    response = agency_api.post("/api/v1/documents/", body, content_type="application/json")
    assert response.status_code == 400
    assert "quá lớn" in _detail(response)


@pytest.fixture
def vendor(world):
    with schema_context(world.agency_a.schema_name):
        key, secret = api_key_create(actor=world.owner_a, name="Một cửa (thử)")
    return key, secret


def _signed_post(path, raw: bytes, key, secret):
    stamp = int(time.time())
    return Client(HTTP_HOST=AGENCY).post(
        path,
        data=raw,
        content_type="application/json",
        HTTP_X_EISO_KEY=key.key_id,
        HTTP_X_EISO_TIMESTAMP=str(stamp),
        HTTP_X_EISO_SIGNATURE=sign(secret, stamp, raw, method="POST", path=path),
    )


@pytest.mark.parametrize(
    "path", ["/api/v1/integrations/events", "/api/v1/integrations/events/batch"]
)
@pytest.mark.parametrize("raw", DEEP_BODIES, ids=["arrays", "objects", "valid-but-deep"])
def test_deeply_nested_json_is_a_400_on_the_integration_endpoints(world, vendor, path, raw):
    key, secret = vendor
    response = _signed_post(path, raw, key, secret)
    assert response.status_code == 400
    assert "lồng nhau quá sâu" in response.json()["error"]
    with schema_context(world.agency_a.schema_name):
        kept = InboxEvent.objects.get(key=key)
    assert kept.status == "rejected" and "lồng nhau quá sâu" in kept.error


def test_an_oversized_integration_body_is_a_json_400(vendor, settings):
    key, secret = vendor
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = _signed_post("/api/v1/integrations/events", b"[" + b"1," * 1000 + b"1]", key, secret)
    assert response.status_code == 400
    assert "quá lớn" in response.json()["detail"]


def test_the_depth_limit_lets_ordinary_nesting_through():
    nested = "[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH
    assert json_loads(nested.encode()) is not None
    with pytest.raises(JsonRefused):
        json_loads(("[" * (JSON_MAX_DEPTH + 1) + "]" * (JSON_MAX_DEPTH + 1)).encode())
    # brackets inside strings are text, not nesting
    assert json_loads(('{"a": "' + "[" * 10_000 + '\\" {"}').encode()) == {
        "a": "[" * 10_000 + '" {'
    }


# --------------------------------------------------------------------------- query parameters


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [
        ("/api/v1/documents/", "unit=abc", "unit"),
        ("/api/v1/documents/", "unit=1.5", "unit"),
        ("/api/v1/documents/", "unit=-3", "unit"),
        ("/api/v1/documents/", "unit=99999999999999999999999", "unit"),
        ("/api/v1/documents/", "status=bogus", "status"),
        ("/api/v1/documents/", "doc_type=%27%3B--", "doc_type"),
        ("/api/v1/risks/", "unit=abc", "unit"),
        ("/api/v1/risks/", "status=bogus", "status"),
        ("/api/v1/nonconformities/", "status=bogus", "status"),
        ("/api/v1/actions/", "kind=bogus", "kind"),
        ("/api/v1/audit-plans/", "year=abc", "year"),
        ("/api/v1/objectives/", "year=20x6", "year"),
        ("/api/v1/record-series/", "year=-1", "year"),
    ],
)
def test_a_query_parameter_that_cannot_be_what_it_names_is_a_400(agency_api, path, query, name):
    response = agency_api.get(f"{path}?{query}")
    assert response.status_code == 400, response.content[:300]
    messages = response.json()[name]
    assert messages and all(m.strip() for m in messages)
    assert any(word in messages[0] for word in ("mã số", "năm", "danh sách cho phép"))


def test_good_query_parameters_still_filter(agency_api, world):
    from quality.core.models import Unit

    with schema_context(world.agency_a.schema_name):
        unit = Unit.objects.create(code="QP", name="Phòng Thử")
    listed = agency_api.get(f"/api/v1/documents/?unit={unit.pk}&status=in_force&q=quy")
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert agency_api.get("/api/v1/actions/?mine=yes&overdue=1").status_code == 200
    assert agency_api.get("/api/v1/context-issues/?active=no").status_code == 200
    assert agency_api.get("/api/v1/audit-plans/?year=2026").status_code == 200


# --------------------------------------------------------------------------- NUL characters


@pytest.mark.parametrize(
    "query",
    ["q=a%00b", "status=%00", "q=%00&status=draft", "a%00b=1", "limit=%00", "unit=1%00"],
)
@pytest.mark.parametrize(
    "path", ["/api/v1/documents/", "/api/v1/nonconformities/", "/api/v1/risks/"]
)
def test_a_nul_in_a_query_parameter_is_a_400_on_the_api(agency_api, path, query):
    response = agency_api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert "ký tự NUL" in response.json()["detail"]


def test_a_nul_in_the_path_is_a_400(agency_api):
    response = agency_api.get("/api/v1/integrations/events/a%00b")
    assert response.status_code == 400 and "ký tự NUL" in _detail(response)
    page = Client(HTTP_HOST=AGENCY).get("/documents/%00/")
    assert page.status_code == 400 and "ký tự NUL" in page.content.decode()


def test_a_nul_on_the_pages_is_a_400_page(world, client_for):
    client = client_for(world.agency_a, world.owner_a)
    response = client.get("/documents/?q=a%00b")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Yêu cầu không hợp lệ" in page and "tham số “q”" in page


@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_a_nul_in_a_form_field_is_a_400(world, multipart):
    client = Client(HTTP_HOST=AGENCY)
    data = {"username": "thuky@alpha.test\x00", "password": "x"}
    if multipart:
        response = client.post("/accounts/login/", data)
    else:
        from urllib.parse import urlencode

        response = client.post(
            "/accounts/login/", urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 400
    assert "trường “username”" in response.content.decode()


def test_a_nul_in_a_multipart_api_field_is_a_400_and_the_body_stays_readable(agency_api, vendor):
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4", "application/pdf")
    response = agency_api.post("/api/v1/documents/", {"title": "a\x00b", "file": upload})
    assert response.status_code == 400 and "ký tự NUL" in response.json()["detail"]
    # a signed multipart body the integration API reads raw after the middleware parsed it
    key, secret = vendor
    stamp = int(time.time())
    boundary = "BoUnDaRy"
    raw = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--{boundary}--\r\n'
    ).encode()
    refused = Client(HTTP_HOST=AGENCY).post(
        "/api/v1/integrations/events",
        data=raw,
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_X_EISO_KEY=key.key_id,
        HTTP_X_EISO_TIMESTAMP=str(stamp),
        HTTP_X_EISO_SIGNATURE=sign(
            secret, stamp, raw, method="POST", path="/api/v1/integrations/events"
        ),
    )
    assert refused.status_code == 400
    assert "JSON" in refused.json()["error"]


def test_what_django_refuses_itself_is_said_in_vietnamese(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    query = "&".join(f"f{n}=1" for n in range(10))
    api = Client(HTTP_HOST=AGENCY).get(f"/api/v1/documents/?{query}")
    assert api.status_code == 400 and "quá nhiều trường" in api.json()["detail"]
    page = Client(HTTP_HOST=AGENCY).get(f"/accounts/login/?{query}")
    assert page.status_code == 400 and "Yêu cầu không hợp lệ" in page.content.decode()


def test_the_parser_reads_no_more_than_the_limit(settings):
    import io

    from rest_framework.exceptions import ParseError

    from iso_platform.parsers import JSONParser

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    with pytest.raises(ParseError, match="quá lớn"):
        JSONParser().parse(io.BytesIO(b'["' + b"a" * 100 + b'"]'), parser_context={})
    assert JSONParser().parse(io.BytesIO(b"[1, 2]"), parser_context={}) == [1, 2]
