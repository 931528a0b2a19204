"""The agency portal's navigation: the QMS areas, in the order of ISO 9001:2015.

An area whose URL does not resolve is shown as "sắp có" (coming) and is not a link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    clause: str
    icon: str
    url_name: str | None = None
    order: int = 0

    @property
    def url(self) -> str | None:
        if self.url_name is None:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


# The areas register their tile in their AppConfig.ready (the core names none of them);
# `order` keeps the order of ISO 9001:2015 whatever the order the apps load in.
_areas: dict[str, Area] = {}


def area_register(area: Area) -> None:
    _areas[area.key] = area


def areas() -> list[Area]:
    """The registered areas, in their order."""
    return sorted(_areas.values(), key=lambda area: (area.order, area.key))
