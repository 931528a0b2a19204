"""Printable forms: the process-control sheet (PDF) and the tracking book (XLSX)."""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from django.db import connection
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from iso_platform import spreadsheets
from iso_platform.pdf import register_fonts as _register_fonts
from iso_platform.pdf import styles as _styles
from iso_platform.workdays.calendar import TZ
from quality.procedures.models import Application, AppStatus, Timeliness
from quality.procedures.selectors import application_list


def _when(value) -> str:
    return value.astimezone(TZ).strftime("%H:%M %d/%m/%Y") if value else ""


def _t(value) -> str:
    return escape(str(value or ""))


def sheet_pdf(application: Application) -> bytes:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ: one row per hand-off."""
    _register_fonts()
    s = _styles()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Phiếu kiểm soát {application.code}",
        author="eISO",
    )
    agency = getattr(connection, "tenant", None)
    head = [
        Paragraph(_t(agency.name if agency else "").upper(), s["bold"]),
        Paragraph("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", s["title"]),
        Spacer(1, 3 * mm),
        Paragraph(
            f"Mã hồ sơ: <b>{_t(application.code)}</b> · Thủ tục: "
            f"{_t(application.procedure.code)} {_t(application.procedure.name)}",
            s["base"],
        ),
        Paragraph(
            f"Tiếp nhận: {_when(application.received_at)} · Hẹn trả: "
            f"{_when(application.due_at)}"
            + (f" · Hẹn lại: {_when(application.promised_at)}" if application.promised_at else ""),
            s["base"],
        ),
        Spacer(1, 4 * mm),
    ]
    rows = [
        [
            Paragraph(h, s["bold"])
            for h in (
                "TT",
                "Tên bước / nội dung",
                "Bên giao",
                "Người giao",
                "Bên nhận",
                "Người nhận",
                "Thời gian",
                "Hạn của bước",
                "Kết quả",
                "Ghi chú",
            )
        ]
    ]
    for handoff in application.handoffs.order_by("seq"):
        result = "" if handoff.on_time is None else ("Đúng hạn" if handoff.on_time else "Trễ hạn")
        rows.append(
            [
                Paragraph(_t(x), s["small"])
                for x in (
                    handoff.seq,
                    _step_label(handoff),
                    handoff.from_unit,
                    handoff.from_officer,
                    handoff.to_unit,
                    handoff.to_officer,
                    _when(handoff.at),
                    _when(handoff.due_at),
                    result,
                    handoff.note,
                )
            ]
        )
    table = Table(
        rows,
        repeatRows=1,
        colWidths=[
            9 * mm,
            45 * mm,
            28 * mm,
            24 * mm,
            28 * mm,
            24 * mm,
            24 * mm,
            24 * mm,
            18 * mm,
            49 * mm,
        ],
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
    pdf.build([*head, table])
    return out.getvalue()


def tracking_book_xlsx(start: dt.date, end: dt.date) -> bytes:
    """Sổ theo dõi hồ sơ for received dates in [start, end]. Codes, names and units come
    from people and from the one-stop-shop's events: the spreadsheet writer keeps them text."""

    book = spreadsheets.Workbook()
    sheet = book.sheet("So theo doi")
    sheet.append([f"SỔ THEO DÕI HỒ SƠ từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"])
    header = [
        "STT",
        "Mã hồ sơ",
        "Mã TTHC",
        "Tên thủ tục",
        "Hình thức",
        "Tiếp nhận",
        "Hẹn trả",
        "Hẹn lại",
        "Có kết quả",
        "Trả kết quả",
        "Trạng thái",
        "Tiến độ",
        "Đang ở",
    ]
    sheet.append(header, bold=True)
    statuses, timeliness = dict(AppStatus.choices), dict(Timeliness.choices)
    rows = application_list(received_from=start, received_to=end).order_by("received_at", "id")
    for n, app in enumerate(rows.iterator(chunk_size=2000), start=1):
        sheet.append(
            [
                n,
                app.code,
                app.procedure.code,
                app.procedure.name,
                app.get_channel_display(),
                app.received_at,
                app.due_at,
                app.promised_at,
                app.completed_at,
                app.returned_at,
                statuses[app.status],
                timeliness.get(app.timeliness, ""),
                app.current_unit,
            ]
        )
    return book.to_bytes()


def _step_label(handoff) -> str:
    return f"{handoff.step}. {handoff.step_name}" if handoff.step else handoff.kind_label
