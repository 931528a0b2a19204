"""Reading files that people upload or that come from outside, within fixed bounds.

Every parse of an untrusted archive, spreadsheet, CSV or PDF goes through the limits and
helpers here, so one small file can never take a web worker or a Celery child to gigabytes
of memory or minutes of CPU (a "decompression bomb": a 400 KB DOCX whose XML expands to
100 MB). The bounds, per kind of file (`Limits`):

- the raw size of the file;
- ZIP containers (DOCX, XLSX, agency archives): the number of entries, the sum of the
  entries' expanded sizes and each large entry's compression ratio, all read from the
  central directory BEFORE anything is decompressed (`zip_open`); then a streaming cap while
  reading (`member_open`), because a header may lie (CPython's zipfile already stops an entry
  at its declared size and refuses it on a CRC mismatch; the cap holds whatever the library);
- tables: rows and columns (`xlsx_rows`, `csv_rows`);
- PDF: pages and the size of each decoded stream (`pdf_reader`);
- time: a deadline checked between rows, pages and paragraphs (`Deadline`), backed by the
  Celery task time limits for work done by a worker (settings.py, docs/configuration.md).

Over a limit, `Refused` is raised: a ValidationError whose code names the limit and whose
message (Vietnamese, translated) gives the figures. What the caller does with it is the
caller's policy: an import refuses the file, a stored document keeps its file and says its
text was not extracted (quality.documents.services.files).
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MB = 1024 * 1024
GB = 1024 * MB
RATIO_FLOOR = MB  # entries smaller than this are not judged by their compression ratio
CENTRAL_DIRECTORY_PER_ENTRY = 1024  # bytes of central directory allowed per permitted entry
BLANK_RUN = 1000  # formatting reaching row 1,048,576 is not data: stop after this many blanks


@dataclass(frozen=True)
class Limits:
    max_bytes: int | None  # the file itself (None: the caller's upload limit applies)
    max_expanded: int  # sum of a ZIP's declared entry sizes
    max_entries: int
    max_ratio: int  # expanded : compressed, per entry of RATIO_FLOOR or more
    max_rows: int = 0  # data rows of a table (blank rows are not counted)
    max_columns: int = 0
    max_pages: int = 0
    max_stream: int = 16 * MB  # one decoded PDF stream


# Files attached to documents, read for search (DOCX, XLSX, PDF).
DOCUMENT = Limits(
    max_bytes=None,
    max_expanded=100 * MB,
    max_entries=2_000,
    max_ratio=100,
    max_rows=200_000,
    max_columns=200,
    max_pages=1_000,
)
# Spreadsheets and CSV files imported row by row (procedure catalogue, staff, rollout).
TABLE = Limits(
    max_bytes=10 * MB,
    max_expanded=50 * MB,
    max_entries=500,
    max_ratio=100,
    max_rows=10_000,
    max_columns=300,
)


def archive_limits() -> Limits:
    """Agency export and backup archives: large by nature, bounded by AGENCY_ARCHIVE_MAX_GB."""
    return Limits(
        max_bytes=None,
        max_expanded=settings.AGENCY_ARCHIVE_MAX_GB * GB,
        max_entries=2_000_000,
        max_ratio=500,
    )


MESSAGES = {
    "too_big": gettext_noop("Tệp nặng %(size)s MB, vượt giới hạn %(limit)s MB."),
    "damaged": gettext_noop("Không đọc được tệp: tệp hỏng hoặc không đúng định dạng."),
    "encrypted": gettext_noop("Tệp được đặt mật khẩu (mã hóa); không đọc được nội dung."),
    "entries": gettext_noop(
        "Tệp nén chứa %(count)s thành phần, vượt giới hạn %(limit)s thành phần."
    ),
    "expanded": gettext_noop(
        "Tệp giải nén ra tới %(size)s MB, vượt giới hạn %(limit)s MB; có thể là tệp “bom giải nén”."
    ),
    "ratio": gettext_noop(
        "Thành phần “%(name)s” của tệp nén với tỷ lệ bất thường (%(ratio)s:1, "
        "giới hạn %(limit)s:1); có thể là tệp “bom giải nén”."
    ),
    "rows": gettext_noop("Tệp có hơn %(limit)s dòng dữ liệu, vượt giới hạn."),
    "pages": gettext_noop("Tệp PDF có %(count)s trang, vượt giới hạn %(limit)s trang."),
    "stream": gettext_noop("Tệp có một phần nội dung giải nén quá lớn (giới hạn %(limit)s MB)."),
    "time": gettext_noop("Đọc tệp mất hơn %(seconds)s giây nên đã dừng."),
    "line": gettext_noop("Tệp có một dòng dài quá %(limit)s MB."),
    "stopped": gettext_noop(
        "Việc đọc tệp bị dừng giữa chừng vì vượt giới hạn thời gian hoặc bộ nhớ cho phép."
    ),
}


class Refused(ValidationError):
    """An untrusted file over a limit or unreadable. `code` names which; `params` holds the
    figures, JSON-serialisable, so the refusal can be stored and shown again later."""

    def __init__(self, code: str, **params):
        super().__init__(_(MESSAGES[code]), code=code, params=params)
        self.params = params

    def as_json(self) -> dict:
        return {"code": self.code, "params": self.params}


def refusal_message(refusal: dict) -> str:
    """A stored refusal (`Refused.as_json()`), in the current language."""
    code = refusal.get("code")
    if code not in MESSAGES:
        return _(MESSAGES["damaged"])
    return _(MESSAGES[code]) % refusal.get("params", {})


def _mb(size: int) -> float:
    return round(size / MB, 1)


def check_size(size: int, limits: Limits) -> None:
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise Refused("too_big", size=_mb(size), limit=_mb(limits.max_bytes))


class Deadline:
    """Wall time for one parse; `check()` between units of work (rows, pages, paragraphs)."""

    def __init__(self, seconds: float | None = None):
        self.seconds = seconds if seconds is not None else settings.UNTRUSTED_PARSE_SECONDS
        self.ends = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise Refused("time", seconds=self.seconds)


# --------------------------------------------------------------------------- ZIP


def zip_open(source, limits: Limits) -> zipfile.ZipFile:
    """Open a ZIP (bytes, a path or a binary file) after checking its directory against
    `limits`; nothing is decompressed here. Raises Refused."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    _check_end_record(stream, limits)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused("damaged") from exc
    try:
        zip_check(archive, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_end_record(stream, limits: Limits) -> None:
    """The entry count and directory size from the end record, before zipfile builds one
    object per entry (a directory of a million entries is itself a bomb)."""
    opened = None
    if not hasattr(stream, "seek"):
        stream = opened = open(stream, "rb")  # noqa: SIM115 - closed below
    try:
        end = zipfile._EndRecData(stream)  # the stdlib's own reader of the end record
    except OSError as exc:
        raise Refused("damaged") from exc
    finally:
        if opened is not None:
            opened.close()
    if not end:
        raise Refused("damaged")
    count, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if count > limits.max_entries:
        raise Refused("entries", count=count, limit=limits.max_entries)
    if directory > limits.max_entries * CENTRAL_DIRECTORY_PER_ENTRY:
        raise Refused("entries", count=f"> {limits.max_entries}", limit=limits.max_entries)


def zip_check(archive: zipfile.ZipFile, limits: Limits) -> None:
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise Refused("entries", count=len(entries), limit=limits.max_entries)
    total = 0
    for info in entries:
        if info.flag_bits & 0x1:
            raise Refused("encrypted")
        total += info.file_size
        if info.file_size >= RATIO_FLOOR and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise Refused("ratio", name=info.filename[-80:], ratio=ratio, limit=limits.max_ratio)
    if total > limits.max_expanded:
        raise Refused("expanded", size=_mb(total), limit=_mb(limits.max_expanded))


class CappedReader(io.RawIOBase):
    """A ZIP member read with a hard cap: more than `cap` bytes out is a refusal, whatever
    the headers said; a damaged stream (bad CRC, truncated) is a refusal too."""

    def __init__(self, handle, cap: int):
        self.handle, self.cap, self.seen = handle, cap, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.handle.read(min(len(buffer), 1 << 20))
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise Refused("damaged") from exc
        self.seen += len(data)
        if self.seen > self.cap:
            raise Refused("expanded", size=f"> {_mb(self.cap)}", limit=_mb(self.cap))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.handle.close()
        super().close()


def member_open(archive: zipfile.ZipFile, name: str, cap: int | None = None) -> io.BufferedReader:
    """A member for reading, capped at its declared size (or `cap`, if smaller)."""
    info = archive.getinfo(name)  # KeyError for a missing member, as zipfile does
    if cap is not None and info.file_size > cap:
        raise Refused("expanded", size=_mb(info.file_size), limit=_mb(cap))
    return io.BufferedReader(CappedReader(archive.open(info), info.file_size))


def member_read(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    with member_open(archive, name, cap) as handle:
        return handle.read()


def lines(handle, *, max_line: int) -> Iterator[bytes]:
    """Lines of a binary stream, each at most `max_line` bytes (a file of one endless line
    would otherwise be read whole into memory)."""
    while True:
        line = handle.readline(max_line + 1)
        if not line:
            return
        if len(line) > max_line:
            raise Refused("line", limit=_mb(max_line))
        yield line


# --------------------------------------------------------------------------- tables


def xlsx_rows(
    data: bytes,
    *,
    limits: Limits = TABLE,
    sheets: int | None = 1,
    max_rows: int | None = None,
    deadline: Deadline | None = None,
) -> Iterator[tuple[int, int, tuple]]:
    """(sheet index, row number, values) of the first `sheets` sheets (None: all), read in
    openpyxl's streaming mode: at most `max_rows` non-blank rows per sheet (more is a
    refusal), at most `limits.max_columns` values per row; reading stops after a long run of
    blank rows."""
    import openpyxl

    check_size(len(data), limits)
    zip_open(data, limits).close()
    deadline = deadline or Deadline()
    max_rows = limits.max_rows if max_rows is None else max_rows
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Refused:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: not a usable file
        raise Refused("damaged") from exc
    try:
        for index, sheet in enumerate(book.worksheets[:sheets]):
            yield from _sheet_rows(index, sheet, limits, max_rows, deadline)
    except Refused:
        raise
    except Exception as exc:
        raise Refused("damaged") from exc
    finally:
        book.close()


def _sheet_rows(index, sheet, limits: Limits, max_rows: int, deadline: Deadline):
    width = min(sheet.max_column or limits.max_columns, limits.max_columns)
    counted, blank_run = 0, 0
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=width), start=1):
        if number % 100 == 0:
            deadline.check()
        if any(v not in (None, "") for v in values):
            counted, blank_run = counted + 1, 0
        else:
            blank_run += 1
            if blank_run > BLANK_RUN:
                return
        if counted > max_rows:
            raise Refused("rows", limit=max_rows)
        yield index, number, values


