"""The procedure catalogue: rules checked, versions by date, import with a per-row report."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from eiso.testing.procedures import make_procedure
from quality.core.models import Unit
from quality.procedures.models import Procedure, ProcedureVersion
from quality.procedures.services import catalogue
from quality.procedures.services.catalogue import StepSpec, VersionSpec

CSV_OK = (
    "code,name,field,level,limit_days,limit_hours,fee,cutoff,supplement_rule,effective_from,"
    "step1_name,step1_unit,step1_hours,step2_name,step2_unit,step2_hours\n"
    "2.000101,Cấp phép A,Lĩnh vực A,province,5,,100000,x,restart,01/01/2026,"
    "Tiếp nhận,Bộ phận một cửa,4,Thẩm định,Phòng A,20\n"
    "2.000102,Cấp phép B,Lĩnh vực B,commune,,8,0,,pause,2026-01-01,"
    "Tiếp nhận,Bộ phận một cửa,1,Giải quyết,Phòng B,6\n"
)


def test_steps_must_fit_the_limit(in_a):
    with pytest.raises(ValidationError, match="vượt thời hạn"):
        catalogue.procedure_create(
            actor=in_a.owner_a,
            code="X.1",
            name="X",
            version=VersionSpec(
                effective_from=dt.date(2026, 1, 1),
                limit_days=1,
                limit_hours=None,
                steps=[StepSpec("A", Decimal(8))],
            ),
        )
    with pytest.raises(ValidationError, match="đúng một thời hạn"):
        catalogue.procedure_create(
            actor=in_a.owner_a,
            code="X.1",
            name="X",
            version=VersionSpec(
                effective_from=dt.date(2026, 1, 1),
                limit_days=1,
                limit_hours=Decimal(2),
                steps=[StepSpec("A", Decimal(1))],
            ),
        )
    assert not Procedure.objects.filter(code="X.1").exists()


def test_only_the_secretary_or_leader_manages_the_catalogue(in_a):
    with pytest.raises(PermissionDenied):
        make_procedure(in_a.member_a)


def test_versions_by_date(in_a):
    procedure = make_procedure(in_a.owner_a)
    catalogue.procedure_version_add(
        actor=in_a.owner_a,
        procedure=procedure,
        version=VersionSpec(
            effective_from=dt.date(2026, 7, 1),
            limit_days=3,
            limit_hours=None,
            steps=[StepSpec("Giải quyết", Decimal(10))],
        ),
    )
    assert procedure.version_on(dt.date(2026, 6, 30)).number == 1
    assert procedure.version_on(dt.date(2026, 7, 1)).number == 2
    with pytest.raises(ValidationError, match="đã có phiên bản"):
        catalogue.procedure_version_add(
            actor=in_a.owner_a,
            procedure=procedure,
            version=VersionSpec(
                effective_from=dt.date(2026, 7, 1),
                limit_days=3,
                limit_hours=None,
                steps=[StepSpec("G", Decimal(1))],
            ),
        )


def test_csv_import_creates_procedures_steps_and_units(in_a):
    report = catalogue.catalogue_import(
        actor=in_a.owner_a, name="danh-muc.csv", data=CSV_OK.encode()
    )
    assert report.ok and (report.created, report.versions) == (2, 0)
    version = ProcedureVersion.objects.get(procedure__code="2.000101")
    assert version.limit_days == 5 and version.cutoff_applies and version.fee == 100000
    assert [s.name for s in version.steps.all()] == ["Tiếp nhận", "Thẩm định"]
    assert Unit.objects.filter(name="Phòng A").exists()
    hours = ProcedureVersion.objects.get(procedure__code="2.000102")
    assert hours.limit_hours == Decimal(8) and hours.supplement_rule == "pause"


def test_a_second_import_adds_versions(in_a):
    catalogue.catalogue_import(actor=in_a.owner_a, name="a.csv", data=CSV_OK.encode())
    later = CSV_OK.replace("01/01/2026", "01/07/2026").replace("2026-01-01", "2026-07-01")
    report = catalogue.catalogue_import(actor=in_a.owner_a, name="a.csv", data=later.encode())
    assert (report.created, report.versions) == (0, 2)


def test_one_bad_row_means_nothing_is_imported_and_every_error_is_listed(in_a):
    bad = CSV_OK + (
        "2.000103,,Lĩnh vực C,nowhere,abc,,,,,32/13/2026,Tiếp nhận,Một cửa,100\n"
        "2.000101,Trùng mã,X,province,5,,,,,,A,B,1\n"
    )
    report = catalogue.catalogue_import(actor=in_a.owner_a, name="a.csv", data=bad.encode())
    assert not report.ok
    rows = {error.row: " ".join(error.messages) for error in report.errors}
    assert set(rows) == {4, 5}
    assert "Cần tên thủ tục" in rows[4] and "nowhere" in rows[4] and "abc" in rows[4]
    assert "lặp lại ở dòng 2" in rows[5]
    assert not Procedure.objects.filter(code__startswith="2.0001").exists()


def test_xlsx_import_with_steps_on_a_second_sheet(in_a):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "name", "field", "limit_days", "effective_from"])
    sheet.append(["3.000001", "Thủ tục X", "Lĩnh vực X", 3, dt.date(2026, 1, 1)])
    steps = book.create_sheet("steps")
    steps.append(["code", "order", "name", "unit", "hours"])
    steps.append(["3.000001", 2, "Giải quyết", "Phòng X", 12])
    steps.append(["3.000001", 1, "Tiếp nhận", "Bộ phận một cửa", 2])
    out = io.BytesIO()
    book.save(out)
    report = catalogue.catalogue_import(
        actor=in_a.owner_a, name="danh-muc.xlsx", data=out.getvalue()
    )
    assert report.ok, report.errors
    version = ProcedureVersion.objects.get(procedure__code="3.000001")
    assert [s.name for s in version.steps.all()] == ["Tiếp nhận", "Giải quyết"]


def test_an_unreadable_file_is_a_clear_error(in_a):
    with pytest.raises(ValidationError, match="CSV"):
        catalogue.catalogue_import(actor=in_a.owner_a, name="a.xlsx", data=b"not a workbook")
    with pytest.raises(ValidationError, match="CSV"):
        catalogue.catalogue_import(actor=in_a.owner_a, name="a.csv", data="ê".encode("cp1258"))


# --------------------------------------------------------------------------- untrusted files


def test_an_xlsx_bomb_is_refused_with_a_clear_message_without_expanding(in_a):
    from tests import bombs

    bomb = bombs.xlsx_bomb(110 * bombs.MB)
    caught = []

    def run():
        try:
            catalogue.catalogue_import(actor=in_a.owner_a, name="danh-muc.xlsx", data=bomb)
        except ValidationError as exc:
            caught.append(exc)

    assert bombs.peak_mb(run) < 3
    assert "bom giải nén" in caught[0].message_dict["file"][0]
    assert not Procedure.objects.exists()


def test_a_catalogue_of_too_many_rows_is_refused_through_the_page(in_a, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import bombs

    too_long = bombs.csv_rows(10_001, header="code,name")
    page = client_for(in_a.agency_a, in_a.owner_a).post(
        "/procedures/import/", {"file": SimpleUploadedFile("danh-muc.csv", too_long)}, follow=True
    )
    assert page.status_code == 200
    assert "Tệp có hơn 10000 dòng dữ liệu, vượt giới hạn." in page.content.decode()
    with schema_context(in_a.agency_a.schema_name):
        assert not Procedure.objects.exists()


def spec(**limits) -> VersionSpec:
    return VersionSpec(
        effective_from=dt.date(2026, 1, 1),
        **{"limit_days": None, "limit_hours": None, **limits},
        steps=[StepSpec("A", Decimal(1))],
    )


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        ({"limit_days": 0}, "phải lớn hơn 0"),
        ({"limit_calendar_days": 0}, "phải lớn hơn 0"),
        ({"limit_hours": Decimal(0)}, "phải lớn hơn 0"),
        ({"limit_days": 5, "limit_calendar_days": 5}, "đúng một thời hạn"),
        ({"limit_calendar_days": 5, "limit_hours": Decimal(4)}, "đúng một thời hạn"),
        ({}, "đúng một thời hạn"),
    ],
)
def test_a_limit_must_be_one_and_above_zero(in_a, limits, words):
    with pytest.raises(ValidationError, match=words):
        catalogue.procedure_create(actor=in_a.owner_a, code="X.2", name="X", version=spec(**limits))
    assert not Procedure.objects.filter(code="X.2").exists()


@pytest.mark.django_db  # the working-day calendar reads the holidays the province keeps
def test_calendar_day_limits_hold_only_their_sure_working_days():
    # 7 days hold 5 working days at worst; 2 days (a weekend) none
    day = catalogue.limit_working_hours(1, None, None)
    assert catalogue.limit_working_hours(None, 7, None) == 5 * day
    assert catalogue.limit_working_hours(None, 2, None) == 0
    assert catalogue.limit_working_hours(None, 10, None) == 6 * day


def test_csv_import_reads_calendar_days_and_refuses_two_limits_or_none(in_a):
    header = "code,name,limit_days,limit_calendar_days,limit_hours,step1_name,step1_hours\n"
    good = header + "3.000001,Cấp phép C,,30,,Giải quyết,20\n"
    report = catalogue.catalogue_import(actor=in_a.owner_a, name="a.csv", data=good.encode())
    assert report.ok
    version = ProcedureVersion.objects.get(procedure__code="3.000001")
    assert (version.limit_days, version.limit_calendar_days) == (None, 30)
    bad = header + "3.000002,Hai thời hạn,5,30,,A,1\n3.000003,Âm,,-3,,A,1\n3.000004,Không,,0,,A,1\n"
    report = catalogue.catalogue_import(actor=in_a.owner_a, name="b.csv", data=bad.encode())
    rows = {error.row: " ".join(error.messages) for error in report.errors}
    assert "đúng một thời hạn" in rows[2] and "-3" in rows[3] and "lớn hơn 0" in rows[4]
    assert not Procedure.objects.filter(code__in=["3.000002", "3.000003", "3.000004"]).exists()
