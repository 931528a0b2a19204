"""Template packs: versioned starting content (data files under onboarding/packs/), installed
into an agency's schema as draft documents and a record register the agency then adapts.

Installing is idempotent per pack version and uses a handful of bulk statements, so it can
run inside the provisioning transaction without slowing the pool claim noticeably.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from onboarding.models import PackInstall
from quality.core.models import AuditEvent
from quality.documents.models import Document, RecordSeries, Revision
from quality.documents.services.search import words

PACKS = Path(__file__).resolve().parent.parent / "packs"
DEFAULT_PACK = "framework-101"


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


@cache
def pack_load(key: str = DEFAULT_PACK) -> dict:
    return json.loads((PACKS / key / "pack.json").read_text(encoding="utf-8"))


@transaction.atomic
def pack_install(*, agency_name: str, key: str = DEFAULT_PACK, year: int | None = None) -> int:
    """Install the pack into the current schema; return the number of documents created."""
    pack = pack_load(key)
    if PackInstall.objects.filter(pack=key, version=pack["version"]).exists():
        return 0
    values = _Blank(agency_name=agency_name, year=year or timezone.localdate().year)
    documents = Document.objects.bulk_create(
        [
            Document(
                doc_type=item["doc_type"],
                code=item["code"].format_map(values),
                title=item["title"].format_map(values),
                pack_key=f"{key}:{item['key']}",
            )
            for item in pack["documents"]
        ]
    )
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                document=document,
                number=1,
                title=document.title,
                body=item["body"].format_map(values),
            )
            for document, item in zip(documents, pack["documents"], strict=True)
        ]
    )
    for document, revision in zip(documents, revisions, strict=True):
        document.latest_revision = revision
    Document.objects.bulk_update(documents, ["latest_revision"])
    series = _record_series(pack, documents, values["year"])
    _index(documents, revisions)
    _audit(documents, pack)
    PackInstall.objects.create(
        pack=key, version=pack["version"], documents=len(documents), record_series=len(series)
    )
    return len(documents)


def _record_series(pack: dict, documents, year: int):
    by_code = {d.code: d for d in documents}
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
        ]
    )


def _index(documents, revisions) -> None:
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


def _audit(documents, pack: dict) -> None:
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_label="hệ thống",
                action="create_from_pack",
                subject_type="document",
                subject_id=str(d.pk),
                subject_label=str(d)[:300],
                changes={"pack": pack["key"], "version": pack["version"]},
            )
            for d in documents
        ]
    )
