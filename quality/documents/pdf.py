"""The cover block of a controlled document as PDF (reportlab, Vietnamese-capable font).

Code, title, issue number, effective date, the drafted / reviewed / approved block and the
revision history table ("Theo dõi sửa đổi"), the way Vietnamese ISO documents open.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.db import connection
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from iso_platform.pdf import register_fonts as _register_fonts
from iso_platform.pdf import styles as _styles
from quality.documents.models import Document, Revision, RevisionStatus


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


def _person(user) -> str:
    return escape(user.full_name) if user else ""


def _text(value) -> str:
    """User text inside reportlab's mini-markup: escape it."""
    return escape(str(value or ""))


def cover_pdf(document: Document, revision: Revision | None = None) -> bytes:
    _register_fonts()
    revision = revision or document.current_revision or document.latest_revision
    s = _styles()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{document.code} {revision.title}",
        author="eISO",
    )
    story = [
        _header(document, revision, s),
        Spacer(1, 10 * mm),
        Paragraph(_text(revision.title), s["title"]),
        Spacer(1, 4 * mm),
    ]
    if revision.is_out_of_force or document.is_out_of_force:
        story += [
            Paragraph(
                "HẾT HIỆU LỰC", ParagraphStyle("void", parent=s["title"], textColor=colors.red)
            ),
            Spacer(1, 4 * mm),
        ]
    story += [
        _signatures(revision, s),
        Spacer(1, 8 * mm),
        Paragraph("THEO DÕI SỬA ĐỔI TÀI LIỆU", s["bold"]),
        Spacer(1, 2 * mm),
        _history(document, s),
    ]
    pdf.build(story)
    return out.getvalue()


def _header(document: Document, revision: Revision, s) -> Table:
    agency = getattr(connection, "tenant", None)
    status = _text(dict(RevisionStatus.choices)[revision.status])
    rows = [
        [
            Paragraph(_text(agency.name if agency else "").upper(), s["bold"]),
            Paragraph(f"Mã hiệu: <b>{_text(document.code)}</b>", s["base"]),
        ],
        [
            Paragraph(_text(document.get_doc_type_display()), s["base"]),
            Paragraph(f"Lần ban hành: {revision.issue_number or '—'}", s["base"]),
        ],
        [
            Paragraph(f"Tình trạng: {status}", s["base"]),
            Paragraph(f"Ngày hiệu lực: {_date(revision.effective_on) or '—'}", s["base"]),
        ],
    ]
    table = Table(rows, colWidths=[110 * mm, 64 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    return table


def _signatures(revision: Revision, s) -> Table:
    heads = ["Người soạn thảo", "Người kiểm tra", "Người phê duyệt"]
    people = [revision.drafted_by, revision.reviewed_by, revision.approved_by]
    dates = [revision.drafted_at, revision.reviewed_at, revision.approved_at]
    rows = [
        [Paragraph(h, s["bold"]) for h in heads],
        [Paragraph(_person(p), s["center"]) for p in people],
        [Paragraph(_date(d), s["center"]) for d in dates],
    ]
    table = Table(rows, colWidths=[58 * mm] * 3, rowHeights=[None, 18 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _history(document: Document, s) -> Table:
    rows = [
        [
            Paragraph(h, s["bold"])
            for h in ("Lần", "Ngày", "Vị trí sửa đổi", "Nội dung sửa đổi", "Lý do", "Tình trạng")
        ]
    ]
    revisions = document.revisions.exclude(issue_number=None).order_by("issue_number")
    for rev in revisions:
        rows.append(
            [
                Paragraph(str(rev.issue_number), s["small"]),
                Paragraph(_date(rev.effective_on), s["small"]),
                Paragraph(_text(rev.change_location), s["small"]),
                Paragraph(
                    _text(
                        rev.change_summary or ("Ban hành lần đầu" if rev.issue_number == 1 else "")
                    ),
                    s["small"],
                ),
                Paragraph(_text(rev.change_reason), s["small"]),
                Paragraph(_text(dict(RevisionStatus.choices)[rev.status]), s["small"]),
            ]
        )
    table = Table(
        rows, colWidths=[10 * mm, 20 * mm, 30 * mm, 56 * mm, 34 * mm, 24 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
