"""Which pages show one record, by kind: what lets an old link follow a record that a merge
or a split moved to another agency (tenants/services/moved.py, tenants/middleware.py).

Each QMS area registers its records' pages in its AppConfig.ready (the registry is read by
the tenancy layer, which never imports the areas):

    moved_links.register("quality_improvement.nonconformity", "improvement:detail")

The first URL name is the record's own page (`pk` = its id); the others are further pages
of the same record, reached again with the new id when the link names no other id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    model: str  # app_label.model_name, as in the provenance rows (quality_core.Provenance)
    page: str  # URL name of the record's own page
    kwarg: str = "pk"


_BY_URL: dict[str, Kind] = {}


def register(model: str, page: str, *others: str, kwarg: str = "pk") -> None:
    kind = Kind(model=model, page=page, kwarg=kwarg)
    for name in (page, *others):
        _BY_URL[name] = kind


def kind_of(url_name: str) -> Kind | None:
    return _BY_URL.get(url_name)
