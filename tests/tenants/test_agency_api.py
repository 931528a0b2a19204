"""`/api/v1/agencies/` and provisioning jobs on the bare domain."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from eiso.celery import app as celery_app
from iso_platform.accounts.services import api_token_create
from tenants.models import Agency, JobStatus, ProvisioningJob
from tenants.services import pool

NEW = {
    "code": "sotp",
    "name": "Sở Tư pháp",
    "kind": "provincial_department",
    "admin_email": "ThuKy@SoTP.test",
    "admin_name": "Đặng Quốc Bảo",
}


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def admin_api(world, client_for):
    return client_for("localhost", world.province_admin)


def test_provincial_admin_provisions_an_agency_and_follows_the_job(
    world, admin_api, eager_celery, django_capture_on_commit_callbacks, settings
):
    settings.AGENCY_POOL_SIZE = 0  # keep the on-commit refill cheap
    pool.spare_build()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/agencies/", NEW, content_type="application/json")
    assert response.status_code == 202
    job_url = response["Location"]
    assert "/api/v1/provisioning-jobs/" in job_url
    job = admin_api.get(job_url).json()
    assert job["status"] == "succeeded"
    assert job["progress"] == 100
    assert job["method"] == "pool"
    assert job["agency"]["url"] == "http://sotp.localhost/"
    assert Agency.objects.get(code="sotp").status == "active"
    with schema_context("ag_sotp"):
        from iso_platform.accounts.models import User

        assert User.objects.get().email == "thuky@sotp.test"


def test_the_new_subdomain_is_live_at_once(
    world, admin_api, eager_celery, django_capture_on_commit_callbacks, settings
):
    settings.AGENCY_POOL_SIZE = 0
    pool.spare_build()
    with django_capture_on_commit_callbacks(execute=True):
        admin_api.post("/api/v1/agencies/", NEW, content_type="application/json")
    assert Client(HTTP_HOST="sotp.localhost").get("/accounts/login/").status_code == 200


def test_bad_input_gets_400_with_field_messages_and_no_job(world, admin_api):
    bad = dict(NEW, code="Sở TP", admin_email="khong-phai-email", kind="xyz")
    response = admin_api.post("/api/v1/agencies/", bad, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert {"admin_email", "kind"} <= set(body)
    assert not ProvisioningJob.objects.exists()


def test_invalid_code_gets_a_vietnamese_message(world, admin_api):
    response = admin_api.post(
        "/api/v1/agencies/", dict(NEW, code="www"), content_type="application/json"
    )
    assert response.status_code == 400
    assert "dành riêng" in response.json()["code"][0]


def test_duplicate_code_gets_400(world, admin_api):
    response = admin_api.post(
        "/api/v1/agencies/", dict(NEW, code="alpha"), content_type="application/json"
    )
    assert response.status_code == 400
    assert "đã được dùng" in response.json()["code"][0]


def test_a_failed_job_says_why(
    world, admin_api, eager_celery, django_capture_on_commit_callbacks, settings, monkeypatch
):
    from tenants.services import provisioning

    settings.AGENCY_POOL_SIZE = 0
    monkeypatch.setattr(provisioning, "_seed_agency", lambda agency: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/agencies/", NEW, content_type="application/json")
    job = admin_api.get(response["Location"]).json()
    assert job["status"] == "failed"
    assert "ZeroDivisionError" in job["error"]
    assert not Agency.objects.filter(code="sotp").exists()


def test_analyst_can_list_but_not_create(world, client_for):
    analyst = client_for("localhost", world.analyst)
    listed = analyst.get("/api/v1/agencies/")
    assert listed.status_code == 200
    assert {a["code"] for a in listed.json()["results"]} == {"alpha", "beta"}
    created = analyst.post("/api/v1/agencies/", NEW, content_type="application/json")
    assert created.status_code == 403
    assert not ProvisioningJob.objects.exists()


def test_anonymous_gets_nothing(world):
    client = Client(HTTP_HOST="localhost")
    assert client.get("/api/v1/agencies/").status_code in (401, 403)
    assert client.post("/api/v1/agencies/", NEW).status_code in (401, 403)


def test_agency_hosts_do_not_serve_the_platform_api(world, client_for):
    client = client_for(world.agency_a, world.owner_a)
    assert client.get("/api/v1/agencies/").status_code == 404


def test_token_authentication_for_scripts(world):
    with schema_context("public"):
        _token, raw = api_token_create(user=world.province_admin, name="rollout script")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/agencies/").status_code == 200
    elsewhere = Client(HTTP_HOST="alpha.localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert elsewhere.get("/api/v1/me/").status_code == 401
    wrong = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer eiso_nope")
    assert wrong.get("/api/v1/agencies/").status_code == 401


def test_a_token_records_its_use_at_most_once_a_minute(world):
    from datetime import timedelta

    from django.utils import timezone

    from iso_platform.accounts.models import ApiToken

    with schema_context("public"):
        token, raw = api_token_create(user=world.province_admin, name="rollout script")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/agencies/").status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert client.get("/api/v1/agencies/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # no write this time
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert client.get("/api/v1/agencies/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > timezone.now() - timedelta(seconds=30)


def test_suspend_and_resume_through_the_api(world, admin_api):
    suspended = admin_api.post(
        "/api/v1/agencies/alpha/suspend/", {"reason": "Sáp nhập"}, content_type="application/json"
    )
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    again = admin_api.post("/api/v1/agencies/alpha/suspend/", {}, content_type="application/json")
    assert again.status_code == 400
    resumed = admin_api.post("/api/v1/agencies/alpha/resume/")
    assert resumed.json()["status"] == "active"


def test_filters_find_agencies_without_diacritics(world, client_for):
    analyst = client_for("localhost", world.analyst)
    found = analyst.get("/api/v1/agencies/", {"q": "so alpha"}).json()["results"]
    assert [a["code"] for a in found] == ["alpha"]
    none = analyst.get("/api/v1/agencies/", {"status": "suspended"}).json()["results"]
    assert none == []


def test_job_status_of_another_admin_is_visible_only_to_province_admins(world, client_for):
    job = ProvisioningJob.objects.create(
        code="x",
        name="X",
        kind="other",
        admin_email="a@x.test",
        admin_name="A",
        status=JobStatus.QUEUED,
    )
    assert (
        client_for("localhost", world.analyst)
        .get(f"/api/v1/provisioning-jobs/{job.pk}/")
        .status_code
        == 403
    )
    assert (
        client_for("localhost", world.province_admin)
        .get(f"/api/v1/provisioning-jobs/{job.pk}/")
        .status_code
        == 200
    )


def test_openapi_schemas_generate_for_both_hosts(world):
    console = Client(HTTP_HOST="localhost").get("/api/v1/schema/")
    portal = Client(HTTP_HOST="alpha.localhost").get("/api/v1/schema/")
    assert console.status_code == portal.status_code == 200
    assert b"/api/v1/agencies/" in console.content
    assert b"/api/v1/me/" in portal.content and b"/api/v1/agencies/" not in portal.content
    for path in (
        b"/api/v1/documents/",
        b"/api/v1/revisions/{id}/approve/",
        b"/api/v1/record-series/",
        b"/api/v1/acknowledgements/",
    ):
        assert path in portal.content
