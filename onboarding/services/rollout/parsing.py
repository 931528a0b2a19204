"""Reading the file: CSV or XLSX, Vietnamese or English headers, into rows keyed by field."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from iso_platform import untrusted
from iso_platform.forms import error_text
from onboarding.services.rollout.common import (
    FIELD_LABELS,
    FIELDS,
    HEADERS,
    MAX_BYTES,
    MAX_ROWS,
    MSG_CSV_BROKEN,
    MSG_DUPLICATE_COLUMN,
    MSG_EMPTY,
    MSG_MISSING_COLUMNS,
    MSG_NO_ROWS,
    MSG_NOT_UTF8,
    MSG_TOO_BIG,
    MSG_TOO_MANY,
    MSG_XLS,
    MSG_XLSX_BROKEN,
    REQUIRED,
)
from tenants.models import (
    AgencyKind,
)


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line, field->value)
    errors: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    """Lowercase, no Vietnamese accents, punctuation as spaces: 'Email quản trị viên'."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[^a-z0-9@]+", " ", text).split())


_HEADER_FIELD = {alias: key for key, aliases in HEADERS.items() for alias in aliases}


@functools.cache
def _kind_values() -> dict[str, str]:
    """Accepted spellings of a kind: its value, its Vietnamese label and its English one."""
    spellings = {}
    for language in ("en", "vi"):
        with translation.override(language):
            spellings |= {_plain(str(k.label)): k.value for k in AgencyKind}
    return spellings | {_plain(k.value): k.value for k in AgencyKind}


def rollout_parse(*, content: bytes, file_name: str = "") -> ParsedFile:
    """The file's data rows keyed by field, or file-level errors (nothing else is judged).
    Read within iso_platform.untrusted's TABLE limits."""
    if len(content) > MAX_BYTES:
        return ParsedFile(errors=[_(MSG_TOO_BIG)])
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        return ParsedFile(errors=[_(MSG_XLS)])
    try:
        if content.startswith(b"PK\x03\x04") or file_name.lower().endswith(".xlsx"):
            records = _xlsx_records(content)
        else:
            records = _csv_records(content)
    except untrusted.Refused as exc:
        if exc.code == "rows":
            return ParsedFile(errors=[_(MSG_TOO_MANY) % {"max": MAX_ROWS}])
        if exc.code == "damaged" and content.startswith(b"PK"):
            return ParsedFile(errors=[_(MSG_XLSX_BROKEN) % {"error": error_text(exc)}])
        return ParsedFile(errors=exc.messages)
    if isinstance(records, str):
        return ParsedFile(errors=[records])
    return _from_records(records)


def _csv_records(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _(MSG_NOT_UTF8)
    if "\x00" in text:  # UTF-16 or a binary file; PostgreSQL stores no NUL character
        return _(MSG_NOT_UTF8)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = untrusted.csv_rows(text, delimiter=delimiter, max_rows=MAX_ROWS + 1)  # + the header
    try:
        return list(enumerate(rows, start=1))
    except csv.Error as exc:
        return _(MSG_CSV_BROKEN) % {"error": exc}


def _xlsx_records(content: bytes):
    rows = untrusted.xlsx_rows(content, max_rows=MAX_ROWS + 1)  # + the header
    return [(number, [_cell(value) for value in values]) for _sheet, number, values in rows]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _from_records(records) -> ParsedFile:
    records = [(line, [str(v).strip() for v in row]) for line, row in records]
    records = [(line, row) for line, row in records if any(row)]
    if not records:
        return ParsedFile(errors=[_(MSG_EMPTY)])
    (_header_line, header), data = records[0], records[1:]
    columns, errors = {}, []
    for index, title in enumerate(header):
        key = _HEADER_FIELD.get(_plain(title))
        if key is None:
            continue  # an extra column (notes, a row number): ignored
        if key in columns:
            errors.append(_(MSG_DUPLICATE_COLUMN) % {"column": title})
        columns[key] = index
    missing = [_(FIELD_LABELS[key]).lower() for key in REQUIRED if key not in columns]
    if missing:
        errors.append(_(MSG_MISSING_COLUMNS) % {"columns": ", ".join(missing)})
    if errors:
        return ParsedFile(errors=errors)
    rows = []
    for line, row in data:
        values = {key: (row[i] if i < len(row) else "") for key, i in columns.items()}
        if any(values.values()):
            rows.append((line, {key: values.get(key, "") for key in FIELDS}))
    if not rows:
        return ParsedFile(errors=[_(MSG_NO_ROWS)])
    if len(rows) > MAX_ROWS:
        return ParsedFile(errors=[_(MSG_TOO_MANY) % {"max": MAX_ROWS}])
    return ParsedFile(rows=rows)
