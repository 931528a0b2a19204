"""Official documents in the layout of Decree 30/2020/NĐ-CP on clerical work (Nghị định
30/2020/NĐ-CP về công tác văn thư), Appendix I: the form and presentation of administrative
documents.

An `OfficialDocument` is plain data (who issues it, its number, place and date, type and
subject, body, recipients, signer); `render_pdf` and `render_docx` lay the same data out on
A4, so the PDF and the Word file always say the same thing. Every name on the page comes
from the document's data: nothing here knows a province or an agency.
"""

from iso_platform.official.document import (
    DOCUMENT_KINDS,
    FORMS,
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
)
from iso_platform.official.pdf import PdfLayout, render_pdf, render_pdf_layout
from iso_platform.official.word import render_docx

__all__ = [
    "DOCUMENT_KINDS",
    "FORMS",
    "NATIONAL_MOTTO",
    "NATIONAL_TITLE",
    "Article",
    "Basis",
    "Centered",
    "Heading",
    "Issuer",
    "OfficialDocument",
    "Paragraph",
    "PdfLayout",
    "Signer",
    "Table",
    "date_line",
    "number_format",
    "render_docx",
    "render_pdf",
    "render_pdf_layout",
]
