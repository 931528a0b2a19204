"""Stored files that travel with moved rows.

Files live outside the database transaction, so the order is: copy the source's files
to their new names before the commit (the moved rows point at the new names), delete
the source's files only after the commit, and remove the copies if the transaction
rolls back. Copying is idempotent (a file already in place with the same size is kept),
so a job run again after a crash simply finishes the work.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import connection

from tenants.services.datamove.catalog import catalog
from tenants.services.datamove.engine.common import q, qt

logger = logging.getLogger(__name__)


def file_columns() -> list[tuple[str, str]]:
    return [(t.name, c) for t in catalog().values() if t.data for c in t.file_columns]


def stored_paths(schema: str, selection: dict[str, set[int]] | None = None) -> list[str]:
    """Every stored file name in the schema's rows (or in the selected rows)."""
    paths: list[str] = []
    tables = catalog()
    with connection.cursor() as cur:
        for table, column in file_columns():
            sql = f"SELECT {q(column)} FROM {qt(schema, table)} WHERE {q(column)} <> ''"  # noqa: S608
            params: list = []
            if selection is not None:
                sql += f" AND {q(tables[table].pk)} = ANY(%s)"
                params.append(list(selection.get(table, ())))
            cur.execute(sql, params)
            paths += [row[0] for row in cur.fetchall()]
    return paths


def moved_name(path: str, *, source: str, prefix: str) -> str:
    """The same rule as the engine's SQL: re-root `source/...` under `prefix`."""
    head = f"{source}/"
    return prefix + (path[len(head) :] if path.startswith(head) else path)


def _local_path(name: str) -> Path | None:
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:  # remote storage (S3): use the storage API
        return None


def copy_files(pairs: Iterable[tuple[str, str]]) -> dict:
    """Copy `old -> new` names. Returns counts; a missing source file is reported, not fatal
    (the row still moves: nothing is lost that existed)."""
    copied, kept, missing, size = [], 0, [], 0
    for old, new in pairs:
        src, dst = _local_path(old), _local_path(new)
        if src is not None and dst is not None:
            if not src.exists():
                missing.append(old)
                continue
            if dst.exists() and dst.stat().st_size == src.stat().st_size:
                kept += 1
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)  # same file system: O(1), no extra space
            except OSError:
                shutil.copy2(src, dst)
            size += src.stat().st_size
        else:
            if not default_storage.exists(old):
                missing.append(old)
                continue
            if default_storage.exists(new):
                kept += 1
                continue
            with default_storage.open(old, "rb") as handle:
                saved = default_storage.save(new, handle)
            if saved != new:  # pragma: no cover - the storage renamed it
                raise RuntimeError(f"storage saved {new} as {saved}")
            size += default_storage.size(new)
        copied.append(new)
    return {"copied": copied, "kept": kept, "missing": missing, "bytes": size}


def delete_files(names: Iterable[str]) -> int:
    deleted = 0
    for name in names:
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
                deleted += 1
        except OSError:  # best effort: a leftover file is harmless, a lost one is not
            logger.warning("could not delete %s", name)
    return deleted


def sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def remove_empty_dirs(prefix: str) -> None:
    root = _local_path(prefix)
    if root is None or not root.is_dir():
        return
    for directory, _subdirs, _files in sorted(os.walk(root), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            os.rmdir(directory)
