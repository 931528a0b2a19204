"""The province console's life-cycle pages (/lifecycle/) and what an archived or merged agency
answers on its own subdomain."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tenants.utils import schema_context

from iso_platform.accounts.models import User
from quality.documents.models import Document
from tenants.models import (
    Agency,
    AgencyStatus,
    LifecycleOperation,
    OperationKind,
    OperationStatus,
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin(world, client_for):
    return client_for("localhost", world.province_admin)


@pytest.fixture
def analyst(world, client_for):
    return client_for("localhost", world.analyst)


def test_who_may_open_and_change(world, admin, analyst, client_for):
    anonymous = client_for("localhost")
    assert anonymous.get("/lifecycle/").status_code == 302  # to the sign-in page
    assert analyst.get("/lifecycle/").status_code == 200  # analysts read the history
    for url in ("/lifecycle/merge/", "/lifecycle/split/", "/lifecycle/import/"):
        assert analyst.get(url).status_code == 403, url
        assert admin.get(url).status_code == 200, url
    for url in ("/lifecycle/agencies/beta/archive/", "/lifecycle/agencies/beta/export/"):
        assert analyst.post(url, {"reason": "x"}).status_code == 403, url
    assert Agency.objects.get(code="beta").status == AgencyStatus.ACTIVE
    assert LifecycleOperation.objects.count() == 0
    # the console does not exist on an agency's subdomain, whoever asks
    assert client_for(world.agency_a, world.owner_a).get("/lifecycle/").status_code == 404
    assert admin.post("/lifecycle/agencies/khong-co/archive/").status_code == 404


def test_a_merge_form_refuses_one_agency_twice_in_vietnamese(world, admin):
    response = admin.post(
        "/lifecycle/merge/", {"target": world.agency_a.pk, "source": world.agency_a.pk}
    )
    assert response.status_code == 200
    assert "Hãy chọn hai cơ quan khác nhau." in response.content.decode()
    assert LifecycleOperation.objects.count() == 0


def test_merge_from_preview_to_redirect(
    world, admin, media, eager, client_for, django_capture_on_commit_callbacks
):
    with schema_context("ag_beta"):
        beta_documents = Document.objects.count()
    with schema_context("ag_alpha"):
        alpha_documents = Document.objects.count()
    response = admin.post(
        "/lifecycle/merge/", {"target": world.agency_a.pk, "source": world.agency_b.pk}
    )
    op = LifecycleOperation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/lifecycle/{op.pk}/"
    assert op.kind == OperationKind.MERGE and op.status == OperationStatus.PREVIEW
    page = admin.get(f"/lifecycle/{op.pk}/").content.decode()
    assert "-BETA" in page  # the rename rule shown before anything happens
    assert Agency.objects.get(code="beta").status == AgencyStatus.ACTIVE

    from insights.services.dirty import debounce_clear

    debounce_clear(schema="ag_alpha")
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(f"/lifecycle/{op.pk}/confirm/").status_code == 302
    op.refresh_from_db()
    assert op.status == OperationStatus.SUCCEEDED, op.error
    assert op.requested_by_id == world.province_admin.pk
    with schema_context("ag_alpha"):
        assert Document.objects.count() == alpha_documents + beta_documents
    # the department's figures of A follow the merge (rows moved by SQL send no signals)
    from insights.models import AgencyStatus as Figures

    assert Figures.objects.get(agency=world.agency_a).refreshed_at is not None
    # confirming again does nothing
    assert admin.post(f"/lifecycle/{op.pk}/confirm/").status_code == 302
    assert LifecycleOperation.objects.count() == 1

    history = admin.get("/lifecycle/?kind=merge").content.decode()
    assert world.province_admin.full_name in history and "Beta" in history

    # B's subdomain now points at A: reads redirect (same path), writes are refused
    visitor = client_for(Agency.objects.get(code="beta"))
    moved = visitor.get("/documents/?q=x")
    assert moved.status_code == 302
    assert moved["Location"] == "http://alpha.localhost/documents/?q=x"
    refused = visitor.post("/api/v1/documents/", {}, content_type="application/json")
    assert refused.status_code == 410
    assert refused.json()["moved_to"] == "http://alpha.localhost/"
    # and it cannot be restored: its data lives in A now
    admin.post("/lifecycle/agencies/beta/restore/")
    assert Agency.objects.get(code="beta").status == AgencyStatus.ARCHIVED


def test_an_archived_agency_is_read_only_until_restored(world, admin, client_for):
    response = admin.post("/lifecycle/agencies/beta/archive/", {"reason": "Sáp nhập xã"})
    assert response.status_code == 302
    beta = Agency.objects.get(code="beta")
    assert beta.status == AgencyStatus.ARCHIVED and beta.archived_at is not None

    staff = client_for(beta, world.user_b)
    assert staff.get("/").status_code == 200  # reading still works
    assert staff.get("/documents/").status_code == 200
    form_write = staff.post("/units/", {"code": "KT", "name": "Kế toán"})
    assert form_write.status_code == 403
    assert "chỉ xem" in form_write.content.decode()
    api_write = staff.post(
        "/api/v1/documents/",
        {"doc_type": "instruction", "code": "HD.01", "title": "Hướng dẫn"},
        content_type="application/json",
    )
    assert api_write.status_code == 403 and api_write.json()["agency_status"] == "archived"
    with schema_context("ag_beta"):
        assert not Document.objects.filter(code="HD.01").exists()
    # signing in still works on an archived agency
    with schema_context("ag_beta"):
        user = User.objects.get(pk=world.user_b.pk)
        user.set_password("mat-khau-rat-dai-2026")
        user.save()
    login = client_for(beta).post(
        reverse("accounts:login"), {"username": user.email, "password": "mat-khau-rat-dai-2026"}
    )
    assert login.status_code == 302

    # archiving twice is refused with a message; restoring brings writes back
    admin.post("/lifecycle/agencies/beta/archive/", {"reason": ""})
    assert LifecycleOperation.objects.filter(kind=OperationKind.ARCHIVE).count() == 1
    admin.post("/lifecycle/agencies/beta/restore/")
    assert Agency.objects.get(code="beta").status == AgencyStatus.ACTIVE
    staff = client_for(beta, user)  # the password change ended the earlier session
    created = staff.post(
        "/api/v1/documents/",
        {"doc_type": "instruction", "code": "HD.01", "title": "Hướng dẫn"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    operations = LifecycleOperation.objects.filter(agency=beta).order_by("created_at")
    assert [op.params["action"] for op in operations] == ["archive", "restore"]
    history = admin.get("/lifecycle/?kind=archive").content.decode()
    assert "Beta" in history and world.province_admin.full_name in history
    # each row names its step once: "Lưu trữ", or "Lưu trữ (khôi phục)" for a restore
    assert "(lưu trữ)" not in history and "(khôi phục)" in history


def test_export_through_the_console_and_only_the_admin_downloads(
    world, admin, analyst, media, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/lifecycle/agencies/alpha/export/")
    op = LifecycleOperation.objects.get(kind=OperationKind.EXPORT)
    assert response["Location"] == f"/lifecycle/{op.pk}/"
    op.refresh_from_db()
    assert op.status == OperationStatus.SUCCEEDED, op.error
    assert analyst.get(f"/lifecycle/{op.pk}/download/").status_code == 403
    download = admin.get(f"/lifecycle/{op.pk}/download/")
    assert download.status_code == 200
    with zipfile.ZipFile(BytesIO(b"".join(download.streaming_content))) as archive:
        assert "manifest.json" in archive.namelist()


def test_an_import_of_a_file_that_is_no_archive_is_refused_and_creates_nothing(world, admin):
    agencies = Agency.objects.count()
    response = admin.post(
        "/lifecycle/import/",
        {
            "code": "gamma",
            "name": "Trung tâm Gamma",
            "kind": "service_centre",
            "archive": SimpleUploadedFile("du-lieu.zip", b"khong phai zip"),
        },
    )
    assert response.status_code == 200
    assert "không đọc được tệp zip" in response.content.decode()
    assert Agency.objects.count() == agencies


def test_the_split_form_lists_the_sources_people_with_nobody_chosen(world, admin):
    page = admin.get("/lifecycle/split/", {"source": "alpha"}).content.decode()
    for name in ("people_move", "people_copy"):
        assert f'name="{name}" value="{world.owner_a.pk}"' in page
    assert " checked" not in page  # nobody (and no unit or procedure) is preselected


def test_a_merge_names_people_by_e_mail_and_refuses_strangers_in_vietnamese(world, admin):
    response = admin.post(
        "/lifecycle/merge/",
        {"target": world.agency_a.pk, "source": world.agency_b.pk, "people": "ai-do@khac.test"},
    )
    assert response.status_code == 200
    assert "không thuộc cơ quan nguồn" in response.content.decode()
    assert LifecycleOperation.objects.count() == 0
    response = admin.post(
        "/lifecycle/merge/",
        {"target": world.agency_a.pk, "source": world.agency_b.pk, "people": world.user_b.email},
    )
    op = LifecycleOperation.objects.get()
    assert op.params["people"] and response.status_code == 302
    page = admin.get(f"/lifecycle/{op.pk}/").content.decode()
    assert 'id="people"' in page and "Được mời (chưa có mật khẩu)" in page


def test_archiving_asks_for_confirmation_first(world, admin, analyst):
    panel = admin.get("/agencies/beta/").content.decode()
    # the agency page leads to the confirmation page, it does not archive by itself
    assert 'href="/lifecycle/agencies/beta/archive/"' in panel
    assert 'action="/lifecycle/agencies/beta/archive/"' not in panel
    page = admin.get("/lifecycle/agencies/beta/archive/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Lưu trữ {world.agency_b.name}?" in body
    assert "mọi thay đổi (biểu mẫu, API, sự kiện tích hợp) đều bị từ chối" in body
    assert 'name="reason"' in body and 'action="/lifecycle/agencies/beta/archive/"' in body
    assert Agency.objects.get(code="beta").status == AgencyStatus.ACTIVE  # looking changes nothing
    assert analyst.get("/lifecycle/agencies/beta/archive/").status_code == 403
    confirmed = admin.post("/lifecycle/agencies/beta/archive/", {"reason": "Sáp nhập"})
    assert confirmed.status_code == 302
    assert Agency.objects.get(code="beta").status == AgencyStatus.ARCHIVED
