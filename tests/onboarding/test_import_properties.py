"""Properties of the file importers (hypothesis): the rollout file and the staff CSV.

Whatever the bytes or rows, an import ends in a report whose messages are Vietnamese,
non-empty and name the row (or the file); it never raises, and a refused import changes
nothing but its own record of the refusal.
"""

from __future__ import annotations

import csv
import io

import openpyxl
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from iso_platform.accounts.models import Invitation, User
from onboarding.province.models import RolloutRow, RolloutStatus, RowStatus
from onboarding.services.rollout.common import HEADERS
from onboarding.services.rollout.upload import rollout_upload
from quality.core.team import services as team
from tenants.models import Agency, ProvisioningJob

FILES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Cells: real-looking values, Vietnamese text, and anything at all (NUL, quotes, newlines).
cells = st.one_of(
    st.sampled_from(
        [
            "",
            "so-tu-phap",
            "Sở Tư pháp",
            "UBND cấp xã",
            "provincial_department",
            "alpha",
            "an@alpha.test",
            "khong-phai-email",
            "Chuyên viên",
            "staff",
            "co-ban",
            "Thư ký ISO",
            "Quản trị viên cấp tỉnh",
        ]
    ),
    st.text(max_size=40),
    st.text(alphabet='\x00\r\n";,\t ', max_size=5),
)
rollout_header = st.lists(
    st.sampled_from([a for aliases in HEADERS.values() for a in aliases[:2]]) | st.text(max_size=8),
    min_size=1,
    max_size=8,
)
staff_header = st.lists(
    st.sampled_from(["họ tên", "email", "đơn vị", "vai trò", "Thư điện tử", "ghi chú"]),
    min_size=1,
    max_size=5,
)
rows = st.lists(st.lists(cells, max_size=8), max_size=6)


def csv_bytes(table, delimiter=",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(table)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(table) -> bytes:
    book = openpyxl.Workbook()
    for row in table:
        # openpyxl refuses control characters, as Excel does: such a file cannot exist
        book.active.append(["".join(c for c in v if c >= " ") for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@st.composite
def rollout_files(draw):
    table = [draw(rollout_header), *draw(rows)]
    kind = draw(st.sampled_from(["csv", "csv;", "xlsx", "bytes", "broken-xlsx"]))
    if kind == "bytes":
        return "tep.csv", draw(st.binary(max_size=400))
    if kind.startswith("csv"):
        return "tep.csv", csv_bytes(table, delimiter=kind[3:] or ",")
    data = xlsx_bytes(table)
    if kind == "broken-xlsx":
        cut = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data = data[:cut] + draw(st.binary(max_size=20))
    return "tep.xlsx", data


def _state():
    return (
        Agency.objects.count(),
        ProvisioningJob.objects.count(),
        RolloutRow.objects.exclude(status__in=[RowStatus.INVALID, RowStatus.SKIPPED]).count(),
    )


NUL_PARENT = (
    "mã,tên,loại,cơ quan cấp trên,họ tên quản trị viên,email quản trị viên\n"
    "xa-1,Xã 1,UBND cấp xã,a\x00b,An,an@x.test\n"
)


@FILES
@example(upload=("nul.csv", NUL_PARENT.encode()), valid_only=False)
@example(upload=("cr.csv", NUL_PARENT.replace("\x00", "\r").encode()), valid_only=True)
@given(upload=rollout_files(), valid_only=st.booleans())
def test_a_rollout_file_is_validated_or_refused_with_row_messages(world, upload, valid_only):
    name, content = upload
    before = _state()
    batch = rollout_upload(content=content, file_name=name, create_valid_only=valid_only)
    if batch.status == RolloutStatus.REFUSED:
        problems = list(batch.errors) + [
            m for row in batch.rows.all() for messages in row.errors.values() for m in messages
        ]
        assert problems and all(isinstance(m, str) and m.strip() for m in problems)
        assert batch.rows.exclude(status__in=[RowStatus.INVALID, RowStatus.SKIPPED]).count() == 0
        assert _state() == before  # nothing provisioned, nothing queued
    else:
        assert batch.status == RolloutStatus.VALIDATED and batch.valid_rows > 0
    for row in batch.rows.all():
        assert row.line >= 2  # a data row, numbered as in the file (the header is line 1)
        assert (row.status in (RowStatus.INVALID, RowStatus.SKIPPED)) == bool(row.errors)
    assert Agency.objects.count() == before[0]  # uploading never provisions


@st.composite
def staff_files(draw):
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return draw(st.binary(max_size=400))
    table = [draw(staff_header), *draw(rows)]
    return csv_bytes(table, delimiter=draw(st.sampled_from([",", ";", "\t"])))


@FILES
@example(data="họ tên,email,vai trò\nAn,a\x00@alpha.test,staff\n".encode())
@example(data="họ tên,email,vai trò\nAn,an@alpha.test\r,staff\n".encode())
@given(data=staff_files())
def test_a_staff_file_imports_everybody_or_nobody_with_row_messages(world, data):
    with schema_context(world.agency_a.schema_name):
        people = User.objects.count(), Invitation.objects.count()
        report = team.staff_import(actor=world.owner_a, data=data)
        messages = report.file_errors + [m for e in report.errors for m in e.messages]
        assert all(isinstance(m, str) and m.strip() for m in messages)
        if report.ok:
            assert report.created == len(report.people) > 0
            assert User.objects.count() == people[0] + report.created
        else:
            assert messages and report.created == 0 and not report.people
            assert all(e.row >= 2 for e in report.errors)
            assert (User.objects.count(), Invitation.objects.count()) == people
