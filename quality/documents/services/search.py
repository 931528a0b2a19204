"""Search over codes, titles and the text of files, ignoring diacritics and case.

Each document keeps a `tsvector` of its folded text (see iso_platform.text.fold), built
with the `simple` configuration: no stemming, no stop words, which suits Vietnamese. A
query "quy trinh danh gia" becomes `quy:* & trinh:* & danh:* & gia:*` (prefixes, so a
word being typed still matches) and uses the GIN index.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, QuerySet

from iso_platform.text import fold
from quality.documents.models import Document, RevisionFile

MAX_INDEXED_CHARS = 500_000
WORD_RE = re.compile(r"[0-9a-z]+")


def words(text: str) -> list[str]:
    return WORD_RE.findall(fold(text))


def document_reindex(*, document_id: int) -> None:
    document = (
        Document.objects.select_related("current_revision", "latest_revision")
        .filter(pk=document_id)
        .first()
    )
    if document is None:  # discarded (a draft) before the index caught up
        return
    revision = document.current_revision or document.latest_revision
    parts = [document.code, document.title, document.legal_number, document.issuer]
    if revision is not None:
        parts += [revision.title, revision.body, revision.change_summary]
        parts += list(RevisionFile.objects.filter(revision=revision).values_list("text", flat=True))
    text = " ".join(words(" ".join(p for p in parts if p)))[:MAX_INDEXED_CHARS]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE quality_documents_document SET search_vector = to_tsvector('simple', %s) "
            "WHERE id = %s",
            [text, document_id],
        )


def search_query(text: str) -> SearchQuery | None:
    terms = words(text)
    if not terms:
        return None
    return SearchQuery(
        " & ".join(f"{term}:*" for term in terms[:12]), search_type="raw", config="simple"
    )


def document_search(queryset: QuerySet, text: str) -> QuerySet:
    query = search_query(text)
    if query is None:
        return queryset
    return (
        queryset.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "code")
    )
