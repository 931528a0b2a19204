"""Printable reports (audit reports, review minutes, the annual report) as PDF and DOCX.

A report is plain data (title, lines, sections of paragraphs and tables); `to_pdf` and
`to_docx` render the same data with reportlab and python-docx, so the two files always say
the same thing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.db import connection

from iso_platform.audit import export_record
from iso_platform.pdf import register_fonts as _register_fonts
from iso_platform.pdf import styles as _styles
from tenants.models import Agency


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[str]] | None = None  # first row is the header


@dataclass
class Report:
    title: str
    lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    signatures: list[tuple[str, str]] = field(default_factory=list)  # (role, name)

    @property
    def agency_name(self) -> str:
        agency = getattr(connection, "tenant", None)
        if agency is None:
            return ""
        if not hasattr(agency, "name"):  # schema_context() outside a request: look it up
            agency = Agency.objects.filter(schema_name=connection.schema_name).first()
        return agency.name if agency is not None else ""


def to_pdf(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_fonts()
    s = _styles()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=report.title,
        author="eISO",
    )
    story = [
        Paragraph(escape(report.agency_name.upper()), s["bold"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(report.title.upper()), s["title"]),
        Spacer(1, 3 * mm),
    ]
    story += [Paragraph(escape(line), s["center"]) for line in report.lines]
    for section in report.sections:
        story += [
            Spacer(1, 5 * mm),
            Paragraph(escape(section.heading), s["bold"]),
            Spacer(1, 2 * mm),
        ]
        story += [
            Paragraph(escape(p).replace("\n", "<br/>"), s["base"]) for p in section.paragraphs if p
        ]
        if section.table:
            rows = [
                [Paragraph(escape(str(cell)), s["small"]) for cell in row] for row in section.table
            ]
            table = Table(rows, repeatRows=1, colWidths=column_widths(section.table, pdf.width))
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [Spacer(1, 2 * mm), table]
    if report.signatures:
        cells = [
            [Paragraph(escape(role), s["bold"]) for role, _n in report.signatures],
            [Paragraph(escape(name), s["center"]) for _r, name in report.signatures],
        ]
        story += [Spacer(1, 10 * mm), Table(cells, rowHeights=[None, 20 * mm])]
    pdf.build(story)
    return out.getvalue()


def column_widths(table: list[list], width: float) -> list[float]:
    """Widths in proportion to what the columns hold: a column of agency names gets the room
    that a column of small numbers does not need (equal widths wrapped a name to a word per
    line in a ten-column table). Every column keeps a floor so that its header fits."""
    longest = [
        max((len(str(row[i])) if i < len(row) else 0) for row in table)
        for i in range(max(len(row) for row in table))
    ]
    weights = [min(max(n, 6), 40) for n in longest]
    total = sum(weights)
    return [width * w / total for w in weights]


def to_docx(report: Report) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    document.styles["Normal"].font.name = "Times New Roman"
    agency = document.add_paragraph(report.agency_name.upper())
    agency.runs[0].bold = True if agency.runs else None
    title = document.add_heading(report.title.upper(), level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in report.lines:
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in report.sections:
        document.add_heading(section.heading, level=2)
        for paragraph in section.paragraphs:
            if paragraph:
                document.add_paragraph(paragraph)
        if section.table:
            table = document.add_table(rows=0, cols=len(section.table[0]))
            table.style = "Table Grid"
            for row in section.table:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=False):
                    cell.text = str(value)
    if report.signatures:
        table = document.add_table(rows=2, cols=len(report.signatures))
        for column, (role, name) in enumerate(report.signatures):
            table.rows[0].cells[column].text = role
            table.rows[1].cells[column].text = f"\n\n\n{name}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def file_response(report: Report, fmt: str, filename: str, *, request=None):
    """The report as a download; with `request`, the download goes into the audit trail."""
    from django.http import Http404, HttpResponse

    if fmt == "pdf":
        response = HttpResponse(to_pdf(report), content_type="application/pdf")
    elif fmt == "docx":
        response = HttpResponse(
            to_docx(report),
            content_type=(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            ),
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    if request is not None:
        export_record(request=request, kind="report", filename=f"{filename}.{fmt}")
    return response
