"""Whether the agency this request serves is read-only (archived): set by the routing
middleware for the length of one request (tenants/middleware.py), read by the pages so that
they show a banner and no create or edit button or form (quality.core.permissions.can), while
the middleware still refuses every write.

Outside a request (a task, a command, a test calling a service) nothing is read-only here:
the services' own checks apply.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_serving: ContextVar[bool] = ContextVar("agency_read_only", default=False)


def serving_read_only() -> bool:
    return _serving.get()


def begin(read_only: bool) -> Token:
    return _serving.set(read_only)


def end(token: Token) -> None:
    _serving.reset(token)
