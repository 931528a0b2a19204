"""The pilot evaluation report: the decree's layout in DOCX and PDF, a draft number, the
province's department as issuer, figures from the data."""

from __future__ import annotations

import io

from docx import Document as Docx
from pypdf import PdfReader


def test_the_report_renders_in_both_formats_with_the_decree_layout(world, client_for, pilot):
    analyst = client_for("localhost", world.analyst)
    page = analyst.get(f"/evaluation/waves/{pilot.pk}/report/")
    assert page.status_code == 200
    docx = analyst.get(f"/evaluation/waves/{pilot.pk}/report.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Docx(io.BytesIO(docx.content)).paragraphs)
    cells = " ".join(
        c.text for t in Docx(io.BytesIO(docx.content)).tables for r in t.rows for c in r.cells
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells + text
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in cells + text
    assert "/BC-SKHCN" in cells + text  # the draft number: "Số: .../BC-SKHCN"
    assert "95%" in cells and "72%" in cells  # after (19/20) and before (declared)
    assert "Tra cứu tài liệu nhanh" in text
    pdf = analyst.get(f"/evaluation/waves/{pilot.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Độc lập - Tự do - Hạnh phúc" in pdf_text or "Độc lập – Tự do – Hạnh phúc" in pdf_text
    assert "BÁO CÁO" in pdf_text.upper()
