"""Per-request and per-task context for log lines and Sentry events.

The agency schema and a request id travel in context variables, set by the
middleware for web requests and by Celery signals for tasks, so every log
line says which agency and which request it belongs to.
"""

from __future__ import annotations

import contextvars

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
