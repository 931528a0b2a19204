"""An official document as a Word file (python-docx), the same layout as the PDF.

The Word file names its font "Times New Roman", the font the decree asks for and the one
Word users have; the PDF embeds Liberation Serif, which has the same metrics, so both break
lines alike. Line lengths under the names are measured with those metrics."""

from __future__ import annotations

import io

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from iso_platform.official.document import (
    NATIONAL_MOTTO,
    NATIONAL_TITLE,
    Article,
    Basis,
    Centered,
    Heading,
    OfficialDocument,
    Paragraph,
    Table,
    date_line,
)
from iso_platform.official.pdf import MARGINS, SIGNATURE_HEIGHT
from iso_platform.pdf import register_serif

FONT = "Times New Roman"
CENTER, LEFT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)
TEXT_WIDTH_MM = 210 - (MARGINS["left"] + MARGINS["right"]) / mm
SIGNATURE_BOOKMARK = "signature"  # the reserved spot for the signature appearance


def _width_mm(text: str, size: float, bold: bool) -> float:
    face = register_serif() + ("-Bold" if bold else "")
    return stringWidth(text, face, size) / mm


def _add(container, text: str, size: float, *, bold=False, italic=False, align=CENTER):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold, italic
    return paragraph


def _rule(container, width_mm: float, cell_mm: float) -> None:
    """A rule of `width_mm`, centred: the bottom border of an empty paragraph indented from
    both sides (Word has no line shape python-docx can draw)."""
    paragraph = container.add_paragraph()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().append(border)
    indent = Mm(max(cell_mm - width_mm, 0) / 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = indent
    fmt.space_after, fmt.line_spacing = Pt(4), Pt(2)


def _clean(cell) -> None:
    """A new cell starts with an empty paragraph; drop it once the cell has its own."""
    first = cell.paragraphs[0]
    if not first.text:
        first._p.getparent().remove(first._p)


def _header(document, doc: OfficialDocument) -> None:
    right_mm = max(_width_mm(NATIONAL_TITLE, 12, True) + 3, TEXT_WIDTH_MM * 0.55)
    left_mm = TEXT_WIDTH_MM - right_mm
    table = document.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    (left, right), (number, date) = table.rows[0].cells, table.rows[1].cells
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Mm(left_mm), Mm(right_mm)
    agency = doc.issuer.agency.upper()
    if doc.issuer.governing_body:
        _add(left, doc.issuer.governing_body.upper(), 12)
    _add(left, agency, 12, bold=True)
    _rule(left, 0.4 * min(_width_mm(agency, 12, True), left_mm), left_mm)
    _add(right, NATIONAL_TITLE, 12, bold=True)
    _add(right, NATIONAL_MOTTO, 14, bold=True)
    _rule(right, _width_mm(NATIONAL_MOTTO, 14, True), right_mm)
    _add(number, doc.number_line, 13)
    if doc.is_letter:
        _add(number, f"V/v {doc.subject}", 12)
    _add(date, date_line(doc.issuer.place, doc.issued_on), 14, italic=True)
    for cell in (left, right, number, date):
        _clean(cell)


def _title(document, doc: OfficialDocument) -> None:
    if doc.is_letter:
        return
    first, *rest = doc.title_lines
    _add(document, first, 14, bold=True).paragraph_format.space_before = Pt(18)
    for line in rest:
        _add(document, line, 14, bold=True)
    last = doc.title_lines[-1]
    _rule(document, 0.4 * min(_width_mm(last, 14, True), TEXT_WIDTH_MM), TEXT_WIDTH_MM)


def _table(document, block: Table) -> None:
    table = document.add_table(rows=0, cols=max(len(row) for row in block.rows))
    table.style = "Table Grid"
    for row in block.rows:
        for cell, value in zip(table.add_row().cells, row, strict=False):
            _add(cell, str(value), block.font_size, align=LEFT)
            _clean(cell)
    document.add_paragraph().paragraph_format.space_after = Pt(0)


def _indented(paragraph) -> None:
    fmt = paragraph.paragraph_format
    fmt.first_line_indent, fmt.space_after = Mm(10), Pt(6)


def _article(document, block: Article) -> None:
    paragraph = _add(document, block.label, 14, bold=True, align=JUSTIFY)
    paragraph.add_run(f" {block.text}").font.size = Pt(14)
    _indented(paragraph)


def _block(document, block) -> None:
    if isinstance(block, Heading):
        _add(document, block.text, 14, bold=True, align=LEFT).paragraph_format.space_before = Pt(6)
    elif isinstance(block, Paragraph):
        _indented(_add(document, block.text, 14, align=JUSTIFY))
    elif isinstance(block, Basis):
        _indented(_add(document, block.text, 14, italic=True, align=JUSTIFY))
    elif isinstance(block, Centered):
        fmt = _add(document, block.text, 14, bold=True).paragraph_format
        fmt.space_before, fmt.space_after = Pt(6), Pt(6)
    elif isinstance(block, Article):
        _article(document, block)
    elif isinstance(block, Table):
        _table(document, block)


def _body(document, doc: OfficialDocument) -> None:
    for block in doc.body:
        if getattr(block, "rows", None) or getattr(block, "text", None):
            _block(document, block)


def _signature_spot(cell) -> None:
    """An empty paragraph of fixed height under the position, bookmarked so that signing can
    find it."""
    paragraph = cell.add_paragraph()
    paragraph.paragraph_format.line_spacing = Mm(SIGNATURE_HEIGHT / mm)
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), "0")
    start.set(qn("w:name"), SIGNATURE_BOOKMARK)
    end.set(qn("w:id"), "0")
    paragraph._p.append(start)
    paragraph._p.append(end)


def _footer(document, doc: OfficialDocument) -> None:
    document.add_paragraph().paragraph_format.space_after = Pt(0)
    table = document.add_table(rows=1, cols=2)
    recipients, sign = table.rows[0].cells
    recipients.width, sign.width = Mm(TEXT_WIDTH_MM * 0.45), Mm(TEXT_WIDTH_MM * 0.55)
    _add(recipients, "Nơi nhận:", 12, bold=True, italic=True, align=LEFT)
    for line in doc.recipient_lines:
        _add(recipients, line, 11, align=LEFT)
    signer = doc.signer
    if signer is not None:
        for line in (signer.authority, signer.position):
            if line:
                _add(sign, line.upper(), 14, bold=True)
        _signature_spot(sign)
        _add(sign, signer.name, 14, bold=True)
    _clean(recipients)
    _clean(sign)


def _page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS["top"] / mm), Mm(MARGINS["bottom"] / mm)
    section.left_margin, section.right_margin = Mm(MARGINS["left"] / mm), Mm(MARGINS["right"] / mm)
    # The page number from the second page on, centred at the top (Appendix I).
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._p.append(field)


def _font(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for key in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{key}"), FONT)


def render_docx(doc: OfficialDocument) -> bytes:
    document = docx.Document()
    _font(document)
    _page(document)
    _header(document, doc)
    _title(document, doc)
    _body(document, doc)
    _footer(document, doc)
    document.core_properties.title = f"{doc.type_name} {doc.subject}".strip()
    document.core_properties.author = doc.issuer.agency
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
