"""Who may download the signed copy of what. quality.core keeps the signed documents but
does not know the areas: each area names, in its AppConfig.ready, the capability that reads
the subjects it signs (`subject_register("revision", "documents.view")`). A signed document
whose subject nobody registered is not served by the API (404)."""

from __future__ import annotations

_READERS: dict[str, str] = {}


def subject_register(model_name: str, capability: str) -> None:
    """`model_name` is the subject's `_meta.model_name`, as SignedDocument.subject_type."""
    _READERS[model_name] = capability


def reader_capability(model_name: str) -> str | None:
    return _READERS.get(model_name)
