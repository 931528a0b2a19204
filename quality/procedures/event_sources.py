"""Where an application's received events come from, for its page.

The one-stop-shop inbox belongs to `integrations`, above this area: it registers its source
in its AppConfig.ready, so the procedures area shows events without knowing who stores them.
"""

from __future__ import annotations

from collections.abc import Callable

EVENTS_SHOWN = 200

_sources: dict[str, Callable] = {}


def event_source_register(name: str, source: Callable) -> None:
    """`source(application, limit)` returns the application's events (with `occurred_at`)."""
    _sources[name] = source


def application_events(application) -> list:
    """The application's events from every source, oldest first."""
    events = [e for source in _sources.values() for e in source(application, EVENTS_SHOWN)]
    return sorted(events, key=lambda e: e.occurred_at)[:EVENTS_SHOWN]
