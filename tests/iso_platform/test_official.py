"""Official documents in the layout of Decree 30/2020/NĐ-CP, as PDF and as DOCX."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from pypdf import PdfReader

from iso_platform.official import (
    NATIONAL_MOTTO,
    NATIONAL_TITLE,
    Heading,
    Issuer,
    OfficialDocument,
    Paragraph,
    Signer,
    Table,
    date_line,
    number_format,
    render_docx,
    render_pdf,
    render_pdf_layout,
)
from iso_platform.official.word import SIGNATURE_BOOKMARK


def document(**changes) -> OfficialDocument:
    values = {
        "issuer": Issuer(
            governing_body="UBND tỉnh An Giang",
            agency="Sở Khoa học và Công nghệ",
            abbreviation="SKHCN",
            place="An Giang",
        ),
        "kind": "BC",
        "subject": "Tình hình áp dụng hệ thống quản lý chất lượng năm 2026",
        "body": [
            Heading("1. Kết quả"),
            Paragraph("Các cơ quan đã duy trì hệ thống quản lý chất lượng."),
            Table([["Cơ quan", "Hồ sơ"], ["Sở Alpha", "1.200"]]),
        ],
        "recipients": ["Bộ Khoa học và Công nghệ", "UBND tỉnh An Giang"],
        "signer": Signer(authority="KT. Giám đốc", position="Phó Giám đốc", name="Trần Thị B"),
        "sequence": 12,
        "issued_on": dt.date(2026, 12, 6),
        "archive": "QLCN",
    }
    return OfficialDocument(**(values | changes))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def docx_text(content: bytes) -> str:
    word = docx.Document(io.BytesIO(content))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in word.paragraphs] + cells)


EXPECTED = (
    NATIONAL_TITLE,
    NATIONAL_MOTTO,
    "UBND TỈNH AN GIANG",
    "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "Số: 12/BC-SKHCN",
    "An Giang, ngày 06 tháng 12 năm 2026",
    "BÁO CÁO",
    "Tình hình áp dụng hệ thống quản lý chất lượng năm 2026",
    "Các cơ quan đã duy trì hệ thống quản lý chất lượng.",
    "Nơi nhận:",
    "- Bộ Khoa học và Công nghệ;",
    "- Lưu: VT, QLCN.",
    "KT. GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "Trần Thị B",
)


@pytest.mark.parametrize("render,text", [(render_pdf, pdf_text), (render_docx, docx_text)])
def test_both_files_carry_every_part_of_the_decrees_layout(render, text):
    content = text(render(document()))
    for expected in EXPECTED:
        assert expected in content, expected


def test_the_pdf_embeds_liberation_serif():
    reader = PdfReader(io.BytesIO(render_pdf(document())))
    embedded = set()
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if "/FontDescriptor" not in font:
            continue  # reportlab's unused /F1 entry (a standard font, nothing drawn with it)
        assert "/FontFile2" in font["/FontDescriptor"]  # the glyphs are in the file
        embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert embedded == {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }


def test_the_pdf_is_a4_and_the_word_file_names_times_new_roman_on_a4():
    page = PdfReader(io.BytesIO(render_pdf(document()))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    word = docx.Document(io.BytesIO(render_docx(document())))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    assert word.styles["Normal"].font.name == "Times New Roman"


def test_a_draft_has_dots_for_its_number_and_date():
    draft = document(sequence=None, issued_on=None)
    for content in (pdf_text(render_pdf(draft)), docx_text(render_docx(draft))):
        assert "Số: .../BC-SKHCN" in content
        assert "An Giang, ngày ... tháng ... năm ..." in content
        assert "12/BC-SKHCN" not in content


def test_a_registered_number_is_printed_as_given():
    content = pdf_text(render_pdf(document(sequence=None, number="07/BC-SOKHCN")))
    assert "Số: 07/BC-SOKHCN" in content


def test_a_letter_has_no_type_name_and_its_subject_after_v_v():
    letter = document(kind="CV", subject="triển khai ISO điện tử")
    content = docx_text(render_docx(letter))
    assert "Số: 12/SKHCN" in content and "V/v triển khai ISO điện tử" in content
    assert "BÁO CÁO" not in content and "CÔNG VĂN" not in content


@pytest.mark.parametrize(
    "day,expected",
    [
        (dt.date(2026, 1, 6), "An Giang, ngày 06 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "An Giang, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 5), "An Giang, ngày 05 tháng 3 năm 2026"),
        (dt.date(2026, 12, 10), "An Giang, ngày 10 tháng 12 năm 2026"),
    ],
)
def test_dates_take_a_leading_zero_for_days_below_ten_and_january_february(day, expected):
    assert date_line("An Giang", day) == expected


def test_numbers_below_ten_take_a_leading_zero():
    assert number_format(sequence=5, kind="QĐ", abbreviation="UBND") == "05/QĐ-UBND"
    assert number_format(sequence=123, kind="TTr", abbreviation="SKHCN") == "123/TTr-SKHCN"
    assert number_format(sequence=None, kind="BB", abbreviation="SKHCN") == ".../BB-SKHCN"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown document kind"):
        document(kind="XYZ")


def test_the_signature_area_is_reserved_under_the_position_on_the_right():
    long = document(body=[Paragraph("Nội dung báo cáo. " * 60)] * 6)
    layout = render_pdf_layout(long)
    pages = len(PdfReader(io.BytesIO(layout.content)).pages)
    box = layout.signature
    assert pages > 1 and box.page == pages  # the signer is on the last page
    assert box.x > 595 / 2 - 40 and box.height > 80  # right half, about 30 mm high
    word = docx.Document(io.BytesIO(render_docx(long)))
    xml = word.element.xml
    assert f'w:name="{SIGNATURE_BOOKMARK}"' in xml
