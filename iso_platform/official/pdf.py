"""An official document as a PDF (reportlab), laid out as Appendix I of Decree 30/2020/NĐ-CP
asks: A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman metrics
(Liberation Serif) 13-14 pt; the issuer top left and the national title top right, each with
its rule; the page number from the second page on, centred at the top."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as P
from reportlab.platypus import Table as T

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
from iso_platform.pdf import register_serif

MARGINS = {"top": 20 * mm, "bottom": 20 * mm, "left": 30 * mm, "right": 15 * mm}
SIGNATURE_HEIGHT = 30 * mm  # the room left between the position and the name
BODY_PT = 14


@dataclass(frozen=True)
class SignatureBox:
    """Where the signature appearance goes: page (1-based) and rectangle in PDF points, from
    the bottom-left corner of the page."""

    page: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PdfLayout:
    content: bytes
    signature: SignatureBox | None


class SignatureSlot(Flowable):
    """Blank room under the signer's position; remembers where it landed so that a signature
    appearance can be stamped there later."""

    def __init__(self, height: float):
        super().__init__()
        self.height = height
        self.box: SignatureBox | None = None

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.box = SignatureBox(self.canv.getPageNumber(), x, y, self.width, self.height)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    def style(name, size, align=TA_CENTER, face="", **kw):
        kw.setdefault("leading", size * 1.2)
        return ParagraphStyle(name, fontName=f"{font}{face}", fontSize=size, alignment=align, **kw)

    return {
        # 12 pt, the decree's smaller size for capitals, keeps the national title and most
        # agency names on one line each.
        "upper": style("upper", 12),
        "upper_bold": style("upper_bold", 12, face="-Bold"),
        "motto": style("motto", 14, face="-Bold"),
        "number": style("number", 13),
        "letter_subject": style("letter_subject", 12),
        "date": style("date", 14, face="-Italic"),
        "type": style("type", 14, face="-Bold", spaceBefore=6 * mm),
        "subject": style("subject", 14, face="-Bold"),
        "heading": style("heading", BODY_PT, TA_LEFT, "-Bold", spaceBefore=6, spaceAfter=3),
        "body": style(
            "body", BODY_PT, TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6, leading=17
        ),
        "centered": style("centered", BODY_PT, face="-Bold", spaceBefore=6, spaceAfter=6),
        "basis": style(
            "basis",
            BODY_PT,
            TA_JUSTIFY,
            "-Italic",
            firstLineIndent=10 * mm,
            spaceAfter=6,
            leading=17,
        ),
        "to_label": style("to_label", 12, TA_LEFT, "-BoldItalic"),
        "to": style("to", 11, TA_LEFT),
        "signer": style("signer", BODY_PT, face="-Bold"),
    }


def _text(value: str, style: ParagraphStyle) -> P:
    return P(escape(value).replace("\n", "<br/>"), style)


def _rule(width: float) -> HRFlowable:
    return HRFlowable(width=width, thickness=0.6, color=colors.black, spaceBefore=1, spaceAfter=4)


def _line_width(text: str, style: ParagraphStyle, cell: float) -> float:
    return min(stringWidth(text, style.fontName, style.fontSize), cell)


def _header(doc: OfficialDocument, s, width: float) -> T:
    right_w = max(_line_width(NATIONAL_TITLE, s["upper_bold"], width) + 3 * mm, width * 0.55)
    left_w = width - right_w
    agency = doc.issuer.agency.upper()
    left = (
        [_text(doc.issuer.governing_body.upper(), s["upper"])] if doc.issuer.governing_body else []
    )
    # Appendix I: the rule under the agency's name is a third to a half of the name's line.
    left += [
        _text(agency, s["upper_bold"]),
        _rule(0.4 * _line_width(agency, s["upper_bold"], left_w)),
    ]
    right = [
        _text(NATIONAL_TITLE, s["upper_bold"]),
        _text(NATIONAL_MOTTO, s["motto"]),
        _rule(_line_width(NATIONAL_MOTTO, s["motto"], right_w)),  # as long as the motto
    ]
    number = [_text(doc.number_line, s["number"])]
    if doc.is_letter:
        number.append(_text(f"V/v {doc.subject}", s["letter_subject"]))
    rows = [[left, right], [number, _text(date_line(doc.issuer.place, doc.issued_on), s["date"])]]
    table = T(rows, colWidths=[left_w, right_w])
    table.setStyle(TableStyle(_PLAIN))
    return table


_PLAIN = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]


def _title(doc: OfficialDocument, s, width: float) -> list:
    if doc.is_letter:
        return [Spacer(1, 6 * mm)]
    first, *rest = doc.title_lines
    last = doc.title_lines[-1]
    return [
        _text(first, s["type"]),
        *(_text(line, s["subject"]) for line in rest),
        _rule(0.4 * _line_width(last, s["subject"], width)),
        Spacer(1, 4 * mm),
    ]


def column_widths(rows: list[list], width: float) -> list[float]:
    """Widths in proportion to what the columns hold: a column of agency names gets the room
    that a column of small numbers does not need (equal widths wrapped a name to a word per
    line in a ten-column table). Every column keeps a floor so that its header fits."""
    longest = [
        max((len(str(row[i])) if i < len(row) else 0) for row in rows)
        for i in range(max(len(row) for row in rows))
    ]
    weights = [min(max(n, 6), 40) for n in longest]
    total = sum(weights)
    return [width * w / total for w in weights]


def _table(block: Table, s, width: float) -> T:
    size = block.font_size
    cell = ParagraphStyle("cell", parent=s["to"], fontSize=size, leading=size * 1.2)
    rows = [[_text(str(value), cell) for value in row] for row in block.rows]
    table = T(rows, repeatRows=1, colWidths=column_widths(block.rows, width))
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _article(block: Article, style: ParagraphStyle) -> P:
    return P(f"<b>{escape(block.label)}</b> {escape(block.text)}".replace("\n", "<br/>"), style)


def _block(block, s, width: float) -> list:
    if isinstance(block, Table):
        return [_table(block, s, width), Spacer(1, 3 * mm)] if block.rows else []
    if isinstance(block, Article):
        return [_article(block, s["body"])]
    style = {Heading: "heading", Paragraph: "body", Centered: "centered", Basis: "basis"}
    return [_text(block.text, s[style[type(block)]])] if block.text else []


def _body(doc: OfficialDocument, s, width: float) -> list:
    return [flowable for block in doc.body for flowable in _block(block, s, width)]


def _footer(doc: OfficialDocument, s, width: float) -> tuple[KeepTogether, SignatureSlot]:
    recipients = [_text("Nơi nhận:", s["to_label"])]
    recipients += [_text(line, s["to"]) for line in doc.recipient_lines]
    slot = SignatureSlot(SIGNATURE_HEIGHT)
    signer = doc.signer
    sign = []
    if signer is not None:
        sign += [
            _text(line.upper(), s["signer"]) for line in (signer.authority, signer.position) if line
        ]
        sign += [slot, _text(signer.name, s["signer"])]
    table = T([[recipients, sign]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(TableStyle(_PLAIN))
    return KeepTogether([Spacer(1, 6 * mm), table]), slot


def _page_number(font: str):
    def draw(canvas, pdf):
        canvas.saveState()
        canvas.setFont(font, 13)
        canvas.drawCentredString(
            MARGINS["left"] + pdf.width / 2, A4[1] - MARGINS["top"] / 2, str(canvas.getPageNumber())
        )
        canvas.restoreState()

    return draw


def render_pdf_layout(doc: OfficialDocument) -> PdfLayout:
    """The PDF and where its signature appearance goes (None when it has no signer)."""
    font = register_serif()
    s = _styles(font)
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGINS["left"],
        rightMargin=MARGINS["right"],
        topMargin=MARGINS["top"],
        bottomMargin=MARGINS["bottom"],
        title=f"{doc.type_name} {doc.subject}".strip(),
        author=doc.issuer.agency,
        initialFontName=font,  # not Helvetica: the page carries no font but the decree's
    )
    footer, slot = _footer(doc, s, pdf.width)
    story = [_header(doc, s, pdf.width), *_title(doc, s, pdf.width), *_body(doc, s, pdf.width)]
    pdf.build([*story, footer], onLaterPages=_page_number(font))
    return PdfLayout(out.getvalue(), slot.box)


def render_pdf(doc: OfficialDocument) -> bytes:
    return render_pdf_layout(doc).content
