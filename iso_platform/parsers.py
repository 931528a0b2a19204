"""JSON request bodies, bounded: every API reads JSON through `json_loads` (DRF through
`JSONParser`, the default parser in settings; the integration endpoints directly).

Python's decoder recurses once per nesting level: `[` repeated 50,000 times ends in a
RecursionError, a 500. Here the nesting is measured before decoding, and the body's size is
capped at DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads the stream itself and would not apply
Django's cap). Whatever is wrong with a body becomes `JsonRefused`, a ValueError with a
Vietnamese message; DRF answers it with a 400.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Far above any payload the platform takes (an integration event is four levels deep), far
# below the decoder's recursion limit.
JSON_MAX_DEPTH = 64

MSG_JSON_INVALID = gettext_noop(
    "Thân yêu cầu không phải JSON hợp lệ (dòng %(line)s, cột %(column)s)."
)
MSG_JSON_TOO_DEEP = gettext_noop("Dữ liệu JSON lồng nhau quá sâu (tối đa %(max)s cấp).")
MSG_JSON_TOO_BIG = gettext_noop("Thân yêu cầu quá lớn (tối đa %(max)s byte).")
MSG_JSON_ENCODING = gettext_noop("Thân yêu cầu không đọc được theo bảng mã %(encoding)s.")
MSG_JSON_CONSTANT = gettext_noop("%(name)s không phải giá trị JSON.")

# A JSON string (escapes included) or one bracket outside strings.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class JsonRefused(ValueError):
    """A body that is not acceptable JSON; `str()` is the message for the client."""


def json_loads(raw: bytes | str, *, encoding: str = "utf-8", max_depth: int = JSON_MAX_DEPTH):
    if isinstance(raw, bytes):
        try:
            raw = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise JsonRefused(_(MSG_JSON_ENCODING) % {"encoding": encoding}) from exc
    if _too_deep(raw, max_depth):
        raise JsonRefused(_(MSG_JSON_TOO_DEEP) % {"max": max_depth})
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonRefused(_(MSG_JSON_INVALID) % {"line": exc.lineno, "column": exc.colno}) from exc
    except RecursionError as exc:  # pragma: no cover - the depth check comes first
        raise JsonRefused(_(MSG_JSON_TOO_DEEP) % {"max": max_depth}) from exc


def _too_deep(text: str, max_depth: int) -> bool:
    if text.count("[") + text.count("{") <= max_depth:
        return False  # most bodies: no scan at all
    depth = 0
    for match in _TOKENS.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name):
    # NaN and Infinity are Python's extension, not JSON (and PostgreSQL's jsonb refuses them)
    raise JsonRefused(_(MSG_JSON_CONSTANT) % {"name": name})


def read_limited(stream, limit: int | None = None) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise JsonRefused(_(MSG_JSON_TOO_BIG) % {"max": limit})
    return raw


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the limits above and Vietnamese messages."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json_loads(read_limited(stream), encoding=encoding)
        except JsonRefused as exc:
            raise ParseError(str(exc)) from exc
