"""Properties of the one-stop-shop event validator and the inbox (hypothesis).

Whatever a vendor sends, `validate` returns an event or raises EventError with a reason,
`events_ingest` answers every item and keeps it in the inbox, and the signed HTTP endpoint
answers with a 2xx/4xx JSON body: never an exception.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from integrations.models import InboxEvent, InboxStatus
from integrations.services.ingest import events_ingest
from integrations.services.keys import api_key_create, signed_headers
from quality.procedures.events import EVENT_TYPES, TZ, Event, EventError, validate

PURE = settings(max_examples=300, deadline=None, derandomize=True, database=None)
WITH_DB = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=TZ)

# Anything json.loads can produce, NaN, infinities and NUL characters included.
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.just("")
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
ids = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:\-/]{0,20}\Z")
moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2026, 3, 1)).map(
    lambda d: d.replace(tzinfo=TZ).isoformat()
)
data_values = {
    "application_id": ids,
    "procedure_code": ids,
    "channel": st.sampled_from(["desk", "portal", "post"]),
    "step": st.integers(min_value=1, max_value=99),
    "agency_fault": st.booleans(),
    "new_due_at": moments,
}


@st.composite
def valid_events(draw):
    kind = draw(st.sampled_from(sorted(EVENT_TYPES)))
    required, optional = EVENT_TYPES[kind]
    names = list(required) + draw(st.lists(st.sampled_from(optional), unique=True))
    text = st.text(st.characters(exclude_characters="\x00"), min_size=1, max_size=255)
    data = {name: draw(data_values.get(name, text)) for name in names}
    return {"event_id": draw(ids), "type": kind, "occurred_at": draw(moments), "data": data}


@st.composite
def mutated_events(draw):
    """A valid event with a field removed, replaced by anything, or added."""
    event = draw(valid_events())
    target = event if draw(st.booleans()) else event["data"]
    name = draw(st.sampled_from([*target, "extra"]))
    action = draw(st.sampled_from(["drop", "replace"]))
    if action == "drop":
        target.pop(name, None)
    else:
        target[name] = draw(json_values)
    return event


anything = json_values | valid_events() | mutated_events()


@PURE
@given(obj=anything)
def test_validate_returns_an_event_or_says_why(obj):
    try:
        event = validate(obj, now=NOW)
    except EventError as exc:
        assert str(exc).strip()
        return
    assert isinstance(event, Event)
    assert event.type in EVENT_TYPES
    assert (event.event_id, event.application_id) == (
        obj["event_id"],
        obj["data"]["application_id"],
    )
    assert event.occurred_at.tzinfo is not None


@PURE
@given(obj=valid_events())
def test_every_well_formed_event_is_accepted_and_survives_a_json_round_trip(obj):
    event = validate(obj, now=NOW)
    again = validate(json.loads(json.dumps(obj)), now=NOW)
    assert again == event
    assert event.occurred_at == dt.datetime.fromisoformat(obj["occurred_at"])


@pytest.mark.parametrize(
    "kind, data, message",
    [
        ("application.assigned", {"step": 0}, "data.step: số thứ tự bước, từ 1 đến 99"),
        ("application.assigned", {"step": 100}, "data.step: số thứ tự bước, từ 1 đến 99"),
        ("application.assigned", {"step": True}, "data.step: số thứ tự bước, từ 1 đến 99"),
        ("application.assigned", {"step": "2"}, "data.step: số thứ tự bước, từ 1 đến 99"),
        (
            "application.refused",
            {"reason": "x", "agency_fault": "có"},
            "data.agency_fault: true hoặc false",
        ),
        (
            "application.apology",
            {"new_due_at": "mai"},
            "data.new_due_at: “mai” không phải thời điểm ISO 8601",
        ),
        ("application.assigned", {"note": 5}, "data.note: chuỗi tối đa 255 ký tự"),
        ("application.assigned", {"note": "x" * 256}, "data.note: chuỗi tối đa 255 ký tự"),
        (
            "application.assigned",
            {"note": "a\x00b"},
            "data.note: không được chứa ký tự NUL (\\u0000)",
        ),
        (
            "application.received",
            {"procedure_code": "TT-1", "channel": "fax"},
            "data.channel: một trong desk, portal, post",
        ),
    ],
)
def test_each_wrong_data_field_is_named_with_what_it_must_be(kind, data, message):
    obj = {
        "event_id": "e-1",
        "type": kind,
        "occurred_at": "2026-03-01T09:00:00+07:00",
        "data": {"application_id": "HS-1", **data},
    }
    with pytest.raises(EventError) as caught:
        validate(obj, now=NOW)
    assert str(caught.value) == message


@pytest.fixture
def key(world):
    with schema_context(world.agency_a.schema_name):
        key, secret = api_key_create(actor=world.owner_a, name="Một cửa thử")
        yield key, secret


@WITH_DB
@example(items=[{"event_id": "a", "type": [], "data": {"application_id": "\x00"}}])
@given(items=st.lists(anything, min_size=1, max_size=5))
def test_ingest_answers_every_item_and_keeps_it_in_the_inbox(key, items):
    with schema_context("ag_alpha"):
        before = InboxEvent.objects.count()
        outcomes = events_ingest(items=items, key=key[0])
        assert len(outcomes) == len(items)
        for outcome in outcomes:
            assert outcome.status in {"accepted", "duplicate", "conflict", "rejected"}
            assert outcome.status in {"accepted", "duplicate"} or outcome.error.strip()
        new = sum(o.status in ("accepted", "rejected") for o in outcomes)
        assert InboxEvent.objects.count() == before + new


@WITH_DB
@example(body=b"\x00")
@example(body=b'{"events": NaN}')
@example(body=b'{"events": "\\u0000"}')
@example(body=b'{"event_id": "a", "type": "\\u0000", "data": {"x\\u0000": 1}}')
@given(
    body=st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.lists(anything, max_size=3).map(lambda v: json.dumps({"events": v}).encode())
    | anything.map(lambda v: json.dumps(v).encode())
)
def test_the_signed_endpoints_answer_any_body_with_json(key, body):
    key_obj, secret = key
    client = Client(HTTP_HOST="alpha.localhost")
    for path in ("/api/v1/integrations/events", "/api/v1/integrations/events/batch"):
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in signed_headers(
                key_obj.key_id, secret, body, method="POST", path=path
            ).items()
        }
        response = client.post(path, body, content_type="application/json", **headers)
        assert response.status_code in (200, 202, 400, 409), response.content[:300]
        answer = response.json()
        if response.status_code == 400:
            assert (answer.get("error") or "").strip()
    with schema_context("ag_alpha"):
        assert not InboxEvent.objects.filter(status=InboxStatus.ACCEPTED, error__gt="").exists()
