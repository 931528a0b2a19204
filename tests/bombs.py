"""Real decompression bombs and oversized files, built in the test (never stored), and a
meter of the Python memory a piece of work allocates at its peak."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile

MB = 1024 * 1024
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def peak_mb(work) -> float:
    """Peak Python memory (MB) allocated while `work()` runs; its exception is re-raised."""
    tracemalloc.start()
    try:
        work()
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / MB


def _stream(archive: zipfile.ZipFile, name: str, head: bytes, filler: bytes, size: int, tail):
    """Write `head`, `filler` repeated up to about `size` bytes, then `tail`, 1 MB at a time:
    the test never holds the expanded content."""
    chunk = filler * (MB // len(filler))
    with archive.open(name, "w", force_zip64=size > 2000 * MB) as out:
        out.write(head)
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write(tail)


def docx_bomb(expanded: int = 110 * MB, *, paragraphs: bool = False) -> bytes:
    """A DOCX whose word/document.xml expands to `expanded` bytes from ~1/1000 of it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        filler = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" if paragraphs else b"a"
        head = b"<w:document " + W + b"><w:body><w:p><w:r><w:t>"
        if paragraphs:
            head = b"<w:document " + W + b"><w:body>"
        tail = (
            b"</w:body></w:document>" if paragraphs else b"</w:t></w:r></w:p></w:body></w:document>"
        )
        _stream(archive, "word/document.xml", head, filler, expanded, tail)
    return out.getvalue()


def xlsx_bomb(expanded: int = 110 * MB) -> bytes:
    """A real workbook whose first sheet is replaced by one that expands to `expanded`."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, source.read(info))
        head = (
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        )
        tail = b"</t></is></c></row></sheetData></worksheet>"
        _stream(archive, "xl/worksheets/sheet1.xml", head, b"a", expanded, tail)
    return out.getvalue()


def many_entries(count: int = 5_000, kind: str = "docx") -> bytes:
    """A small file of `count` empty entries (each costs the reader an object)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", b"")
        for index in range(count):
            archive.writestr(f"word/media/{index}.bin", b"")
    return out.getvalue()


def lying_zip(name: str = "word/document.xml", expanded: int = 50 * MB, told: int = 1000) -> bytes:
    """A DOCX whose headers say `name` expands to `told` bytes; it expands to `expanded`."""
    data = bytearray(docx_bomb(expanded))
    start = data.index(b"PK\x01\x02", data.index(name.encode()) - 200)
    while data[start + 46 : start + 46 + len(name)] != name.encode():
        start = data.index(b"PK\x01\x02", start + 4)
    struct.pack_into("<I", data, start + 24, told)  # central directory: uncompressed size
    local = data.rindex(b"PK\x03\x04", 0, data.index(name.encode()) + 1)
    struct.pack_into("<I", data, local + 22, told)  # local header: uncompressed size
    return bytes(data)


def pdf_pages(count: int) -> bytes:
    """A valid PDF of `count` blank pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def csv_rows(count: int, header: str = "a,b") -> bytes:
    return (header + "\n" + "x,y\n" * count).encode()
