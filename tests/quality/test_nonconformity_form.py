"""The nonconformity and corrective action form of one record: an internal form in the
official layout (no number from the register, the record's code instead), PDF and DOCX from
the record's page, for the agency's own people only."""

from __future__ import annotations

import io

import docx
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from pypdf import PdfReader

from iso_platform.official import render_docx, render_pdf
from quality.core.models import OutgoingDocument, Unit
from quality.core.services import agency_settings_update
from quality.improvement import services as imp
from quality.improvement.models import Nonconformity
from quality.improvement.printing import nonconformity_form


def folded(text: str) -> str:
    return " ".join(text.split())


def pdf_text(content: bytes) -> str:
    return folded("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


def docx_text(content: bytes) -> str:
    word = docx.Document(io.BytesIO(content))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    return folded("\n".join([p.text for p in word.paragraphs] + cells))


def _record(world) -> Nonconformity:
    """A record taken through the whole loop: corrected, analysed, acted on, closed."""
    owner, member = world.owner_a, world.member_a
    unit = Unit.objects.create(code="PTN", name="Phòng Tiếp nhận")
    nc = imp.nc_create(
        actor=owner,
        source="complaint",
        title="Trả kết quả chậm hai ngày",
        description="Hồ sơ 000.00.01.H01-260105-0001 trả sau hạn hai ngày làm việc.",
        severity="major",
        unit=unit,
        owner=member,
        source_ref="Phản ánh qua đường dây nóng",
        verify_after_days=0,
    )
    imp.nc_correct(actor=member, nc=nc, correction="Xin lỗi người dân, trả kết quả ngay")
    imp.nc_analyse(
        actor=owner,
        nc=nc,
        method="five_whys",
        detail={"whys": ["Hồ sơ bị chuyển nhầm", "Chưa có sổ giao nhận giữa các phòng"]},
        root_cause="Thiếu bước giao nhận hồ sơ trong quy trình",
    )
    action = imp.action_add(
        actor=owner,
        nc=nc,
        title="Bổ sung sổ giao nhận hồ sơ",
        owner=member,
        due_on=timezone.localdate(),
    )
    imp.action_complete(actor=member, action=action, note="Đã áp dụng sổ từ tuần 2")
    imp.action_verify(actor=owner, action=action, effective=True, note="Không tái diễn")
    imp.nc_close(actor=owner, nc=nc, verification_note="Một tháng không có hồ sơ trễ hạn")
    return Nonconformity.objects.get(pk=nc.pk)


@pytest.fixture
def closed(in_a):
    agency_settings_update(
        actor=in_a.owner_a,
        official_governing_body="UBND tỉnh An Giang",
        official_name="Sở Khoa học và Công nghệ",
        official_abbreviation="SKHCN",
        official_place="An Giang",
    )
    return _record(in_a)


def test_the_form_carries_every_part_of_the_record_in_both_files(closed):
    nc = closed
    doc = nonconformity_form(nc)
    for text in (pdf_text(render_pdf(doc)), docx_text(render_docx(doc))):
        for expected in (
            "UBND TỈNH AN GIANG SỞ KHOA HỌC VÀ CÔNG NGHỆ",
            f"Mã hồ sơ: SKPH-{nc.pk}",
            "PHIẾU GHI NHẬN SỰ KHÔNG PHÙ HỢP VÀ HÀNH ĐỘNG KHẮC PHỤC",
            "Trả kết quả chậm hai ngày",
            "Hồ sơ 000.00.01.H01-260105-0001 trả sau hạn hai ngày làm việc.",
            "Phản ánh, kiến nghị, khảo sát của người dân (Phản ánh qua đường dây nóng)",
            "Nặng",
            "Phòng Tiếp nhận",
            f"Ngày phát hiện {timezone.localtime(nc.detected_at):%d/%m/%Y}",
            "Xin lỗi người dân, trả kết quả ngay",
            "Phương pháp: 5 lần tại sao.",
            "Tại sao 2: Chưa có sổ giao nhận giữa các phòng",
            "Nguyên nhân gốc rễ: Thiếu bước giao nhận hồ sơ trong quy trình",
            "Bổ sung sổ giao nhận hồ sơ",
            "Đã xác nhận hiệu lực: Đã áp dụng sổ từ tuần 2",
            "Kết quả: Một tháng không có hồ sơ trễ hạn",
            "NGƯỜI KIỂM TRA HIỆU LỰC",
        ):
            assert expected in text, expected
        assert "Số:" not in text  # an internal form: no number of the register
        assert "ngày ... tháng" not in text  # closed: dated
    assert not OutgoingDocument.objects.exists()


def test_an_open_record_prints_what_is_still_missing_and_dots_for_the_date(in_a):
    nc = imp.nc_create(actor=in_a.owner_a, source="self", title="Biểu mẫu cũ còn dùng")
    text = pdf_text(render_pdf(nonconformity_form(nc)))
    assert "Chưa phân tích nguyên nhân." in text and "Chưa có hành động khắc phục." in text
    assert "Chưa kiểm tra hiệu lực" in text and "ngày ... tháng ... năm ..." in text


def test_the_form_downloads_from_the_record_page_for_the_agency_only(world, client_for):
    with schema_context(world.agency_a.schema_name):
        nc = imp.nc_create(actor=world.owner_a, source="self", title="Sổ hồ sơ thiếu trang")
    page = client_for(world.agency_a, world.member_a)
    assert f"/improvement/{nc.pk}/form.pdf" in page.get(f"/improvement/{nc.pk}/").content.decode()
    pdf = page.get(f"/improvement/{nc.pk}/form.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert f'filename="phieu-khong-phu-hop-skph-{nc.pk}.pdf"' in pdf["Content-Disposition"]
    assert "Sổ hồ sơ thiếu trang" in pdf_text(pdf.content)
    word = page.get(f"/improvement/{nc.pk}/form.docx")
    assert word.status_code == 200 and "Sổ hồ sơ thiếu trang" in docx_text(word.content)
    for fmt in ("pdf", "docx"):
        route = f"/improvement/{nc.pk}/form.{fmt}"
        outsider = client_for(world.agency_a, world.user_b).get(route)
        assert outsider.status_code in (302, 403, 404) and b"%PDF" not in outsider.content[:10]
        # on agency B's own host the id is nowhere
        assert client_for(world.agency_b, world.user_b).get(route).status_code == 404
