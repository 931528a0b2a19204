"""Template packs: versioned starting content per agency kind, installed into an agency's
schema as draft documents and a record register the agency then adapts.

A pack ships as a data file (`onboarding/packs/<key>/pack.json`, optionally `extends` another
pack and adds or replaces items by key). What agencies receive is a *release*
(`PackRelease`, public schema): the resolved content of one version, frozen when the
province publishes it. The file packs are published as their release on first use; later
versions are uploaded and published on the province console (services.releases).

Installing is idempotent per pack version and uses a handful of bulk statements, so it can
run inside the provisioning transaction without slowing the pool claim noticeably. Every
installed item is remembered (`onboarding.PackItemState`) so later versions can be adopted
item by item (services.adoption).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from onboarding.models import PackInstall, PackItemState
from onboarding.province.models import PackRelease
from quality.core.models import AuditEvent
from quality.documents.models import Document, RecordSeries, Revision
from quality.documents.services.search import words

PACKS = Path(__file__).resolve().parent.parent / "packs"
DEFAULT_PACK = "framework-101"


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(text: str, *, agency_name: str, year: int) -> str:
    """Fill `{agency_name}` and `{year}`; any other brace stays as written."""
    return text.format_map(_Blank(agency_name=agency_name, year=year))


@cache
def _file(key: str) -> dict:
    return json.loads((PACKS / key / "pack.json").read_text(encoding="utf-8"))


@cache
def pack_load(key: str = DEFAULT_PACK) -> dict:
    """A file pack, resolved: the items of the pack it extends, replaced or extended by its
    own (same key: replaced, in place; new keys: appended)."""
    own = _file(key)
    if not own.get("extends"):
        return own
    base = pack_load(own["extends"])
    documents = {item["key"]: item for item in base["documents"]}
    for item in own["documents"]:
        documents[item["key"]] = item
    series = {(s["procedure"], s["name"]): s for s in base.get("record_series", [])}
    for item in own.get("record_series", []):
        series[(item["procedure"], item["name"])] = item
    return {
        **{k: v for k, v in own.items() if k != "extends"},
        "based_on": own["extends"],
        "documents": list(documents.values()),
        "record_series": list(series.values()),
    }


def file_pack_keys() -> list[str]:
    return sorted(p.parent.name for p in PACKS.glob("*/pack.json"))


def pack_for_kind(kind: str | None) -> str:
    """The pack meant for an agency kind (the framework pack when none names it)."""
    for key in file_pack_keys():
        if kind and kind in _file(key).get("kinds", []):
            return key
    return DEFAULT_PACK


def release_content(key: str, version: int | None = None) -> dict:
    """The content of a published release (the newest when `version` is None); a file pack
    that was never published as a release is its own version 1 (read-only: no write here,
    so this is safe inside an agency's provisioning transaction)."""

    releases = PackRelease.objects.filter(key=key, published_at__isnull=False)
    if version is not None:
        releases = releases.filter(version=version)
    release = releases.order_by("-version").first()
    if release is not None:
        return release.content
    pack = pack_load(key)
    if version is not None and version != pack["version"]:
        raise LookupError(f"{key} v{version} is not published")
    return pack


@transaction.atomic
def pack_install(
    *,
    agency_name: str,
    key: str | None = None,
    kind: str | None = None,
    year: int | None = None,
) -> int:
    """Install the newest release of the pack (`key`, or the one for `kind`) into the current
    schema; return the number of documents created. Items whose code already exists in the
    agency are left out (an agency that has the framework pack and adds the commune pack
    gets only what is new)."""
    key = key or pack_for_kind(kind)
    pack = release_content(key)
    if PackInstall.objects.filter(pack=key, version=pack["version"]).exists():
        return 0
    year = year or timezone.localdate().year
    taken = set(Document.objects.values_list("code", flat=True))
    items = [
        item
        for item in pack["documents"]
        if render(item["code"], agency_name=agency_name, year=year) not in taken
    ]
    documents = Document.objects.bulk_create(
        [
            Document(
                doc_type=item["doc_type"],
                code=render(item["code"], agency_name=agency_name, year=year),
                title=render(item["title"], agency_name=agency_name, year=year),
                pack_key=f"{key}:{item['key']}",
            )
            for item in items
        ]
    )
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                document=document,
                number=1,
                title=document.title,
                body=render(item["body"], agency_name=agency_name, year=year),
            )
            for document, item in zip(documents, items, strict=True)
        ]
    )
    for document, revision in zip(documents, revisions, strict=True):
        document.latest_revision = revision
    Document.objects.bulk_update(documents, ["latest_revision"])
    series = _record_series(pack, year)
    _index(documents, revisions)
    _audit(documents, key, pack["version"])
    # Items left out because the agency already has a document with that code (from another
    # pack) are linked to that document, so they are compared with later versions too.
    codes = {render(item["code"], agency_name=agency_name, year=year) for item in pack["documents"]}
    kept = {d.code: d for d in Document.objects.filter(code__in=codes & taken).only("pk", "code")}
    skipped = [
        (kept[render(item["code"], agency_name=agency_name, year=year)], item)
        for item in pack["documents"]
        if render(item["code"], agency_name=agency_name, year=year) in kept
    ]
    PackItemState.objects.bulk_create(
        [
            PackItemState(pack=key, item_key=item["key"], version=pack["version"], document=d)
            for d, item in [*zip(documents, items, strict=True), *skipped]
        ],
        ignore_conflicts=True,
    )
    PackInstall.objects.create(
        pack=key, version=pack["version"], documents=len(documents), record_series=len(series)
    )
    return len(documents)


def _record_series(pack: dict, year: int):
    by_code = {
        d.code: d
        for d in Document.objects.filter(
            code__in=[item["procedure"] for item in pack.get("record_series", [])]
        )
    }
    existing = set(RecordSeries.objects.filter(year=year).values_list("name", flat=True))
    return RecordSeries.objects.bulk_create(
        [
            RecordSeries(
                year=year,
                procedure=by_code.get(item["procedure"]),
                name=item["name"],
                keeper=item.get("keeper", ""),
                location=item.get("location", ""),
                retention_months=item.get("retention_months"),
                disposal_method=item.get("disposal_method", "destroy"),
            )
            for item in pack.get("record_series", [])
            if item["name"] not in existing
        ]
    )


def _index(documents, revisions) -> None:
    if not documents:
        return
    rows = [
        (d.pk, " ".join(words(f"{d.code} {d.title} {r.body}")))
        for d, r in zip(documents, revisions, strict=True)
    ]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE quality_documents_document AS d SET search_vector = to_tsvector('simple', v.t)"
            " FROM unnest(%s::bigint[], %s::text[]) AS v(id, t) WHERE d.id = v.id",
            [[r[0] for r in rows], [r[1] for r in rows]],
        )


def _audit(documents, key: str, version: int) -> None:
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_label="hệ thống",
                action="create_from_pack",
                subject_type="document",
                subject_id=str(d.pk),
                subject_label=str(d)[:300],
                changes={"pack": key, "version": version},
            )
            for d in documents
        ]
    )
