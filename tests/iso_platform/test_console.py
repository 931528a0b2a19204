"""Province console pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eiso.celery import app as celery_app
from tenants.models import Agency, AgencyEvent, AgencyKind, ProvisioningJob
from tenants.services import pool

FORM = {
    "code": "sotp",
    "name": "Sở Tư pháp",
    "kind": "provincial_department",
    "admin_name": "Đặng Quốc Bảo",
    "admin_email": "bao@sotp.test",
    "parent": "",
}


@pytest.fixture
def admin(world, client_for):
    return client_for("localhost", world.province_admin)


def test_agency_list_shows_agencies_and_counts(world, admin):
    page = admin.get("/agencies/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Sở Alpha" in body and "Sở Beta" in body
    assert "Tỉnh Thử nghiệm" not in body  # the public schema is not an agency
    assert page.context["status_counts"][1][1] == 2  # two active


def test_agency_list_filters_by_kind_status_and_unaccented_text(world, admin):
    Agency.objects.filter(code="beta").update(kind=AgencyKind.COMMUNE_COMMITTEE)
    by_kind = admin.get("/agencies/", {"kind": "commune_committee"}).context["agencies"]
    assert [a.code for a in by_kind] == ["beta"]
    by_text = admin.get("/agencies/", {"q": "SO ALPHA"}).context["agencies"]
    assert [a.code for a in by_text] == ["alpha"]
    by_status = admin.get("/agencies/", {"status": "suspended"}).context["agencies"]
    assert list(by_status) == []


def test_agency_list_query_count_does_not_grow_with_agencies(world, admin):
    with CaptureQueriesContext(connection) as few:
        admin.get("/agencies/")
    for index in range(5):
        Agency.objects.create(
            schema_name=f"ag_extra{index}",
            code=f"extra{index}",
            name=f"Cơ quan {index}",
            kind="other",
            parent=world.agency_a,
        )
    with CaptureQueriesContext(connection) as many:
        admin.get("/agencies/")
    assert len(many) == len(few)


def test_create_form_queues_a_job_and_shows_its_progress(
    world, admin, django_capture_on_commit_callbacks, settings
):
    settings.AGENCY_POOL_SIZE = 0
    pool.spare_build()
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post("/agencies/new/", FORM)
    finally:
        celery_app.conf.task_always_eager = False
    job = ProvisioningJob.objects.get(code="sotp")
    assert response.status_code == 302
    assert response["Location"] == f"/agencies/jobs/{job.pk}/"
    page = admin.get(response["Location"]).content.decode()
    assert "Cơ quan đã sẵn sàng" in page
    assert "http://sotp.localhost/" in page


def test_progress_fragment_keeps_polling_until_the_job_is_done(world, admin):
    job = ProvisioningJob.objects.create(
        code="sotp",
        name="Sở Tư pháp",
        kind="other",
        admin_email="a@sotp.test",
        admin_name="A",
        progress=30,
        step="Chuẩn bị lược đồ dữ liệu",
    )
    fragment = admin.get(f"/agencies/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert 'hx-trigger="load delay:250ms"' in fragment
    assert 'value="30"' in fragment
    job.status, job.progress = "failed", 30
    job.error = "Mã đã được dùng"
    job.save()
    done = admin.get(f"/agencies/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert "Mã đã được dùng" in done


def test_create_form_shows_vietnamese_errors_and_creates_nothing(world, admin):
    response = admin.post("/agencies/new/", dict(FORM, code="alpha", admin_email="x"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "đã được dùng" in errors["code"][0]
    assert "admin_email" in errors
    assert not ProvisioningJob.objects.exists()


def test_reserved_code_error_in_the_form(world, admin):
    response = admin.post("/agencies/new/", dict(FORM, code="static"))
    assert "dành riêng" in response.context["form"].errors["code"][0]


def test_suspend_then_resume_from_the_detail_page(world, admin, client_for):
    admin.post("/agencies/alpha/suspend/", {"reason": "Sáp nhập vào Sở Beta"})
    assert Agency.objects.get(code="alpha").status == "suspended"
    assert client_for(world.agency_a, world.owner_a).get("/").status_code == 403
    page = admin.get("/agencies/alpha/").content.decode()
    assert "Sáp nhập vào Sở Beta" in page and "Cho hoạt động trở lại" in page
    admin.post("/agencies/alpha/resume/")
    assert Agency.objects.get(code="alpha").status == "active"
    assert client_for(world.agency_a, world.owner_a).get("/").status_code == 200
    actions = list(
        AgencyEvent.objects.filter(agency__code="alpha").values_list("action", flat=True)
    )
    assert actions[:2] == ["resumed", "suspended"]


def test_resuming_an_active_agency_is_refused_with_a_message(world, admin):
    response = admin.post("/agencies/alpha/resume/", follow=True)
    assert "không ở trạng thái tạm ngừng" in response.content.decode()


def test_analyst_sees_the_list_without_management_buttons(world, client_for):
    page = client_for("localhost", world.analyst).get("/agencies/").content.decode()
    assert "Sở Alpha" in page
    assert "/agencies/new/" not in page
