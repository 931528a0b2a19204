"""Imports from the national procedure catalogue: a preview of what would change, then one
transaction that updates the agency's procedures by national code, keeps the agency's steps
and flags budgets the new limit no longer holds; refused files leave nothing behind; the
province platform's service is asked through the outbound client; other agencies see none
of it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from eiso.console.demo import _ensure_catalogue, _ensure_procedures
from eiso.testing.procedures import STEPS, make_procedure
from eiso.testing.receiver import http_server
from integrations.catalogue import connection, services, source
from integrations.catalogue.models import CatalogueImport, ImportStatus
from iso_platform.spreadsheets import xlsx_bytes
from quality.core.models import AuditEvent
from quality.procedures.models import Procedure, ProcedureVersion
from tenants.models import Agency

PAGE = "/integrations/catalogue/"


@pytest.fixture
def in_a(world):
    with schema_context(world.agency_a.schema_name):
        yield world


def item(code="1.000001", **fields):
    return {
        "ma_thu_tuc": code,
        "ten_thu_tuc": "Cấp giấy chứng nhận đăng ký hoạt động KH&CN",
        "linh_vuc": "Hoạt động khoa học và công nghệ",
        "cap_thuc_hien": "Cấp tỉnh",
        "thoi_han": 5,
        "don_vi_thoi_han": "ngày làm việc",
        "phi_le_phi": 0,
        "mo_ta_phi": "Không",
        "can_cu_phap_ly": ["Luật Khoa học và Công nghệ năm 2013"],
        "ket_qua": "Giấy chứng nhận",
        "co_quan_thuc_hien": "Sở Khoa học và Công nghệ",
        **fields,
    }


def document(*items, **top) -> bytes:
    return json.dumps({"ngay_xuat": "2025-12-01", "thu_tuc": list(items), **top}).encode()


def preview(world, data: bytes, name="danh-muc.json") -> CatalogueImport:
    return services.import_file(actor=world.owner_a, name=name, data=data)


def apply(world, row):
    return services.import_apply(actor=world.owner_a, catalogue_import=row)


def test_a_file_is_previewed_then_applied_as_new_versions_keeping_the_agencys_steps(in_a):
    procedure = make_procedure(in_a.owner_a)  # 1.000001: 5 working days, steps of 36 hours
    changed = item(thoi_han=4, phi_le_phi="50.000", ngay_hieu_luc="01/01/2026")
    row = preview(in_a, document(changed, item("2.000002", ten_thu_tuc="Thủ tục mới")))
    assert row.status == ImportStatus.PREVIEW and row.counts["new"] == 1
    assert row.counts["changed"] == 1
    first = next(e for e in row.diff if e["code"] == "1.000001")
    assert ["limit", "5 ngày làm việc", "4 ngày làm việc"] in first["changes"]
    assert ["fee", "0 đồng", "50.000 đồng"] in first["changes"]
    assert any("ngắn hơn tổng thời gian các bước" in w for w in first["warnings"])
    # a preview changes nothing
    assert procedure.versions.count() == 1 and not Procedure.objects.filter(code="2.000002")

    applied = apply(in_a, row)
    assert applied.status == ImportStatus.APPLIED and applied.applied_by == in_a.owner_a
    version = procedure.versions.get(number=2)
    assert version.effective_from == dt.date(2026, 1, 1)
    assert (version.limit_days, version.fee, version.result) == (4, 50000, "Giấy chứng nhận")
    assert version.legal_basis == "Luật Khoa học và Công nghệ năm 2013"
    kept = [(s.name, s.budget_hours, s.unit.name) for s in version.steps.select_related("unit")]
    assert kept == [(s.name, s.budget_hours, s.unit_name) for s in STEPS]
    procedure.refresh_from_db()
    assert procedure.national_code == "1.000001"
    assert procedure.authority == "Sở Khoa học và Công nghệ"
    new = Procedure.objects.get(code="2.000002")
    assert new.national_code == "2.000002" and new.name == "Thủ tục mới"
    assert new.versions.get().effective_from == timezone.localdate()
    entry = next(e for e in applied.diff if e["code"] == "2.000002")
    assert any("chưa có các bước xử lý" in w for w in entry["warnings"])
    assert AuditEvent.objects.filter(action="catalogue_import", subject_id=str(row.pk)).exists()


def test_an_unchanged_procedure_gets_no_new_version(in_a):
    procedure = make_procedure(in_a.owner_a)
    apply(in_a, preview(in_a, document(item(ngay_hieu_luc="01/01/2020"))))
    assert procedure.versions.count() == 1  # same date: version 1 completed in place
    again = preview(in_a, document(item(ngay_hieu_luc="01/06/2026")))
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 1, "gone": 0}
    apply(in_a, again)
    assert procedure.versions.count() == 1


def test_a_linked_procedure_missing_from_the_source_is_shown_and_kept(in_a):
    make_procedure(in_a.owner_a, code="KHCN-09")
    Procedure.objects.filter(code="KHCN-09").update(national_code="1.000009")
    row = preview(in_a, document(item("1.000001")))
    gone = [e for e in row.diff if e["change"] == "gone"]
    assert [(e["code"], e["name"]) for e in gone] == [
        ("1.000009", "Cấp giấy chứng nhận đăng ký hoạt động KH&CN")
    ]
    apply(in_a, row)
    assert Procedure.objects.get(code="KHCN-09").is_active


def test_a_procedure_is_matched_by_its_national_code_not_its_local_one(in_a):
    procedure = make_procedure(in_a.owner_a, code="KHCN-01")
    Procedure.objects.filter(pk=procedure.pk).update(national_code="1.000777")
    apply(in_a, preview(in_a, document(item("1.000777", thoi_han=6, ngay_hieu_luc="02/01/2026"))))
    assert procedure.versions.get(number=2).limit_days == 6
    assert not Procedure.objects.filter(code="1.000777").exists()


def test_calendar_days_are_stored_as_calendar_days(in_a):
    procedure = make_procedure(in_a.owner_a)  # 5 working days
    row = preview(
        in_a, document(item(thoi_han=15, don_vi_thoi_han="ngày", ngay_hieu_luc="01/02/2026"))
    )
    (entry,) = row.diff
    assert ["limit", "5 ngày làm việc", "15 ngày"] in entry["changes"]
    assert entry["warnings"] == []  # 15 days hold the steps' 36 hours; nothing to flag
    apply(in_a, row)
    version = procedure.versions.get(number=2)
    assert (version.limit_days, version.limit_calendar_days, version.limit_hours) == (
        None,
        15,
        None,
    )
    assert version.limit_label == "15 ngày"
    # the same source again is unchanged: the unit read is the unit stored
    again = preview(in_a, document(item(thoi_han=15, don_vi_thoi_han="ngày")))
    assert again.counts["unchanged"] == 1


def test_a_change_of_unit_alone_is_a_change(in_a):
    procedure = make_procedure(in_a.owner_a)
    calendar = item(thoi_han=30, don_vi_thoi_han="ngày", ngay_hieu_luc="01/01/2020")
    apply(in_a, preview(in_a, document(calendar)))  # version 1 completed: "30 ngày"
    assert procedure.versions.get().limit_calendar_days == 30
    row = preview(in_a, document(item(thoi_han=30, ngay_hieu_luc="01/02/2026")))
    (entry,) = row.diff
    assert entry["change"] == "changed"
    assert entry["changes"] == [["limit", "30 ngày", "30 ngày làm việc"]]
    apply(in_a, row)
    version = procedure.versions.get(number=2)
    assert (version.limit_days, version.limit_calendar_days) == (30, None)


def test_a_preview_kept_before_calendar_days_had_a_column_is_read_in_its_unit():
    old = {
        "code": "1.000001",
        "attributes": {"name": "X", "field": "", "level": "province", "authority": ""},
        "rules": {
            "limit_days": 30,
            "limit_hours": None,
            "fee": 0,
            "fee_note": "",
            "legal_basis": "",
            "result": "",
        },
        "unit": "ngày",
        "effective_from": None,
    }
    rules = source.Record.from_json(old).rules
    assert (rules["limit_days"], rules["limit_calendar_days"]) == (None, 30)


def test_an_xlsx_with_the_vietnamese_headers_is_read(in_a):
    header = [
        "Mã thủ tục",
        "Tên thủ tục",
        "Cấp thực hiện",
        "Thời hạn giải quyết",
        "Đơn vị thời hạn",
    ]
    data = xlsx_bytes(
        [["1.000321.000.00.00.H13", "Thủ tục X", "Cấp xã", 8, "giờ làm việc"]],
        title="TTHC",
        header=header,
    )
    row = preview(in_a, data, name="danh-muc.xlsx")
    (record,) = row.records
    assert record["code"] == "1.000321" and record["attributes"]["level"] == "commune"
    assert record["rules"]["limit_hours"] == "8" and record["rules"]["limit_days"] is None


BAD = {
    "malformed": (b'{"thu_tuc": [', "JSON không hợp lệ"),
    "not a catalogue": (b'{"items": []}', "không đúng cấu trúc danh mục TTHC"),
    "unknown field": (document(item(ghi_chu="x")), "không thuộc danh mục TTHC: ghi_chu"),
    "duplicate": (document(item(), item()), "mã 1.000001 lặp lại (đã có ở thủ tục thứ 1)"),
    "wrong code": (document(item("1-0001")), "không đúng dạng mã TTHC quốc gia"),
    "level": (document(item(cap_thuc_hien="Cấp huyện")), "cấp thực hiện “cấp huyện”"),
    "limit": (document(item(thoi_han="năm ngày")), "không phải là số hợp lệ"),
    "empty": (document(), "không có thủ tục nào"),
    "format": (document(item(), dinh_dang="khac/2"), "không theo định dạng eiso-tthc/1"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_wrong_file_is_refused_with_a_vietnamese_message_and_imports_nothing(
    world, client_for, case
):
    data, words = BAD[case]
    upload = SimpleUploadedFile("danh-muc.json", data, content_type="application/json")
    response = client_for(world.agency_a, world.owner_a).post(PAGE, {"file": upload})
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors["file"])
    with schema_context(world.agency_a.schema_name):
        assert not CatalogueImport.objects.exists() and not Procedure.objects.exists()


def test_an_oversized_file_and_an_unknown_column_are_refused(in_a):
    with pytest.raises(ValidationError, match="vượt giới hạn 10.0 MB"):
        preview(in_a, b" " * (10 * 1024 * 1024 + 1))
    data = xlsx_bytes([["1.000001", "X"]], title="TTHC", header=["Mã thủ tục", "Số hồ sơ"])
    with pytest.raises(ValidationError, match="không thuộc danh mục TTHC: Số hồ sơ"):
        preview(in_a, data, name="danh-muc.xlsx")
    with pytest.raises(ValidationError, match="JSON"):
        preview(in_a, b"code,name", name="danh-muc.csv")
    assert not CatalogueImport.objects.exists()


def test_applying_is_all_or_nothing(in_a):
    first = make_procedure(in_a.owner_a)
    taken = make_procedure(in_a.owner_a, code="1.000002")
    Procedure.objects.filter(pk=taken.pk).update(national_code="1.000099")
    row = preview(in_a, document(item(thoi_han=4, ngay_hieu_luc="01/02/2026"), item("1.000002")))
    with pytest.raises(ValidationError, match="đã được dùng cho một thủ tục khác"):
        apply(in_a, row)
    assert first.versions.count() == 1
    row.refresh_from_db()
    assert row.status == ImportStatus.PREVIEW


def test_an_import_is_applied_once(in_a):
    row = preview(in_a, document(item()))
    apply(in_a, row)
    with pytest.raises(ValidationError, match="đã được áp dụng"):
        apply(in_a, row)
    assert ProcedureVersion.objects.count() == 1


def test_a_member_without_the_catalogue_right_cannot_import(in_a):
    with pytest.raises(PermissionDenied):
        services.import_file(actor=in_a.member_a, name="a.json", data=document(item()))


def test_another_agency_cannot_see_or_apply_an_import(world, client_for):
    with schema_context(world.agency_a.schema_name):
        row = preview(world, document(item()))
    outsider = client_for(world.agency_a, world.user_b)  # B's administrator on A's host
    page = outsider.get(f"{PAGE}{row.pk}/")
    assert page.status_code in (302, 403, 404) and b"1.000001" not in page.content
    assert outsider.post(f"{PAGE}{row.pk}/apply/").status_code in (302, 403, 404)
    # on agency B's own host the id is nowhere
    own_host = client_for(world.agency_b, world.user_b)
    assert own_host.get(f"{PAGE}{row.pk}/").status_code == 404
    assert own_host.post(f"{PAGE}{row.pk}/apply/").status_code == 404
    member = client_for(world.agency_a, world.member_a)
    assert member.get(PAGE).status_code == 403
    with schema_context(world.agency_a.schema_name):
        assert CatalogueImport.objects.get(pk=row.pk).status == ImportStatus.PREVIEW


def test_the_owner_sees_the_preview_and_applies_it_from_the_page(world, client_for):
    with schema_context(world.agency_a.schema_name):
        make_procedure(world.owner_a)
    browser = client_for(world.agency_a, world.owner_a)
    upload = SimpleUploadedFile("danh-muc.json", document(item(thoi_han=4)))
    response = browser.post(PAGE, {"file": upload})
    assert response.status_code == 302
    shown = browser.get(response["Location"]).content.decode()
    assert "Có thay đổi (1)" in shown and "4 ngày làm việc" in shown
    assert "ngắn hơn tổng thời gian các bước" in shown
    assert browser.post(response["Location"] + "apply/").status_code == 302
    with schema_context(world.agency_a.schema_name):
        procedure = Procedure.objects.get(code="1.000001")
        assert procedure.versions.count() == 2
    detail = browser.get(f"/procedures/{procedure.pk}/")
    assert "Luật Khoa học và Công nghệ năm 2013" in detail.content.decode()
    log = browser.get(PAGE).content.decode()
    assert "Đã áp dụng" in log and "danh-muc.json" in log


class Platform(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's API
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        status, payload = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def platform(world, settings):
    with http_server(Platform, seen=[], answer=(200, document(item(thoi_han=4)))) as server:
        settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{server.server_port}"]
        connection.connection_update(
            actor=world.province_admin,
            url=f"http://127.0.0.1:{server.server_port}/tthc",
            key="khoa-thu-nghiem",
            enabled=True,
        )
        yield server


def test_the_province_platform_is_asked_for_the_agencys_catalogue(world, client_for, platform):
    Agency.objects.filter(pk=world.agency_a.pk).update(identifier="000.00.12.H13")
    browser = client_for(world.agency_a, world.owner_a)
    assert "Lấy danh mục và xem trước" in browser.get(PAGE).content.decode()
    response = browser.post(f"{PAGE}fetch/")
    assert response.status_code == 302 and response["Location"] != PAGE
    assert platform.seen == [("/tthc?co_quan=000.00.12.H13", "Bearer khoa-thu-nghiem")]
    with schema_context(world.agency_a.schema_name):
        row = CatalogueImport.objects.get()
        assert row.channel == "platform" and row.counts["new"] == 1
        assert "khoa" not in row.source_label


@pytest.mark.parametrize(
    "answer, words",
    [
        ((500, b"{}"), "HTTP 500"),
        ((200, b"<html>"), "JSON không hợp lệ"),
        ((200, document(item("sai-ma"))), "không đúng dạng mã TTHC"),
    ],
)
def test_a_bad_platform_answer_is_a_vietnamese_message_and_no_import(
    world, client_for, platform, answer, words
):
    platform.answer = answer
    browser = client_for(world.agency_a, world.owner_a)
    response = browser.post(f"{PAGE}fetch/", follow=True)
    assert words in response.content.decode()
    with schema_context(world.agency_a.schema_name):
        assert not CatalogueImport.objects.exists()


def test_an_internal_address_is_never_asked(world, settings, platform):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with schema_context(world.agency_a.schema_name), pytest.raises(ValidationError):
        services.import_platform(actor=world.owner_a)
    assert platform.seen == []


def test_only_the_province_administrator_sets_the_platform(world, client_for):
    with pytest.raises(PermissionDenied):
        connection.connection_update(actor=world.analyst, url="", enabled=False)
    console = client_for("localhost", world.province_admin)
    response = console.post("/catalogue/", {"url": "", "key": "", "enabled": "on"})
    assert response.status_code == 400
    assert "Cần nhập địa chỉ dịch vụ" in response.content.decode()
    assert connection.connection_in_force() is None


def test_the_demo_import_updates_the_demo_procedures(in_a):
    _ensure_procedures("sokhcn")
    assert _ensure_catalogue("sokhcn")
    row = CatalogueImport.objects.get()
    assert row.counts == {"new": 0, "changed": 5, "unchanged": 0, "gone": 0}
    radiation = Procedure.objects.get(code="KHCN-02")
    latest = radiation.versions.order_by("-number").first()
    assert (latest.number, latest.limit_days) == (2, 8)
    assert latest.effective_from == dt.date(2025, 10, 1) and latest.steps.count() == 4
    entry = next(e for e in row.diff if e["code"] == "1.010702")
    assert any("ngắn hơn tổng thời gian các bước" in w for w in entry["warnings"])
    assert Procedure.objects.get(code="KHCN-04").versions.get(number=2).fee == 150000
    assert Procedure.objects.get(code="KHCN-01").versions.count() == 1  # completed in place
    assert not _ensure_catalogue("sokhcn")  # once


def test_records_survive_their_round_trip_through_the_preview():
    record = source.catalogue_parse(json.loads(document(item(thoi_han="0,5")))).records[0]
    assert record.rules["limit_days"] == 1  # half a day counts as a day
    again = source.Record.from_json(json.loads(json.dumps(record.as_json())))
    assert again == record
    hours = source.catalogue_parse(
        json.loads(document(item(thoi_han=4, don_vi_thoi_han="giờ làm việc")))
    ).records[0]
    assert source.Record.from_json(hours.as_json()).rules["limit_hours"] == Decimal("4.00")
    days = source.catalogue_parse(
        json.loads(document(item(thoi_han=30, don_vi_thoi_han="ngày")))
    ).records[0]
    assert source.Record.from_json(days.as_json()) == days
    assert days.rules["limit_calendar_days"] == 30 and days.rules["limit_days"] is None


def test_the_migration_moves_versions_an_earlier_import_stored_as_working_days(in_a):
    # Before calendar days had a column, "15 ngày" was written to limit_days with a warning.
    from importlib import import_module

    from django.apps import apps

    migration = import_module("integrations.catalogue.migrations.0002_calendar_day_versions")
    procedure = make_procedure(in_a.owner_a, days=15)
    other = make_procedure(in_a.owner_a, code="1.000002", days=15)  # a working-day record
    records = [
        {"code": "1.000001", "unit": "ngày", "rules": {"limit_days": 15}},
        {"code": "1.000002", "unit": "ngày làm việc", "rules": {"limit_days": 15}},
    ]
    diff = [
        {"code": "1.000001", "procedure_id": procedure.pk, "version": 1},
        {"code": "1.000002", "procedure_id": other.pk, "version": 1},
    ]
    CatalogueImport.objects.create(
        channel="file", status=ImportStatus.APPLIED, records=records, diff=diff
    )
    migration.move_calendar_days(apps, None)
    moved, kept = procedure.versions.get(), other.versions.get()
    assert (moved.limit_days, moved.limit_calendar_days) == (None, 15)
    assert (kept.limit_days, kept.limit_calendar_days) == (15, None)
