"""Per-request and per-task context for log lines and Sentry events.

The agency schema and a request id travel in context variables, set by the
middleware for web requests and by Celery signals for tasks, so every log
line says which agency and which request it belongs to.
"""

from __future__ import annotations

import contextvars

# Request fields that carry what a person types to sign or to open a credential (the page
# forms and the REST API use the same names): hidden from Django's error reports
# (`sensitive_post_parameters`) and scrubbed from Sentry events, whose default list names
# only "password", "secret", "token"... exactly.
SECRET_FIELDS = ("signing_secret", "agency_secret", "password", "pin", "access_token")

schema_var: contextvars.ContextVar[str] = contextvars.ContextVar("schema", default="-")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class ContextFilter:
    def filter(self, record):
        record.schema = schema_var.get()
        record.request_id = request_id_var.get()
        return True


def sentry_before_send(event, hint):
    tags = event.setdefault("tags", {})
    tags["schema"] = schema_var.get()
    tags["request_id"] = request_id_var.get()
    return event


def sentry_scrubber(*, send_default_pii: bool):
    """Sentry's scrubber with the secret fields above added to its own list, applied at any
    depth (a JSON body is a nested dict in the event)."""
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    return EventScrubber(
        denylist=[*DEFAULT_DENYLIST, *SECRET_FIELDS],
        recursive=True,
        send_default_pii=send_default_pii,
    )
