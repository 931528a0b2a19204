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
    Article,
    Basis,
    Centered,
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


def folded(text: str) -> str:
    """Lines joined by one space: a long title wraps differently in the PDF and in Word."""
    return " ".join(text.split())


def decision(**changes) -> OfficialDocument:
    values = {
        "kind": "QĐ",
        "subject": "Về việc ban hành tài liệu QT.01 Quy trình kiểm soát tài liệu",
        "body": [
            Centered("GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"),
            Basis("Căn cứ Tiêu chuẩn quốc gia TCVN ISO 9001:2015;"),
            Basis("Theo đề nghị của Trưởng Văn phòng Sở."),
            Centered("QUYẾT ĐỊNH:"),
            Article("Điều 1.", "Ban hành kèm theo Quyết định này tài liệu QT.01."),
            Article("Điều 2.", "Quyết định này có hiệu lực kể từ ngày ký."),
        ],
        "recipients": ["Như Điều 3"],
    }
    return document(**(values | changes))


def test_a_decision_lays_out_its_authority_basis_and_articles_alike_in_both_files():
    expected = (
        "Số: 12/QĐ-SKHCN",
        "QUYẾT ĐỊNH Về việc ban hành tài liệu QT.01 Quy trình kiểm soát tài liệu",
        "GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Căn cứ Tiêu chuẩn quốc gia TCVN ISO 9001:2015;",
        "Theo đề nghị của Trưởng Văn phòng Sở.",
        "QUYẾT ĐỊNH:",
        "Điều 1. Ban hành kèm theo Quyết định này tài liệu QT.01.",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        "- Như Điều 3;",
    )
    pdf, word = render_pdf(decision()), render_docx(decision())
    for content in (folded(pdf_text(pdf)), folded(docx_text(word))):
        for line in expected:
            assert line in content, line
    paragraphs = {p.text: p for p in docx.Document(io.BytesIO(word)).paragraphs}
    article = paragraphs["Điều 1. Ban hành kèm theo Quyết định này tài liệu QT.01."]
    assert [(r.text, bool(r.bold)) for r in article.runs][:2] == [
        ("Điều 1.", True),
        (" Ban hành kèm theo Quyết định này tài liệu QT.01.", False),
    ]
    assert all(r.italic for r in paragraphs["Theo đề nghị của Trưởng Văn phòng Sở."].runs)
    enact = paragraphs["QUYẾT ĐỊNH:"]
    assert enact.alignment == 1 and all(r.bold for r in enact.runs)  # centred, bold


def test_the_pdf_sets_articles_labels_in_bold_and_the_basis_in_italics():
    reader = PdfReader(io.BytesIO(render_pdf(decision())))
    faces = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            faces.append((text.strip(), str(font.get("/BaseFont")).split("+")[-1]))

    reader.pages[0].extract_text(visitor_text=visit)
    assert ("Điều 1.", "LiberationSerif-Bold") in faces
    assert any(t.startswith("Căn cứ") and f == "LiberationSerif-Italic" for t, f in faces)


def test_an_internal_form_has_no_number_only_its_reference_and_its_name_as_title():
    form = document(
        kind="PHIẾU",
        subject="ghi nhận sự không phù hợp và hành động khắc phục",
        reference="Mã hồ sơ: SKPH-12",
    )
    for content in (folded(pdf_text(render_pdf(form))), folded(docx_text(render_docx(form)))):
        assert "PHIẾU GHI NHẬN SỰ KHÔNG PHÙ HỢP VÀ HÀNH ĐỘNG KHẮC PHỤC" in content
        assert "Mã hồ sơ: SKPH-12" in content
        assert "Số:" not in content


def test_quy_dinh_is_abbreviated_as_the_decree_writes_it():
    assert number_format(sequence=3, kind="QyĐ", abbreviation="SKHCN") == "03/QyĐ-SKHCN"
