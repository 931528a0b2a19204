"""The printed "Hồ sơ đào tạo cá nhân" (a person's training record).

An internal record of the QMS (clause 7.2 d, retained documented information), not an
administrative document: it has no number in the register of outgoing documents, no
addressee and no signature of the agency's head, so it is printed with the plain PDF helpers
(iso_platform.pdf, as the process-control sheet is), not with the official layout of Decree
30/2020/NĐ-CP (iso_platform.official), which would ask for a number and a signer it has not.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.db import connection
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from iso_platform.pdf import register_fonts, styles


def _t(value) -> str:
    return escape(str(value if value is not None else ""))


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _table(header: list[str], rows: list[list], widths: list[float], s) -> Table:
    data = [[Paragraph(_t(h), s["bold"]) for h in header]]
    data += [[Paragraph(_t(v), s["small"]) for v in row] for row in rows]
    if not rows:
        data.append([Paragraph("—", s["small"])] + [""] * (len(header) - 1))
    table = Table(data, repeatRows=1, colWidths=[w * mm for w in widths])
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


def person_record_pdf(record: dict) -> bytes:
    register_fonts()
    s = styles()
    person = record["person"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Hồ sơ đào tạo cá nhân: {person.full_name}",
        author="eISO",
    )
    agency = getattr(connection, "tenant", None)
    units = ", ".join(u.name for u in record["units"]) or "—"
    story = [
        Paragraph(_t(getattr(agency, "name", "")).upper(), s["bold"]),
        Paragraph("HỒ SƠ ĐÀO TẠO CÁ NHÂN", s["title"]),
        Spacer(1, 3 * mm),
        Paragraph(f"Họ và tên: <b>{_t(person.full_name)}</b> · {_t(person.email)}", s["base"]),
        Paragraph(f"Vai trò: {_t(person.get_role_display())} · Đơn vị: {_t(units)}", s["base"]),
        Spacer(1, 4 * mm),
        Paragraph("1. Đào tạo đã tham dự", s["bold"]),
        _table(
            ["Ngày", "Nội dung", "Giảng viên, đơn vị", "Số giờ", "Kết quả"],
            [
                [
                    _day(a.session.held_on),
                    a.session.title,
                    a.session.trainer,
                    a.session.hours,
                    a.get_result_display() + (f" ({a.note})" if a.note else ""),
                ]
                for a in record["attendances"]
            ],
            [20, 65, 45, 15, 35],
            s,
        ),
        Spacer(1, 4 * mm),
        Paragraph("2. Chứng chỉ, văn bằng", s["bold"]),
        _table(
            ["Chứng chỉ", "Nơi cấp, số hiệu", "Ngày cấp", "Hết hạn"],
            [
                [
                    q.title,
                    " ".join(x for x in (q.issuer, q.number) if x),
                    _day(q.issued_on),
                    _day(q.expires_on) or "Không thời hạn",
                ]
                for q in record["qualifications"]
            ],
            [70, 55, 27, 28],
            s,
        ),
        Spacer(1, 4 * mm),
        Paragraph("3. Năng lực yêu cầu", s["bold"]),
        _table(
            ["Năng lực", "Bằng chứng cần có", "Đáp ứng"],
            [[c.title, c.evidence, "Có" if ok else "Chưa"] for c, ok in record["required"]],
            [85, 70, 25],
            s,
        ),
        Spacer(1, 4 * mm),
        Paragraph("4. Nhận thức về chính sách, mục tiêu, văn hoá chất lượng và đạo đức", s["bold"]),
        _table(
            ["Nội dung", "Cách ghi nhận", "Kết quả"],
            [_awareness_row(row) for row in record["awareness"]],
            [85, 45, 50],
            s,
        ),
        Spacer(1, 6 * mm),
        Paragraph(f"In ngày {timezone.localdate():%d/%m/%Y}", s["small"]),
    ]
    doc.build(story)
    return out.getvalue()


def _awareness_row(row: dict) -> list:
    campaign = row["campaign"]
    if "attempt" in row:
        attempt = row["attempt"]
        result = (
            f"{attempt.score}% ({'đạt' if attempt.passed else 'chưa đạt'}), "
            f"{timezone.localtime(attempt.answered_at):%d/%m/%Y}"
            if attempt
            else "Chưa trả lời"
        )
    else:
        ack = row["acknowledgement"]
        result = (
            f"Đã xác nhận {timezone.localtime(ack.acknowledged_at):%d/%m/%Y}"
            if ack and ack.acknowledged_at
            else "Chưa xác nhận"
        )
    return [campaign.title, campaign.get_method_display(), result]
