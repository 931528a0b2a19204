"""National electronic identifiers of agencies (mã định danh điện tử, used in document
exchange): validated, unique, set at creation (form, API, rollout file, split, import) and
corrected by the province; a merged agency's identifier leads to the agency it joined."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from onboarding.province.models import RowStatus
from onboarding.services.rollout.upload import rollout_upload
from tenants.models import Agency, AgencyEvent, identifier_check
from tenants.services.lifecycle import agency_identifier_set
from tenants.services.provisioning import AgencySpec, agency_provision
from tests.onboarding.test_rollout import HEADER_VI, csv_bytes


def spec(code="sotuphap", **extra):
    values = dict(
        code=code,
        name="Sở Tư pháp",
        kind="provincial_department",
        admin_email=f"admin@{code}.test",
        admin_name="Nguyễn Văn An",
    )
    values.update(extra)
    return AgencySpec(**values)


@pytest.mark.parametrize(
    "typed, stored",
    [("000.00.12.H13", "000.00.12.H13"), (" 000.00.12.h13 ", "000.00.12.H13"), ("", "")],
)
def test_what_a_clerk_types_is_stored_in_the_standard_form(world, typed, stored):
    assert identifier_check(typed) == stored


@pytest.mark.parametrize(
    "bad", ["000.00.12", "00.00.12.H13", "000.00.12.H1", "000.00.12.13H", "abc.de.fg.H13", "x" * 13]
)
def test_a_malformed_identifier_is_refused_in_vietnamese(world, bad):
    with pytest.raises(ValidationError) as caught:
        identifier_check(bad)
    assert "không đúng cấu trúc" in caught.value.messages[0]


def test_provisioning_keeps_the_identifier_and_refuses_one_already_held(world):
    agency_identifier_set(agency=world.agency_a, identifier="000.00.12.H13", by=None)
    before = Agency.objects.count()

    with pytest.raises(ValidationError) as caught:
        agency_provision(spec=spec(identifier="000.00.12.h13"), method="auto")

    assert world.agency_a.name in caught.value.message_dict["identifier"][0]
    assert Agency.objects.count() == before and not Agency.objects.filter(code="sotuphap")
    created = agency_provision(spec=spec(identifier=" 000.00.09.h13"), method="auto").agency
    assert Agency.objects.get(pk=created.pk).identifier == "000.00.09.H13"


def test_the_database_itself_refuses_a_second_holder(world):
    Agency.objects.filter(pk=world.agency_a.pk).update(identifier="000.00.12.H13")
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.filter(pk=world.agency_b.pk).update(identifier="000.00.12.H13")
    # agencies without one are many
    Agency.objects.filter(pk=world.agency_b.pk).update(identifier="")


def test_the_province_admin_corrects_an_identifier_on_the_console(world, client_for):
    admin = client_for("localhost", world.province_admin)
    url = f"/agencies/{world.agency_a.code}/identifier/"

    response = admin.post(url, {"identifier": "000.00.12.h13"}, follow=True)

    assert response.status_code == 200
    world.agency_a.refresh_from_db()
    assert world.agency_a.identifier == "000.00.12.H13"
    assert "<code>000.00.12.H13</code>" in response.content.decode()
    event = AgencyEvent.objects.filter(agency=world.agency_a, action="identifier_changed").get()
    assert event.detail == {"before": "", "after": "000.00.12.H13"}
    assert "Đổi mã định danh điện tử" in response.content.decode()

    # a malformed value and another agency's value are refused, nothing changes
    bad = admin.post(url, {"identifier": "12.H13"}, follow=True).content.decode()
    assert "không đúng cấu trúc" in bad
    agency_identifier_set(agency=world.agency_b, identifier="000.00.09.H13", by=None)
    taken = admin.post(url, {"identifier": "000.00.09.H13"}, follow=True).content.decode()
    assert "đã được cơ quan" in taken and world.agency_b.name in taken
    world.agency_a.refresh_from_db()
    assert world.agency_a.identifier == "000.00.12.H13"


def test_only_the_province_admin_can_change_it(world, client_for):
    url = f"/agencies/{world.agency_a.code}/identifier/"
    analyst = client_for("localhost", world.analyst).post(url, {"identifier": "000.00.12.H13"})
    assert analyst.status_code == 403
    # an agency's own administrator, on the agency's host: no such page there
    agency_admin = client_for(world.agency_a, world.owner_a)
    assert agency_admin.post(url, {"identifier": "000.00.12.H13"}).status_code == 404
    world.agency_a.refresh_from_db()
    assert world.agency_a.identifier == ""


def test_a_merged_agencys_identifier_leads_to_the_agency_it_joined(world):
    agency_identifier_set(agency=world.agency_b, identifier="000.00.09.H13", by=None)
    assert Agency.objects.by_identifier("000.00.09.h13") == world.agency_b
    Agency.objects.filter(pk=world.agency_b.pk).update(merged_into=world.agency_a)

    assert Agency.objects.by_identifier("000.00.09.H13") == world.agency_a
    assert Agency.objects.by_identifier("000.00.99.H13") is None


def test_a_rollout_file_carries_identifiers_and_checks_them(world):
    header = [*HEADER_VI, "mã định danh"]
    agency_identifier_set(agency=world.agency_a, identifier="000.00.12.H13", by=None)
    dept = "provincial_department"
    rows = [
        ["so-noi-vu", "Sở Nội vụ", dept, "", "Lê Nội", "n@snv.test", "", "000.00.05.h13"],
        ["so-y-te", "Sở Y tế", dept, "", "Lê Y", "y@syt.test", "", "000.00.05.H13"],
        ["so-xd", "Sở Xây dựng", dept, "", "Lê Xây", "x@sxd.test", "", "12.H13"],
        ["so-ct", "Sở Công Thương", dept, "", "Lê Công", "c@sct.test", "", "000.00.12.H13"],
        ["so-tc", "Sở Tài chính", dept, "", "Lê Tài", "t@stc.test", "", ""],
    ]

    batch = rollout_upload(
        content=csv_bytes(rows, header=header), file_name="dot-2.csv", uploaded_by=None
    )

    by_code = {row.code: row for row in batch.rows.all()}
    assert by_code["so-noi-vu"].identifier == "000.00.05.H13"
    assert by_code["so-noi-vu"].status == RowStatus.PENDING
    assert "trùng với dòng 2" in by_code["so-y-te"].errors["identifier"][0]
    assert "không đúng cấu trúc" in by_code["so-xd"].errors["identifier"][0]
    assert world.agency_a.name in by_code["so-ct"].errors["identifier"][0]
    assert by_code["so-tc"].status == RowStatus.PENDING and not by_code["so-tc"].errors
