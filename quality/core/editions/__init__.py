"""The editions of ISO 9001 an agency can follow, as data: clause numbers, short titles in
eISO's own words (never the standard's text) and what changed from the edition before.

Each edition is a JSON file in `data/` (docs/iso-editions.md, "How to add an edition"). An
edition names its `predecessor` and lists its `changes` from it; a clause of the predecessor
that no change names and that the new edition still has is the same clause. The loader
checks the whole set before anyone uses it: every clause of an edition maps somewhere in the
next, every change points at clauses that exist, and every clause an edition adds is
declared by a change. A bad file stops the loader with `EditionDataError`, which names the
file and the clause.

The catalogue lives in quality.core because audits, reviews (the management review and the
annual report), the context register and the transition area all read it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
# The amendment has been in force since February 2024 with no transition: an agency that
# follows ISO 9001:2015 today is audited against it (docs/iso-editions.md).
DEFAULT_EDITION = "2015+A1:2024"
KINDS = ("same", "changed", "moved", "split", "merged", "new", "removed")
STATUSES = ("in_force", "superseded", "provisional")


class EditionDataError(ValueError):
    """An edition file that contradicts itself or the others (raised when loading)."""


@dataclass(frozen=True)
class Clause:
    code: str
    title: str
    heading: bool = False

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


@dataclass(frozen=True)
class Change:
    kind: str
    sources: tuple[str, ...]  # clause codes in the predecessor
    targets: tuple[str, ...]  # clause codes in this edition
    summary: str = ""
    question: str = ""

    @property
    def key(self) -> str:
        """Stable name of the change inside its edition ("split:6.1>6.1.1,6.1.2")."""
        return f"{self.kind}:{','.join(self.sources)}>{','.join(self.targets)}"


@dataclass(frozen=True)
class Edition:
    code: str
    name: str
    status: str
    clauses: tuple[Clause, ...]
    predecessor: str = ""
    changes: tuple[Change, ...] = ()
    features: frozenset[str] = frozenset()
    published: dt.date | None = None
    expected: str = ""
    transition_ends: dt.date | None = None
    dates_note: str = ""
    sources: tuple[str, ...] = ()
    _by_code: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self):
        self._by_code.update({c.code: c for c in self.clauses})

    @property
    def is_provisional(self) -> bool:
        return self.status == "provisional"

    def has(self, feature: str) -> bool:
        return feature in self.features

    @property
    def has_climate(self) -> bool:
        """Amendment 1:2024: the climate question in 4.1 and the note in 4.2."""
        return self.has("climate")

    def clause(self, code: str) -> Clause | None:
        return self._by_code.get(code)

    def codes(self) -> set[str]:
        return set(self._by_code)

    def auditable(self) -> list[Clause]:
        """The clauses a checklist question can be about (headings group the others)."""
        return [c for c in self.clauses if not c.heading]

    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Catalogue:
    editions: dict[str, Edition]

    def __getitem__(self, code: str) -> Edition:
        return self.editions[code]

    def __contains__(self, code: str) -> bool:
        return code in self.editions

    def choices(self) -> list[tuple[str, str]]:
        return [(e.code, e.name) for e in self.editions.values()]

    def all_codes(self) -> dict[str, str]:
        """Every clause code of every edition, with its title in the newest edition that has
        it (the audit area's clause table holds this union)."""
        titles: dict[str, str] = {}
        for edition in self.editions.values():
            titles.update({c.code: c.title for c in edition.clauses})
        return titles

    def path(self, start: str, end: str) -> list[Edition]:
        """The editions after `start` up to `end`, following predecessors ([] if unrelated)."""
        chain, code = [], end
        while code and code != start:
            edition = self.editions.get(code)
            if edition is None:
                return []
            chain.append(edition)
            code = edition.predecessor
        return list(reversed(chain)) if code == start else []

    def changes_between(self, start: str, end: str) -> list[tuple[Edition, Change]]:
        """Every change on the way from `start` to `end`, oldest first."""
        return [(e, change) for e in self.path(start, end) for change in e.changes]


def _fail(source: str, message: str) -> EditionDataError:
    return EditionDataError(f"Tệp phiên bản {source}: {message}")


def _date(value, source: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _fail(source, f"ngày “{value}” ở {name} không đúng dạng YYYY-MM-DD.") from None


def _clauses(raw: dict, source: str) -> tuple[Clause, ...]:
    clauses, seen = [], set()
    for item in raw.get("clauses") or []:
        code, title = str(item.get("code", "")).strip(), str(item.get("title", "")).strip()
        if not code or not title:
            raise _fail(source, "mỗi điều khoản cần code và title.")
        if code in seen:
            raise _fail(source, f"điều khoản {code} bị trùng.")
        seen.add(code)
        clauses.append(Clause(code, title, bool(item.get("heading", "." not in code))))
    if not clauses:
        raise _fail(source, "chưa có điều khoản nào.")
    return tuple(clauses)


def _changes(raw: dict, source: str) -> tuple[Change, ...]:
    out = []
    for item in raw.get("changes") or []:
        kind = item.get("kind")
        if kind not in KINDS:
            raise _fail(source, f"loại thay đổi “{kind}” không hợp lệ ({', '.join(KINDS)}).")
        out.append(
            Change(
                kind,
                tuple(item.get("from") or ()),
                tuple(item.get("to") or ()),
                item.get("summary", ""),
                item.get("question", ""),
            )
        )
    return tuple(out)


def edition_parse(raw: dict, source: str) -> Edition:
    code = str(raw.get("code", "")).strip()
    if not code or len(code) > 20:
        raise _fail(source, "cần mã phiên bản (code), tối đa 20 ký tự.")
    if raw.get("status") not in STATUSES:
        raise _fail(source, f"trạng thái “{raw.get('status')}” không hợp lệ.")
    return Edition(
        code=code,
        name=str(raw.get("name") or code),
        status=raw["status"],
        clauses=_clauses(raw, source),
        predecessor=raw.get("predecessor") or "",
        changes=_changes(raw, source),
        features=frozenset(raw.get("features") or ()),
        published=_date(raw.get("published"), source, "published"),
        expected=raw.get("expected") or "",
        transition_ends=_date(raw.get("transition_ends"), source, "transition_ends"),
        dates_note=raw.get("dates_note", ""),
        sources=tuple(raw.get("sources") or ()),
    )


def _check_change(edition: Edition, before: Edition, change: Change) -> None:
    source = edition.code
    for code in change.sources:
        if before.clause(code) is None:
            raise _fail(
                source, f"thay đổi {change.key} trỏ tới điều {code}, không có ở {before.code}."
            )
    for code in change.targets:
        if edition.clause(code) is None:
            raise _fail(source, f"thay đổi {change.key} trỏ tới điều {code}, không có ở {source}.")
    shapes = {
        "new": not change.sources and change.targets,
        "removed": change.sources and not change.targets,
        "split": len(change.sources) == 1 and len(change.targets) >= 2,
        "merged": len(change.sources) >= 2 and len(change.targets) == 1,
        "moved": len(change.sources) == 1
        and len(change.targets) == 1
        and change.sources != change.targets,
    }
    if not shapes.get(change.kind, len(change.sources) == len(change.targets) == 1):
        raise _fail(source, f"thay đổi {change.key} không đúng dạng của loại “{change.kind}”.")


def edition_check(edition: Edition, before: Edition | None) -> None:
    """Raise EditionDataError unless `edition` maps cleanly from its predecessor."""
    if before is None:
        if edition.predecessor or edition.changes:
            raise _fail(edition.code, f"phiên bản trước “{edition.predecessor}” không tồn tại.")
        return
    for change in edition.changes:
        _check_change(edition, before, change)
    named = {c for change in edition.changes for c in change.sources}
    targets = {c for change in edition.changes for c in change.targets}
    lost = sorted(before.codes() - named - edition.codes())
    if lost:
        raise _fail(edition.code, f"điều {', '.join(lost)} của {before.code} không được ánh xạ.")
    undeclared = sorted(edition.codes() - before.codes() - targets)
    if undeclared:
        raise _fail(
            edition.code, f"điều mới {', '.join(undeclared)} không có thay đổi nào khai báo."
        )


def catalogue_load(directory: Path = DATA_DIR) -> Catalogue:
    """Read and check every edition file; predecessors come before their successors."""
    parsed: dict[str, Edition] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _fail(path.name, f"không đọc được JSON ({exc}).") from exc
        edition = edition_parse(raw, path.name)
        if edition.code in parsed:
            raise _fail(path.name, f"mã phiên bản “{edition.code}” bị trùng.")
        parsed[edition.code] = edition
    ordered: dict[str, Edition] = {}
    while len(ordered) < len(parsed):
        ready = [
            e
            for e in parsed.values()
            if e.code not in ordered and (not e.predecessor or e.predecessor in ordered)
        ]
        if not ready:
            broken = sorted(set(parsed) - set(ordered))
            first = parsed[broken[0]]
            raise _fail(first.code, f"phiên bản trước “{first.predecessor}” không tồn tại.")
        for edition in ready:
            edition_check(edition, ordered.get(edition.predecessor))
            ordered[edition.code] = edition
    if DEFAULT_EDITION not in ordered and directory == DATA_DIR:
        raise _fail(DEFAULT_EDITION, "phiên bản mặc định không có trong dữ liệu.")
    return Catalogue(ordered)


@cache
def catalogue() -> Catalogue:
    return catalogue_load()


def edition_get(code: str) -> Edition:
    """The edition `code`; an unknown code (data removed since) reads as the default."""
    editions = catalogue()
    return editions[code] if code in editions else editions[DEFAULT_EDITION]


def agency_edition() -> Edition:
    """The edition the current agency follows (its settings)."""
    # Imported here: the settings model reads DEFAULT_EDITION from this module.
    from quality.core.models import AgencySettings

    return edition_get(AgencySettings.load().iso_edition)


def latest_edition() -> Edition:
    """The newest edition in the data (the target of a transition)."""
    return list(catalogue().editions.values())[-1]
