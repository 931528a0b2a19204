"""Bulk rollout: reading the file, every error by row, provisioning with progress, resuming."""

from __future__ import annotations

import csv
import io
import threading

import openpyxl
import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User
from onboarding.province.models import RolloutBatch, RolloutStatus, RowStatus
from onboarding.services.rollout import running
from onboarding.services.rollout.checking import provisioning_order
from onboarding.services.rollout.common import MSG_CODE_DUPLICATE, MSG_EMAIL_INVALID
from onboarding.services.rollout.parsing import rollout_parse
from onboarding.services.rollout.running import rollout_batches_resume, rollout_run
from onboarding.services.rollout.upload import rollout_start, rollout_upload
from tenants.models import Agency, AgencyEvent, ProvisioningJob, SpareSchema
from tenants.services.provisioning import MSG_CODE_TAKEN, MSG_PARENT_UNKNOWN

HEADER_VI = [
    "mã",
    "tên",
    "loại",
    "cơ quan cấp trên",
    "họ tên quản trị viên",
    "email quản trị viên",
    "gói",
]
HEADER_EN = ["code", "name", "kind", "parent", "admin_name", "admin_email", "plan"]


def agency_rows(count: int) -> list[list[str]]:
    """A department first, then communes and centres; some under the department (in the file)
    or under an existing agency (alpha)."""
    rows = [
        [
            "so-noi-vu",
            "Sở Nội vụ",
            "Sở, ban, ngành cấp tỉnh",
            "",
            "Lê Văn Nội",
            "noi@snv.test",
            "co-ban",
        ]
    ]
    for n in range(2, count + 1):
        parent = "so-noi-vu" if n % 5 == 0 else ("alpha" if n % 7 == 0 else "")
        kind = "UBND cấp xã" if n % 3 else "service_centre"
        rows.append(
            [
                f"xa-{n:02d}",
                f"UBND xã Số {n}",
                kind,
                parent,
                f"Quản Trị {n}",
                f"qt{n}@xa{n}.test",
                "",
            ]
        )
    return rows


