"""The one spreadsheet writer of the project: every XLSX and CSV download goes through it.

Values are written by their type, so no caller has to remember a rule:

- `str` (and lazy translations) is everything a person typed or a vendor sent: it is
  always TEXT. In XLSX the cell's type is string, so `=HYPERLINK(...)` is shown, never
  evaluated; a text that would start a formula (`= + - @`, tab, CR, LF, their full-width
  forms, after any blanks) also gets Excel's quote prefix, so editing the cell keeps it
  text. In CSV, which has no types, such a text is prefixed with an apostrophe (the OWASP
  "CSV injection" advice).
- numbers, dates and datetimes are values the code computed: they stay typed (datetimes
  in Asia/Ho_Chi_Minh, shown dd/mm/yyyy hh:mm).
- characters XML cannot hold are dropped, and a text is cut at Excel's 32,767 characters
  per cell, so an odd value never breaks a download.

`download()` is the only place that answers a CSV or XLSX file; the test of the exports
(tests/iso_platform/test_spreadsheets.py) finds every route that reaches it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils import timezone

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX_TYPE, "csv": CSV_TYPE}
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
EXCEL_CELL_MAX = 32_767
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"
# openpyxl's own ILLEGAL_CHARACTERS_RE: the control characters XML 1.0 cannot carry
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
TYPED = (bool, int, float, Decimal, dt.date, dt.time)


def starts_formula(text: str) -> bool:
    stripped = text.lstrip(" \u00a0")
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def _text(value) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:EXCEL_CELL_MAX]


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


# --------------------------------------------------------------------------- CSV


def csv_cell(value) -> str:
    """A value as a CSV field: text that would start a formula gets an apostrophe first."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, TYPED):
        return str(value)
    text = _text(value)
    return "'" + text if starts_formula(text) else text


def csv_bytes(rows: Iterable[Iterable], *, header: Iterable | None = None) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the diacritics), CRLF lines."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    if header is not None:
        writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- XLSX


class Workbook:
    """A streamed (write-only) workbook: rows are written as they come, never held."""

    def __init__(self):
        import openpyxl

        self._book = openpyxl.Workbook(write_only=True)

    def sheet(self, title: str, *, freeze_header: bool = False) -> Sheet:
        safe = re.sub(r"[\[\]:*?/\\]", " ", _text(title)).strip("' ") or "Sheet"
        sheet = self._book.create_sheet(safe[:31])
        if freeze_header:
            sheet.freeze_panes = "A2"
        return Sheet(sheet)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._book.save(out)
        return out.getvalue()


class Sheet:
    def __init__(self, sheet):
        self._sheet = sheet

    def append(self, values: Iterable, *, bold: bool = False) -> None:
        self._sheet.append([self._cell(v, bold) for v in values])

    def _cell(self, value, bold: bool):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        if isinstance(value, dt.datetime):
            cell = WriteOnlyCell(self._sheet, value=_local(value))
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, dt.date):
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.number_format = DATE_FORMAT
        elif value is None or isinstance(value, TYPED):
            cell = WriteOnlyCell(self._sheet, value=value)
        else:
            cell = self._text_cell(value)
        if bold:
            cell.font = Font(bold=True)
        return cell

    def _text_cell(self, value):
        from openpyxl.cell import WriteOnlyCell

        text = _text(value)
        cell = WriteOnlyCell(self._sheet, value=text)
        cell.data_type = "s"  # openpyxl would make "=..." a formula: it is text, always
        if starts_formula(text):
            cell.quotePrefix = True
        return cell


def xlsx_bytes(rows: Iterable[Iterable], *, title: str, header: Iterable | None = None) -> bytes:
    """One sheet: a bold, frozen header row (if any), then the rows."""
    book = Workbook()
    sheet = book.sheet(title, freeze_header=header is not None)
    if header is not None:
        sheet.append(header, bold=True)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


# --------------------------------------------------------------------------- the download


def download(body: bytes, *, fmt: str, filename: str) -> HttpResponse:
    """The file as an attachment. `filename` without its extension; an unknown format is
    a 404 (it comes from the query string)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def table(
    rows: Iterable[Iterable], *, fmt: str, header: Iterable | None = None, title: str = "Sheet"
) -> bytes:
    """The same rows as XLSX or CSV."""
    if fmt == "xlsx":
        return xlsx_bytes(rows, title=title, header=header)
    if fmt == "csv":
        return csv_bytes(rows, header=header)
    raise Http404
