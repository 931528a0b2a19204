"""The untrusted-file reader: bombs are refused from the ZIP directory, before anything is
decompressed, and what a header hides is caught while reading; tables, PDFs and slow
files are bounded too. Peak memory is measured (tracemalloc) to show nothing expanded."""

from __future__ import annotations

import io
import zipfile

import pytest

from iso_platform import untrusted
from tests.bombs import (
    MB,
    csv_rows,
    docx_bomb,
    lying_zip,
    many_entries,
    pdf_pages,
    peak_mb,
    xlsx_bomb,
)


def refused(work) -> tuple[untrusted.Refused, float]:
    caught = []

    def run():
        try:
            work()
        except untrusted.Refused as exc:
            caught.append(exc)

    peak = peak_mb(run)
    assert caught, "not refused"
    return caught[0], peak


def test_a_zip_bomb_is_refused_from_its_directory_without_expanding():
    bomb = docx_bomb(110 * MB)
    assert len(bomb) < MB  # ~100 KB on the wire
    exc, peak = refused(lambda: untrusted.zip_open(bomb, untrusted.DOCUMENT))
    assert exc.code == "ratio" and "bom giải nén" in exc.messages[0]
    assert peak < 2


def test_a_big_expansion_is_refused_even_at_a_modest_ratio():
    # A 110 MB entry compressed 1:1 would pass the ratio test; the sum of sizes does not.
    limits = untrusted.Limits(max_bytes=None, max_expanded=50 * MB, max_entries=10, max_ratio=10**6)
    exc, peak = refused(lambda: untrusted.zip_open(docx_bomb(60 * MB), limits))
    assert exc.code == "expanded" and "50.0 MB" in exc.messages[0]


def test_a_zip_of_many_entries_is_refused_before_they_are_listed():
    small = many_entries(50_000)
    exc, peak = refused(lambda: untrusted.zip_open(small, untrusted.DOCUMENT))
    assert exc.code == "entries" and "50003" in exc.messages[0]
    assert peak < 1  # zipfile would have built 50,000 ZipInfo objects (~30 MB)


def test_a_header_that_lies_about_the_size_is_caught_while_reading():
    liar = lying_zip(expanded=50 * MB, told=1000)
    archive = untrusted.zip_open(liar, untrusted.DOCUMENT)  # the directory looks harmless
    exc, peak = refused(lambda: untrusted.member_read(archive, "word/document.xml", cap=MB))
    assert exc.code == "damaged"
    assert peak < 3


def test_a_capped_reader_refuses_more_than_it_was_told():
    reader = untrusted.CappedReader(io.BytesIO(b"x" * 5000), cap=1000)
    with pytest.raises(untrusted.Refused) as caught:
        io.BufferedReader(reader).read()
    assert caught.value.code == "expanded"


def test_an_endless_line_is_refused_without_reading_it_whole():
    endless = io.BytesIO(b"a" * (8 * MB))
    exc, peak = refused(lambda: list(untrusted.lines(endless, max_line=MB)))
    assert exc.code == "line" and peak < 3


def test_an_xlsx_bomb_is_refused_before_openpyxl_reads_it():
    bomb = xlsx_bomb(110 * MB)
    exc, peak = refused(lambda: list(untrusted.xlsx_rows(bomb)))
    assert exc.code == "ratio" and peak < 3


def test_an_xlsx_with_too_many_rows_is_refused_and_columns_are_capped():
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in range(1, 30):
        sheet.cell(row=row, column=1, value=f"r{row}")
    sheet.cell(row=1, column=16_000, value="far right")  # the widest a sheet can claim
    out = io.BytesIO()
    book.save(out)
    rows = list(untrusted.xlsx_rows(out.getvalue(), max_rows=100))
    assert len(rows) == 29 and all(
        len(values) == untrusted.TABLE.max_columns for *_, values in rows
    )
    with pytest.raises(untrusted.Refused, match="hơn 10 dòng"):
        list(untrusted.xlsx_rows(out.getvalue(), max_rows=10))


def test_a_csv_with_too_many_rows_is_refused():
    text = csv_rows(untrusted.TABLE.max_rows + 1).decode()
    with pytest.raises(untrusted.Refused, match="hơn 10000 dòng"):
        list(untrusted.csv_rows(text))
    assert len(list(untrusted.csv_rows(csv_rows(50).decode()))) == 51


def test_a_file_over_its_size_is_refused():
    with pytest.raises(untrusted.Refused, match="vượt giới hạn 10.0 MB"):
        list(untrusted.csv_rows("a\n" * (6 * MB)))


def test_a_pdf_with_too_many_pages_is_refused_before_any_page_is_read():
    many = pdf_pages(untrusted.DOCUMENT.max_pages + 1)
    exc, _peak = refused(lambda: untrusted.pdf_reader(many))
    assert exc.code == "pages" and "1001" in exc.messages[0]
    reader, _config = untrusted.pdf_reader(pdf_pages(3))
    assert len(reader.pages) == 3


def test_a_parse_past_its_deadline_is_stopped(settings):
    settings.UNTRUSTED_PARSE_SECONDS = 0
    with pytest.raises(untrusted.Refused, match="mất hơn 0 giây") as caught:
        list(untrusted.csv_rows(csv_rows(500).decode()))
    assert caught.value.code == "time"


def test_encrypted_and_damaged_files_are_refused_not_crashed():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.xml", b"x")
    data = bytearray(out.getvalue())
    data[6] |= 1  # the encryption flag, local header
    data[data.index(b"PK\x01\x02") + 8] |= 1  # ... and central directory
    assert refused(lambda: untrusted.zip_open(bytes(data), untrusted.TABLE))[0].code == "encrypted"
    assert refused(lambda: untrusted.zip_open(b"PK\x03\x04 no", untrusted.TABLE))[0].code == (
        "damaged"
    )
    assert refused(lambda: untrusted.pdf_reader(b"%PDF-1.7 broken"))[0].code == "damaged"


def test_a_stored_refusal_reads_back_in_the_current_language():
    from django.utils import translation

    stored = untrusted.Refused("pages", count=5000, limit=1000).as_json()
    assert "5000 trang" in untrusted.refusal_message(stored)
    with translation.override("en"):
        assert "5000 pages" in untrusted.refusal_message(stored)
