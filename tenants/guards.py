"""Write guards: reasons an active agency serves read-only for a while.

The agency middleware asks before every write (POST, PUT, PATCH, DELETE). The layers above
register their reasons in their AppConfig.ready (billing: an overdue invoice past its grace
period); tenants itself knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    """Why writes are refused: the message for people, and fields added to an API answer."""

    message: str
    extra: dict = field(default_factory=dict)


_guards: dict[str, Callable[..., Refusal | None]] = {}


def write_guard_register(name: str, guard: Callable[..., Refusal | None]) -> None:
    """`guard(agency)` returns a Refusal while the agency must not be written, else None."""
    _guards[name] = guard


def write_refusal(agency) -> Refusal | None:
    for guard in _guards.values():
        refusal = guard(agency)
        if refusal is not None:
            return refusal
    return None
