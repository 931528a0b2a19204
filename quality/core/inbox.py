"""One inbox: what waits for a person across documents, actions, nonconformities, audits,
objectives and reviews, with due dates. Used by the "Việc của tôi" page and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass
class Item:
    area: str
    icon: str
    title: str
    url: str
    due_on: dt.date | None = None
    note: str = ""
    kind: str = ""

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and self.due_on < today

    def as_dict(self, today: dt.date) -> dict:
        return {
            "kind": self.kind,
            "area": self.area,
            "title": self.title,
            "url": self.url,
            "due_on": self.due_on,
            "overdue": self.overdue(today),
            "note": self.note,
        }


# Sources of items, registered by the areas in their AppConfig.ready (the core knows none
# of them): `source(user, today) -> list[Item]`.
_sources: dict[str, Callable[..., list[Item]]] = {}


def source_register(name: str, source: Callable[..., list[Item]]) -> None:
    _sources[name] = source


def inbox_for(user, today: dt.date | None = None) -> list[Item]:
    today = today or timezone.localdate()
    items: list[Item] = []
    for source in _sources.values():
        items += source(user, today)
    return sorted(items, key=lambda i: (i.due_on is None, i.due_on or today, i.area, i.title))