def csv_rows(
    text: str,
    *,
    delimiter: str = ",",
    limits: Limits = TABLE,
    max_rows: int | None = None,
    deadline: Deadline | None = None,
) -> Iterator[list[str]]:
    """Rows of a CSV text: at most `max_rows` non-blank rows (more is a refusal) and
    `limits.max_columns` fields per row. Raises csv.Error for a malformed file."""
    check_size(len(text.encode("utf-8", "surrogatepass")), limits)
    deadline = deadline or Deadline()
    max_rows = limits.max_rows if max_rows is None else max_rows
    counted = 0
    for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
        if number % 100 == 0:
            deadline.check()
        counted += any(cell.strip() for cell in row)
        if counted > max_rows:
            raise Refused("rows", limit=max_rows)
        yield row[: limits.max_columns]


# --------------------------------------------------------------------------- PDF


def pdf_reader(data: bytes, *, limits: Limits = DOCUMENT):
    """(reader, pypdf configuration) for a PDF: encrypted files and files over the page
    limit are refused before any page is read. Read pages inside
    `pypdf.apply_configuration(config)`, so each decoded stream stays under the limit."""
    import pypdf
    from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError

    check_size(len(data), limits)
    config = pypdf.get_configuration().with_overwrites(
        maximum_declared_stream_length=limits.max_stream,
        array_based_stream_maximum_output_length=limits.max_stream,
        jbig2_maximum_output_length=limits.max_stream,
        lzw_maximum_output_length=limits.max_stream,
        run_length_maximum_output_length=limits.max_stream,
        zlib_maximum_output_length=limits.max_stream,
        brotli_maximum_output_length=limits.max_stream,
        image_maximum_buffer_size=limits.max_stream,
        stream_decoding_work_maximum_length=4 * limits.max_stream,
        page_tree_maximum_entries=limits.max_pages + 1,
        page_tree_maximum_page_entries=10 * (limits.max_pages + 1),
    )
    with pypdf.apply_configuration(config):
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise Refused("encrypted")
            pages = len(reader.pages)
        except Refused:
            raise
        except LimitReachedError as exc:
            raise Refused("pages", count=f"> {limits.max_pages}", limit=limits.max_pages) from exc
        except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as exc:
            raise Refused("damaged") from exc
    if pages > limits.max_pages:
        raise Refused("pages", count=pages, limit=limits.max_pages)
    return reader, config
