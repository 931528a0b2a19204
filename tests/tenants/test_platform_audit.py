"""Platform operations in the platform audit log, and in the trail of the agency they affect:
provisioning (console form, job failure, rollout), suspend and resume, merge, export."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from eiso.celery import app as celery_app
from eiso.fleet import merge
from onboarding.services.rollout.running import rollout_run
from onboarding.services.rollout.upload import rollout_start, rollout_upload
from quality.core.models import AuditEvent
from tenants.models import (
    Agency,
    LifecycleOperation,
    OperationKind,
    OperationStatus,
    PlatformAuditEvent,
    ProvisioningJob,
)
from tenants.services import jobs, operations, pool
from tenants.services.provisioning import AgencySpec

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


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def platform(**lookups) -> list[str]:
    return list(PlatformAuditEvent.objects.filter(**lookups).order_by("id"))


def trail(agency, **lookups) -> list[AuditEvent]:
    with schema_context(agency.schema_name):
        return list(AuditEvent.objects.filter(**lookups).order_by("id"))


def test_provisioning_from_the_console_is_in_the_log_and_the_new_agency_trail(
    world, admin, django_capture_on_commit_callbacks, settings
):
    settings.AGENCY_POOL_SIZE = 0
    pool.spare_build()
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert admin.post("/agencies/new/", FORM).status_code == 302
    finally:
        celery_app.conf.task_always_eager = False
    job = ProvisioningJob.objects.get(code="sotp")
    requested, done = platform(action__in=["provisioning_requested", "provisioned"])[-2:]
    assert (requested.action, requested.subject_id, requested.actor_id) == (
        "provisioning_requested",
        str(job.pk),
        world.province_admin.pk,
    )
    assert requested.changes["admin_email"] == "bao@sotp.test"
    assert (done.action, done.agency_code, done.actor_id) == (
        "provisioned",
        "sotp",
        world.province_admin.pk,
    )
    (mirrored,) = trail(Agency.objects.get(code="sotp"), action="provisioned")
    assert mirrored.actor_id is None  # a provincial person is no user of the agency
    assert mirrored.actor_label == "Quản Trị Tỉnh <quantri@tinh.test> (cấp tỉnh)"


def test_a_failed_provisioning_job_is_in_the_log(world):
    job = jobs.provisioning_job_create(
        spec=AgencySpec(
            code="so-yte",
            name="Sở Y tế",
            kind="provincial_department",
            admin_email="yte@so.test",
            admin_name="Y Tế",
        ),
        requested_by=world.province_admin,
    )
    Agency.objects.create(schema_name="ag_so_yte", code="so-yte", name="Chiếm mã", kind="other")
    jobs.provisioning_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    (event,) = platform(action="provisioning_failed", subject_id=str(job.pk))
    assert event.actor_id == world.province_admin.pk and event.changes["error"] == job.error


def test_a_rollout_is_in_the_log_row_by_row(world, settings):
    settings.AGENCY_POOL_SIZE = 0
    content = (
        "mã,tên,loại,cơ quan cấp trên,họ tên quản trị viên,email quản trị viên,gói\r\n"
        "xa-01,UBND xã Một,UBND cấp xã,,Quản Trị Một,qt1@xa1.test,\r\n"
        "xa-02,UBND xã Hai,UBND cấp xã,,Quản Trị Hai,qt2@xa2.test,\r\n"
    ).encode()
    batch = rollout_upload(
        content=content, file_name="hai-xa.csv", uploaded_by=world.province_admin
    )
    rollout_start(batch=batch)
    assert rollout_run(batch_id=batch.pk) == "succeeded"
    (start,) = platform(action="rollout_start", subject_id=str(batch.pk))
    assert start.subject_label == "hai-xa.csv" and start.actor_id == world.province_admin.pk
    rows = platform(action="rollout", agency_code__in=["xa-01", "xa-02"])
    assert sorted(r.agency_code for r in rows) == ["xa-01", "xa-02"]
    assert {r.changes["batch"] for r in rows} == {str(batch.pk)}


def test_suspend_and_resume_from_the_console_are_in_both_trails(world, admin):
    admin.post("/agencies/alpha/suspend/", {"reason": "Kiểm tra định kỳ"})
    admin.post("/agencies/alpha/resume/")
    events = platform(agency_code="alpha", action__in=["suspended", "resumed"])
    assert [(e.action, e.actor_id) for e in events] == [
        ("suspended", world.province_admin.pk),
        ("resumed", world.province_admin.pk),
    ]
    assert events[0].changes == {"reason": "Kiểm tra định kỳ"}
    mirrored = trail(world.agency_a, action__in=["suspended", "resumed"])
    assert [e.action for e in mirrored] == ["suspended", "resumed"]
    assert mirrored[0].changes == {"reason": "Kiểm tra định kỳ"}
    assert not trail(world.agency_b, action__in=["suspended", "resumed"])


def test_a_refused_suspension_records_nothing(world, admin):
    admin.post("/agencies/alpha/suspend/", {"reason": "x" * 600})
    assert not platform(action="suspended")
    assert not trail(world.agency_a, action="suspended")


def test_a_merge_is_in_the_log_and_in_both_agencies_trails(world, media, monkeypatch):
    monkeypatch.setattr(operations, "enqueue", lambda op_id: None)
    op = merge.merge_preview(target=world.agency_a, source=world.agency_b, by=world.province_admin)
    operations.confirm(op)
    op = merge.merge_run(op_id=op.pk)
    assert op.status == OperationStatus.SUCCEEDED, op.error
    events = platform(action__in=["merged_in", "merged_into"])
    assert [(e.action, e.agency_code) for e in events] == [
        ("merged_in", "alpha"),
        ("merged_into", "beta"),
    ]
    assert {e.changes["operation"] for e in events} == {str(op.pk)}
    (into_alpha,) = trail(world.agency_a, action="merged_in")
    assert into_alpha.changes["source"] == "beta"
    assert into_alpha.actor_label.endswith("(cấp tỉnh)")
    (out_of_beta,) = trail(world.agency_b, action="merged_into")
    assert out_of_beta.changes["target"] == "alpha"


def test_an_export_and_its_download_from_the_console_are_in_both_trails(
    world, admin, media, django_capture_on_commit_callbacks
):
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            admin.post("/lifecycle/agencies/alpha/export/")
    finally:
        celery_app.conf.task_always_eager = False
    op = LifecycleOperation.objects.get(kind=OperationKind.EXPORT)
    assert op.status == OperationStatus.SUCCEEDED, op.error
    download = admin.get(f"/lifecycle/{op.pk}/download/")
    assert download.status_code == 200
    b"".join(download.streaming_content)
    exported, downloaded = platform(agency_code="alpha", action__in=["exported", "export"])
    assert exported.action == "exported" and exported.changes["file"] == op.artifact
    assert downloaded.action == "export" and downloaded.subject_type == "agency_archive"
    assert downloaded.actor_id == world.province_admin.pk
    assert downloaded.ip_address == "127.0.0.1"
    actions = ["export_requested", "exported", "export"]
    requested, download_seen = trail(world.agency_a, action__in=actions)
    assert (requested.action, requested.changes) == ("export_requested", {"operation": str(op.pk)})
    assert download_seen.action == "export" and download_seen.subject_label == exported_name(op)
    assert not trail(world.agency_b, action__in=actions)


def exported_name(op) -> str:
    return op.artifact.rsplit("/", 1)[-1]


def test_a_statistics_table_download_is_in_the_platform_log(world, admin):
    response = admin.get("/statistics/", {"table": "ranking", "format": "csv"})
    assert response.status_code == 200
    (event,) = platform(action="export", subject_type="statistics")
    assert event.actor_id == world.province_admin.pk
    assert event.subject_label == "thong-ke-xep-hang-ty-le-giai-quyet-dung-han.csv"
