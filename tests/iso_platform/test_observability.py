"""Log lines carry the agency schema and the request id; Sentry only with a DSN, no PII."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

from iso_platform.logging_context import (
    ContextFilter,
    schema_var,
    sentry_before_send,
    sentry_scrubber,
)

ROOT = Path(__file__).resolve().parents[2]


def test_log_lines_name_the_schema_and_the_request(world):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(logging.Formatter("[%(schema)s %(request_id)s] %(message)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = Client(HTTP_HOST="alpha.localhost").get("/khong-co-trang-nay/")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert f"[ag_alpha {response['X-Request-ID']}] Not Found" in stream.getvalue()


def test_sentry_events_are_tagged_with_the_schema():
    token = schema_var.set("ag_alpha")
    try:
        event = sentry_before_send({"message": "x"}, {})
    finally:
        schema_var.reset(token)
    assert event["tags"]["schema"] == "ag_alpha"


def test_sentry_scrubs_the_signing_secrets_of_a_request_at_any_depth():
    """Sentry's own list names "password" and "secret" exactly: not the signing fields."""
    event = {
        "request": {
            "data": {
                "signing_secret": "mk-ca-nhan",
                "agency_secret": "mk-co-quan",
                "nested": {"pin": "1234"},
                "reason": "Không còn áp dụng",
            }
        }
    }
    sentry_scrubber(send_default_pii=False).scrub_event(event)
    data = event["request"]["data"]
    assert "mk-ca-nhan" not in str(event) and "mk-co-quan" not in str(event)
    assert "1234" not in str(event) and data["reason"] == "Không còn áp dụng"


def test_sentry_is_off_without_a_dsn():
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()


def test_sentry_starts_with_a_dsn_and_sends_no_personal_data():
    code = (
        "import django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options['send_default_pii'], "
        "c.options['before_send'].__name__, "
        "'signing_secret' in c.options['event_scrubber'].denylist)"
    )
    environment = dict(
        os.environ,
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="eiso.settings",
        SENTRY_DSN="https://0123456789abcdef@o0.ingest.sentry.io/1",
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "False", "sentry_before_send", "True"], result.stderr