def csv_bytes(rows, header=HEADER_VI, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([header, *rows])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def xlsx_bytes(rows, header=HEADER_VI) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def two_bad(rows):
    """Line 8 (xa-07): an e-mail that is not one; line 21: the code of line 12 (xa-11) again."""
    rows = [list(row) for row in rows]
    rows[6][5] = "khong-phai-email"
    rows[19][0] = rows[10][0]
    return rows


@pytest.fixture
def admin(world, client_for):
    return client_for("localhost", world.province_admin)


@pytest.fixture
def analyst(world, client_for):
    return client_for("localhost", world.analyst)


@pytest.fixture
def no_standing_pool(settings):
    settings.AGENCY_POOL_SIZE = 0  # spares are built for the batch alone


def counts():
    return (
        Agency.objects.count(),
        SpareSchema.objects.count(),
        AgencyEvent.objects.count(),
        ProvisioningJob.objects.count(),
    )


# --------------------------------------------------------------------------- reading files


def test_csv_with_bom_semicolons_and_vietnamese_headers_is_read(world):
    parsed = rollout_parse(
        content=csv_bytes(agency_rows(3), delimiter=";", bom=True), file_name="ds.csv"
    )
    assert parsed.errors == []
    assert [line for line, _values in parsed.rows] == [2, 3, 4]
    first = parsed.rows[0][1]
    assert first["code"] == "so-noi-vu" and first["kind"] == "Sở, ban, ngành cấp tỉnh"
    assert first["admin_email"] == "noi@snv.test" and first["plan_code"] == "co-ban"


def test_csv_with_commas_english_headers_and_quoted_cells_is_read(world):
    content = (
        "Code,Name,Kind,Parent,Admin name,Admin e-mail,Plan\n"
        'ubnd-xa-a,"UBND xã A, huyện cũ",commune_committee,,"Nguyễn, Văn A",a@xa.test,\n'
    ).encode()
    parsed = rollout_parse(content=content, file_name="list.csv")
    assert parsed.errors == []
    ((line, values),) = parsed.rows
    assert line == 2
    assert values["name"] == "UBND xã A, huyện cũ" and values["admin_name"] == "Nguyễn, Văn A"


def test_headers_without_accents_and_in_any_order_are_read(world):
    header = ["Email quan tri vien", "MA", "Ten", "Loai", "Ho ten quan tri vien", "Ghi chú"]
    parsed = rollout_parse(
        content=csv_bytes([["a@x.test", "xa-a", "Xã A", "other", "An", "bỏ qua"]], header=header)
    )
    assert parsed.errors == []
    assert parsed.rows[0][1] | {} == {
        "code": "xa-a",
        "name": "Xã A",
        "kind": "other",
        "parent_code": "",
        "admin_name": "An",
        "admin_email": "a@x.test",
        "plan_code": "",
        "identifier": "",
    }


def test_xlsx_is_read_with_numbers_and_blank_rows(world):
    rows = agency_rows(2) + [
        [None] * 7,
        ["xa-99", "Xã 99", "other", None, "An", "a@x99.test", 2025],
    ]
    parsed = rollout_parse(content=xlsx_bytes(rows), file_name="ds.xlsx")
    assert parsed.errors == []
    assert [line for line, _values in parsed.rows] == [2, 3, 5]
    assert parsed.rows[-1][1]["plan_code"] == "2025"


@pytest.mark.parametrize(
    "content,file_name,expected",
    [
        (b"", "a.csv", "Tệp trống"),
        (csv_bytes([]), "a.csv", "không có dòng dữ liệu"),
        (b"ma,ten\nx,y\n", "a.csv", "Thiếu cột: loại, họ tên quản trị viên, email quản trị viên"),
        ("mã;tên\n".encode("utf-16"), "a.csv", "UTF-8"),
        (b"\xd0\xcf\x11\xe0rest", "a.xls", ".xls"),
        (b"PK\x03\x04broken", "a.xlsx", "Không đọc được tệp XLSX"),
        (csv_bytes([["x"] * 7], header=HEADER_VI + ["mã"]), "a.csv", "xuất hiện nhiều lần"),
    ],
)
def test_file_level_errors_are_named(world, content, file_name, expected):
    parsed = rollout_parse(content=content, file_name=file_name)
    assert parsed.rows == []
    assert expected in " ".join(parsed.errors)


def test_too_many_rows_are_refused_as_a_whole(world, monkeypatch):
    monkeypatch.setattr("onboarding.services.rollout.parsing.MAX_ROWS", 5)
    batch = rollout_upload(content=csv_bytes(agency_rows(6)), file_name="lon.csv")
    assert batch.status == RolloutStatus.REFUSED
    assert "tối đa 5 dòng" in batch.errors[0]
    assert batch.rows.count() == 0


# --------------------------------------------------------------------------- checking rows


def test_every_wrong_field_of_every_row_is_named_in_vietnamese(world):
    rows = [
        ["so-a", "Sở A", "Sở, ban, ngành cấp tỉnh", "", "An", "an@a.test", ""],
        ["So-A", "", "bộ", "khongco", "", "an@a.test", "Gói Vàng"],  # line 3
        ["www", "Sở B", "other", "", "Bình", "binh", ""],  # line 4
        ["alpha", "Sở C", "province", "", "Chi", "chi@c.test", ""],  # line 5
        ["vong-1", "V1", "other", "vong-2", "V", "v1@v.test", ""],  # line 6
        ["vong-2", "V2", "other", "vong-1", "V", "v2@v.test", ""],  # line 7
        ["con", "Con", "other", "www", "C", "con@c.test", ""],  # line 8: parent is line 4
        ["chau", "Cháu", "other", "con", "C", "chau@c.test", ""],  # line 9: grandchild
    ]
    batch = rollout_upload(content=csv_bytes(rows), file_name="loi.csv")
    assert batch.status == RolloutStatus.REFUSED
    errors = {row.line: row.errors for row in batch.rows.all()}
    assert errors[2] == {}
    assert errors[3]["code"] == [MSG_CODE_DUPLICATE % {"code": "so-a", "line": 2}]
    assert errors[3]["name"] == ["Cần nhập tên cơ quan."]
    assert errors[3]["kind"][0].startswith("Loại “bộ” không hợp lệ; dùng một trong: ")
    assert errors[3]["parent_code"] == [MSG_PARENT_UNKNOWN % {"code": "khongco"}]
    assert errors[3]["admin_name"] == ["Cần nhập họ tên quản trị viên."]
    assert errors[3]["admin_email"] == ["Email “an@a.test” trùng với dòng 2."]
    assert "Mã gói “gói vàng” không hợp lệ" in errors[3]["plan_code"][0]
    assert "dành riêng" in errors[4]["code"][0]
    assert errors[4]["admin_email"] == [MSG_EMAIL_INVALID % {"value": "binh"}]
    assert errors[5]["code"] == [MSG_CODE_TAKEN % {"code": "alpha"}]
    assert errors[5]["kind"] == ["Loại cơ quan không hợp lệ."]
    assert "vòng lặp (các dòng 6, 7)" in errors[6]["parent_code"][0]
    assert "vòng lặp" in errors[7]["parent_code"][0]
    assert errors[8] == {"parent_code": ["Cơ quan cấp trên “www” (dòng 4) có lỗi."]}
    assert errors[9] == {"parent_code": ["Cơ quan cấp trên “con” (dòng 8) có lỗi."]}
    assert batch.valid_rows == 1 and batch.total_rows == 8


def test_kinds_may_be_values_or_labels_and_parents_may_come_later_in_the_file(world):
    rows = [
        ["chi-cuc", "Chi cục", "Cơ quan khác", "so-moi", "An", "a@cc.test", ""],
        ["ttphvhcc-2", "Trung tâm", "trung tâm phục vụ hành chính công", "", "B", "b@t.test", ""],
        ["so-moi", "Sở Mới", "provincial_department", "", "C", "c@s.test", ""],
        ["xa-moi", "Xã Mới", "Commune people's committee", "alpha", "D", "d@x.test", ""],
    ]
    batch = rollout_upload(content=csv_bytes(rows), file_name="ok.csv")
    assert batch.status == RolloutStatus.VALIDATED, list(batch.rows.values_list("errors"))
    kinds = dict(batch.rows.values_list("code", "kind"))
    assert kinds == {
        "chi-cuc": "other",
        "ttphvhcc-2": "service_centre",
        "so-moi": "provincial_department",
        "xa-moi": "commune_committee",
    }
    order = [row.code for row in provisioning_order(list(batch.rows.all()))]
    assert order == ["so-moi", "chi-cuc", "ttphvhcc-2", "xa-moi"]


def test_the_template_file_is_valid_as_it_is(world, admin):
    response = admin.get("/rollout/template.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    batch = rollout_upload(content=response.content, file_name="mau.csv")
    assert batch.status == RolloutStatus.VALIDATED
    assert batch.valid_rows == 2


# --------------------------------------------------------------------------- the done-when flow


def test_a_30_row_file_with_two_bad_rows_is_refused_then_fixed_and_provisioned(
    world, admin, eager, no_standing_pool, django_capture_on_commit_callbacks
):
    before = counts()
    upload = SimpleUploadedFile("trien-khai.csv", csv_bytes(two_bad(agency_rows(30)), bom=True))
    response = admin.post("/rollout/new/", {"file": upload})
    refused = RolloutBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rollout/{refused.pk}/"
    assert refused.status == RolloutStatus.REFUSED
    assert (refused.total_rows, refused.valid_rows) == (30, 28)
    page = admin.get(response["Location"]).content.decode()
    assert "Tệp bị từ chối: chưa cơ quan nào được tạo." in page
    assert MSG_EMAIL_INVALID % {"value": "khong-phai-email"} in page
    assert MSG_CODE_DUPLICATE % {"code": "xa-11", "line": 12} in page
    bad = {row.line: row.errors for row in refused.rows.exclude(errors={})}
    assert set(bad) == {8, 21}
    assert counts() == before  # nothing created, no spare used

    fixed = SimpleUploadedFile("trien-khai-sua.csv", csv_bytes(agency_rows(30), bom=True))
    batch_id = admin.post("/rollout/new/", {"file": fixed})["Location"].split("/")[2]
    batch = RolloutBatch.objects.get(pk=batch_id)
    assert batch.status == RolloutStatus.VALIDATED
    assert "Xác nhận và khởi tạo 30 cơ quan" in admin.get(f"/rollout/{batch.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/rollout/{batch.pk}/start/")
    assert response.status_code == 302

    batch.refresh_from_db()
    assert batch.status == RolloutStatus.SUCCEEDED
    assert (batch.done_rows, batch.failed_rows) == (30, 0)
    created = Agency.objects.filter(code__in=[row[0] for row in agency_rows(30)])
    assert created.count() == 30
    assert Agency.objects.get(code="xa-10").parent.code == "so-noi-vu"
    assert Agency.objects.get(code="xa-14").parent.code == "alpha"
    assert Agency.objects.get(code="so-noi-vu").plan_code == "co-ban"
    assert len(mail.outbox) == 30  # every administrator invited
    with schema_context(Agency.objects.get(code="xa-02").schema_name):
        admin_user = User.objects.get()
        assert admin_user.email == "qt2@xa2.test" and not admin_user.has_usable_password()

    fragment = admin.get(f"/rollout/{batch.pk}/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert 'value="100"' in fragment.content.decode()
    page = admin.get(f"/rollout/{batch.pk}/").content.decode()
    assert "Đã khởi tạo xong mọi cơ quan." in page
    assert "/agencies/xa-30/" in page and "http://xa-30.localhost/" in page


def test_create_valid_only_creates_exactly_the_valid_rows(world, no_standing_pool):
    rows = two_bad(agency_rows(21))
    rows[9][3] = rows[6][0]  # line 11's parent is line 8, which is wrong: skipped too
    batch = rollout_upload(
        content=csv_bytes(rows), file_name="mot-phan.csv", create_valid_only=True
    )
    assert batch.status == RolloutStatus.VALIDATED
    assert (batch.total_rows, batch.valid_rows) == (21, 18)
    skipped = set(batch.rows.filter(status=RowStatus.SKIPPED).values_list("line", flat=True))
    assert skipped == {8, 11, 21}
    rollout_start(batch=batch)
    assert rollout_run(batch_id=batch.pk) == RolloutStatus.SUCCEEDED
    batch.refresh_from_db()
    assert (batch.done_rows, batch.failed_rows) == (18, 0)
    valid_codes = set(batch.rows.filter(status=RowStatus.DONE).values_list("code", flat=True))
    assert len(valid_codes) == 18
    new = set(
        Agency.objects.exclude(code__in=["public", "alpha", "beta"]).values_list("code", flat=True)
    )
    assert new == valid_codes
    assert "xa-07" not in new and "xa-10" not in new and "xa-11" in new
    assert AgencyEvent.objects.filter(action="rollout", detail__batch=str(batch.pk)).count() == 18
    assert SpareSchema.objects.count() == 0  # exactly one spare per agency was built


def test_a_row_that_fails_at_run_time_is_reported_and_its_children_skipped(
    world, admin, no_standing_pool
):
    rows = agency_rows(6)
    batch = rollout_upload(content=csv_bytes(rows), file_name="ds.csv")
    rollout_start(batch=batch)
    # Between the check and the run, someone creates the department by hand.
    Agency.objects.create(schema_name="ag_so_noi_vu", code="so-noi-vu", name="Sở", kind="other")
    assert rollout_run(batch_id=batch.pk) == RolloutStatus.FAILED
    batch.refresh_from_db()
    assert (batch.done_rows, batch.failed_rows) == (4, 2)
    failed = {row.line: row.errors for row in batch.rows.filter(status=RowStatus.FAILED)}
    assert failed[2] == {"code": [MSG_CODE_TAKEN % {"code": "so-noi-vu"}]}
    assert "(dòng 2) không khởi tạo được" in failed[6]["parent_code"][0]
    page = admin.get(f"/rollout/{batch.pk}/").content.decode()
    assert "Dòng thất bại" in page and "đã được dùng cho một cơ quan khác" in page


# --------------------------------------------------------------------------- resuming


class Crash(BaseException):
    """The worker dies (not an error the runner may catch)."""


def test_resume_after_a_crash_never_provisions_twice_and_skips_nothing(
    world, no_standing_pool, monkeypatch
):
    batch = rollout_upload(content=csv_bytes(agency_rows(4)), file_name="ds.csv")
    rollout_start(batch=batch)
    real = running.agency_provision

    def dies_on_the_third(*, spec, **kwargs):
        if spec.code == "xa-03":
            raise Crash
        return real(spec=spec, **kwargs)

    monkeypatch.setattr(running, "agency_provision", dies_on_the_third)
    with pytest.raises(Crash):
        rollout_run(batch_id=batch.pk)
    monkeypatch.setattr(running, "agency_provision", real)
    statuses = dict(batch.rows.values_list("line", "status"))
    assert statuses == {2: "done", 3: "done", 4: "running", 5: "pending"}
    assert not Agency.objects.filter(code="xa-03").exists()
    # As if the worker had died after the agency of line 3 committed but before its row did.
    batch.rows.filter(line=3).update(status=RowStatus.RUNNING, agency=None)
    provisioned_before = AgencyEvent.objects.filter(action="provisioned").count()

    assert rollout_run(batch_id=batch.pk) == RolloutStatus.SUCCEEDED
    batch.refresh_from_db()
    assert (batch.done_rows, batch.failed_rows) == (4, 0)
    rows = {row.line: row for row in batch.rows.select_related("agency")}
    assert all(row.status == RowStatus.DONE for row in rows.values())
    assert rows[3].agency.code == "xa-02"  # found again, not made again
    assert Agency.objects.filter(code__in=["so-noi-vu", "xa-02", "xa-03", "xa-04"]).count() == 4
    assert AgencyEvent.objects.filter(action="provisioned").count() == provisioned_before + 2


def test_beat_requeues_batches_nobody_runs(world, monkeypatch):
    queued = []
    monkeypatch.setattr("onboarding.services.rollout.upload._enqueue", queued.append)
    batch = rollout_upload(content=csv_bytes(agency_rows(2)), file_name="ds.csv")
    assert rollout_batches_resume() == 0  # validated, not confirmed: nothing to do
    batch = rollout_start(batch=batch)
    assert rollout_batches_resume() == 0  # just queued: its message is on the way
    RolloutBatch.objects.filter(pk=batch.pk).update(started_at=batch.started_at.replace(year=2020))
    assert rollout_batches_resume() == 1
    RolloutBatch.objects.filter(pk=batch.pk).update(status=RolloutStatus.RUNNING)
    assert rollout_batches_resume() == 1  # running, but no runner holds its lock
    assert queued == [batch.pk, batch.pk]


@pytest.fixture
def committed_batches(committed):
    before = set(RolloutBatch.objects.values_list("pk", flat=True))
    yield committed
    connection.set_schema_to_public()
    RolloutBatch.objects.exclude(pk__in=before).delete()


def _run_in_thread(batch_id, results):
    try:
        results.append(rollout_run(batch_id=batch_id))
    finally:
        connection.close()


def test_two_runners_of_one_batch_never_provision_twice(committed_batches, settings):
    settings.AGENCY_POOL_SIZE = 0
    batch = rollout_upload(content=csv_bytes(agency_rows(3)), file_name="ds.csv")
    rollout_start(batch=batch)
    entered, release, results = threading.Event(), threading.Event(), []
    real = running._create_agency

    def slow(*args, **kwargs):
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    running._create_agency = slow
    try:
        first = threading.Thread(target=_run_in_thread, args=(batch.pk, results))
        first.start()
        assert entered.wait(30)
        assert rollout_run(batch_id=batch.pk) == "busy"  # a second delivery of the task
        assert rollout_batches_resume() == 0  # beat sees a live runner
        release.set()
        first.join(60)
    finally:
        running._create_agency = real
    assert results == [RolloutStatus.SUCCEEDED]
    codes = ["so-noi-vu", "xa-02", "xa-03"]
    assert Agency.objects.filter(code__in=codes).count() == 3
    assert AgencyEvent.objects.filter(action="provisioned", agency__code__in=codes).count() == 3

    # Two deliveries at the same moment: one runs, the other finds the batch done or busy.
    batch2 = rollout_upload(
        content=csv_bytes([["xa-77", "Xã 77", "other", "", "A", "a@x77.test", ""]]),
        file_name="ds2.csv",
    )
    rollout_start(batch=batch2)
    results, barrier = [], threading.Barrier(2)

    def racing():
        barrier.wait()
        _run_in_thread(batch2.pk, results)

    threads = [threading.Thread(target=racing) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) in (["busy", "succeeded"], ["succeeded", "succeeded"])
    assert Agency.objects.filter(code="xa-77").count() == 1
    assert AgencyEvent.objects.filter(action="provisioned", agency__code="xa-77").count() == 1


# --------------------------------------------------------------------------- console pages


def test_pages_need_a_province_user(world, client_for):
    anonymous = client_for("localhost")
    response = anonymous.get("/rollout/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    agency_session = client_for(world.agency_a, world.owner_a)
    stolen = agency_session.cookies[settings.SESSION_COOKIE_NAME].value
    on_console = client_for("localhost")
    on_console.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert on_console.get("/rollout/").status_code in (302, 403)
    assert client_for(world.agency_a, world.owner_a).get("/rollout/").status_code == 404


def test_the_analyst_may_look_but_not_upload_or_start(world, analyst, admin):
    batch = rollout_upload(content=csv_bytes(agency_rows(2)), file_name="ds.csv")
    listing = analyst.get("/rollout/")
    assert listing.status_code == 200 and "ds.csv" in listing.content.decode()
    assert "/rollout/new/" not in listing.content.decode()
    detail = analyst.get(f"/rollout/{batch.pk}/").content.decode()
    assert "Sở Nội vụ" in detail and f"/rollout/{batch.pk}/start/" not in detail
    assert analyst.get("/rollout/template.csv").status_code == 200
    assert analyst.get("/rollout/new/").status_code == 403
    upload = SimpleUploadedFile("x.csv", csv_bytes(agency_rows(2)))
    assert analyst.post("/rollout/new/", {"file": upload}).status_code == 403
    assert analyst.post(f"/rollout/{batch.pk}/start/").status_code == 403
    batch.refresh_from_db()
    assert batch.status == RolloutStatus.VALIDATED and RolloutBatch.objects.count() == 1


def test_upload_page_and_progress_fragment_render(world, admin):
    page = admin.get("/rollout/new/").content.decode()
    assert 'enctype="multipart/form-data"' in page and "create_valid_only" in page
    assert "<script>" not in page  # CSP: no inline scripts
    wrong = admin.post("/rollout/new/", {"file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert wrong.status_code == 200 and "Chỉ nhận tệp .csv hoặc .xlsx." in wrong.content.decode()
    batch = rollout_upload(content=csv_bytes(agency_rows(4)), file_name="ds.csv")
    rollout_start(batch=batch)
    batch.rows.filter(line=2).update(status=RowStatus.DONE)
    RolloutBatch.objects.filter(pk=batch.pk).update(status=RolloutStatus.RUNNING, done_rows=1)
    fragment = admin.get(f"/rollout/{batch.pk}/", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "HX-Refresh" not in fragment
    assert 'hx-trigger="load delay:1s"' in body and 'value="25"' in body
    full = admin.get(f"/rollout/{batch.pk}/").content.decode()
    assert 'id="rollout-progress"' in full and "table-responsive" in full
    assert admin.post(f"/rollout/{batch.pk}/start/").status_code == 302  # already started
    assert "Chỉ khởi tạo được tệp" in admin.get(f"/rollout/{batch.pk}/").content.decode()


def test_the_console_menu_links_to_rollout(world, admin):
    assert 'href="/rollout/"' in admin.get("/agencies/").content.decode()


@pytest.mark.parametrize(
    "case,message",
    [
        ("bomb", "bom giải nén"),
        ("entries", "20003 thành phần"),
        ("rows", "Tệp có hơn 2000 dòng dữ liệu"),
    ],
)
def test_a_hostile_rollout_file_is_refused_without_expanding(case, message):
    from tests import bombs

    content = {
        "bomb": lambda: bombs.xlsx_bomb(110 * bombs.MB),
        "entries": lambda: bombs.many_entries(20_000, kind="xlsx"),
        "rows": lambda: _xlsx_of_rows(2_500),
    }[case]()
    parsed = []
    peak = bombs.peak_mb(lambda: parsed.append(rollout_parse(content=content, file_name="a.xlsx")))
    assert message in " ".join(parsed[0].errors)
    assert peak < 10


def _xlsx_of_rows(count: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["mã", "tên", "loại", "cấp trên", "người quản trị", "email", "gói"])
    for index in range(count):
        sheet.append([f"so-{index}", f"Sở {index}", "other", "", "An", f"a{index}@x.vn", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
