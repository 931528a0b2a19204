"""Where a record went: old links of an agency merged into another, and of records a split
moved to a new agency, follow the record through the provenance rows that the move wrote in
the receiving agency (`quality_core_provenance`: kind, new id, old agency's code, old id).

Reads across agencies, as the data engine does: only the receiving agency's provenance rows
and the public schema's agencies and operations are read; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from tenants import moved_links
from tenants.models import Agency, LifecycleOperation, OperationKind, OperationStatus
from tenants.services.datamove.engine.common import qt

MAX_HOPS = 10  # merged into an agency itself merged...: a chain, never a loop


@dataclass(frozen=True)
class Moved:
    agency: Agency  # where the record is now (or, for `path` = "/", where the agency went)
    path: str  # its page there
    found: bool  # False: the link names records of no known new address


def final_agency(agency: Agency) -> Agency:
    """The agency that holds what `agency` held: itself, or the end of its merges."""
    seen = {agency.pk}
    while agency.merged_into_id and len(seen) <= MAX_HOPS:
        agency = Agency.objects.get(pk=agency.merged_into_id)
        if agency.pk in seen:
            break
        seen.add(agency.pk)
    return agency


def new_id(*, holder: Agency, source_code: str, model: str, old_id: int) -> int | None:
    """The id in `holder` of the record `old_id` of kind `model` that came from the agency
    `source_code` (the latest move, if it came more than once)."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT object_id FROM {qt(holder.schema_name, 'quality_core_provenance')} "  # noqa: S608
            "WHERE object_type = %s AND source_code = %s AND source_id = %s "
            "ORDER BY at DESC, id DESC LIMIT 1",
            [model, source_code, str(old_id)],
        )
        row = cur.fetchone()
    return int(row[0]) if row else None


def _record(path: str):
    """(match, kind) when `path` is a registered record page of the agency portal."""
    try:
        match = resolve(path, urlconf=settings.ROOT_URLCONF)
    except Resolver404:
        return None, None
    return match, moved_links.kind_of(match.view_name)


def _ids(match) -> dict[str, int]:
    return {k: v for k, v in match.kwargs.items() if isinstance(v, int)}


def _page(match, kind, new: int) -> str | None:
    """The same page with the new id; the record's own page when the link also names ids
    that did not move with their own provenance (a revision, a file)."""
    try:
        if set(_ids(match)) == {kind.kwarg}:
            kwargs = {**match.kwargs, kind.kwarg: new}
            return reverse(match.view_name, kwargs=kwargs, urlconf=settings.ROOT_URLCONF)
        return reverse(kind.page, kwargs={kind.kwarg: new}, urlconf=settings.ROOT_URLCONF)
    except NoReverseMatch:
        return None


def merged_link(*, agency: Agency, path: str) -> Moved:
    """Where a link of `agency` (merged into another) leads now: the same path on the
    receiving agency when it names no record, the record's new page when its provenance is
    known, else the receiving agency's home (`found` False)."""
    holder = final_agency(agency)
    match, kind = _record(path)
    if match is None or not _ids(match):
        return Moved(holder, path, True)
    if kind is not None and kind.kwarg in match.kwargs:
        new = new_id(
            holder=holder,
            source_code=agency.code,
            model=kind.model,
            old_id=match.kwargs[kind.kwarg],
        )
        page = _page(match, kind, new) if new is not None else None
        if page:
            return Moved(holder, page, True)
    return Moved(holder, "/", False)


def split_link(*, agency: Agency, path: str) -> Moved | None:
    """For a page of `agency` that no longer finds its record: the record's new page in the
    agency a split moved it to, or None."""
    match, kind = _record(path)
    if kind is None or not isinstance(match.kwargs.get(kind.kwarg), int):
        return None
    splits = (
        LifecycleOperation.objects.filter(
            kind=OperationKind.SPLIT,
            agency=agency,
            status=OperationStatus.SUCCEEDED,
            other__isnull=False,
        )
        .select_related("other")
        .order_by("-finished_at")
    )
    for op in splits:
        holder = final_agency(op.other)
        new = new_id(
            holder=holder,
            source_code=agency.code,
            model=kind.model,
            old_id=match.kwargs[kind.kwarg],
        )
        page = _page(match, kind, new) if new is not None else None
        if page:
            return Moved(holder, page, True)
    return None
