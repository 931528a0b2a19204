"""Provisioning jobs: the asynchronous face of `agency_provision` (console form and API)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iso_platform import audit
from iso_platform.accounts.identifiers import normalise_email
from tenants.models import JobStatus, ProvisioningJob, identifier_normalise
from tenants.services.provisioning import AgencySpec, agency_provision, agency_spec_validate

logger = logging.getLogger(__name__)
STALE_AFTER = timedelta(seconds=30)


@transaction.atomic
def provisioning_job_create(*, spec: AgencySpec, requested_by=None) -> ProvisioningJob:
    """Validate now (so bad input gets its error at once), then queue the work."""
    parent = agency_spec_validate(spec)
    job = ProvisioningJob.objects.create(
        code=spec.code,
        name=spec.name.strip(),
        identifier=identifier_normalise(spec.identifier),
        kind=spec.kind,
        parent=parent,
        admin_email=normalise_email(spec.admin_email),
        admin_name=spec.admin_name.strip(),
        requested_by=requested_by,
        step=_("Đang chờ xử lý"),
        progress=0,
    )
    audit.platform_record(
        action="provisioning_requested",
        subject_type="provisioningjob",
        subject_id=job.pk,
        subject_label=f"{job.code}: {job.name}",
        actor=requested_by,
        changes={"code": job.code, "kind": job.kind, "admin_email": job.admin_email},
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id) -> None:
    # A cycle otherwise: tenants.tasks imports this module.
    from tenants.tasks import provisioning_job_run

    try:
        provisioning_job_run.delay(str(job_id))
    except Exception:  # the broker is down; provisioning_jobs_resume re-queues it
        logger.exception("could not queue provisioning job %s", job_id)


def provisioning_job_run(*, job_id) -> ProvisioningJob:
    """Run one job. Safe to run twice: a finished job is left alone."""
    with transaction.atomic():
        job = ProvisioningJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        job.status, job.started_at = JobStatus.RUNNING, job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])

    def on_step(text: str, progress: int) -> None:
        ProvisioningJob.objects.filter(pk=job.pk).update(step=text, progress=progress)

    spec = AgencySpec(
        code=job.code,
        name=job.name,
        identifier=job.identifier,
        kind=job.kind,
        admin_email=job.admin_email,
        admin_name=job.admin_name,
        parent_code=job.parent.code if job.parent else None,
    )
    try:
        agency_provision(spec=spec, job=job, on_step=on_step)
    except ValidationError as exc:
        _fail(job, "; ".join(exc.messages))
    except Exception as exc:
        logger.exception("provisioning job %s failed", job.pk)
        _fail(
            job,
            _("Lỗi hệ thống khi khởi tạo (%(error)s); không có dữ liệu nào được giữ lại.")
            % {"error": type(exc).__name__},
        )
    job.refresh_from_db()
    return job


@transaction.atomic
def _fail(job: ProvisioningJob, message: str) -> None:
    # Never overwrite a success (two deliveries of the same job racing each other).
    failed = (
        ProvisioningJob.objects.filter(pk=job.pk)
        .exclude(status=JobStatus.SUCCEEDED)
        .update(
            status=JobStatus.FAILED, error=message, step=_("Thất bại"), finished_at=timezone.now()
        )
    )
    if failed:
        audit.platform_record(
            action="provisioning_failed",
            subject_type="provisioningjob",
            subject_id=job.pk,
            subject_label=f"{job.code}: {job.name}",
            actor=job.requested_by,
            changes={"error": message[:500]},
        )


def provisioning_jobs_resume() -> int:
    """Queue again the jobs that waited too long (a lost message, a broker outage, a crash)."""
    cutoff = timezone.now() - STALE_AFTER
    stale = ProvisioningJob.objects.filter(
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING], created_at__lt=cutoff
    ).filter(started_at__isnull=True) | ProvisioningJob.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=cutoff - STALE_AFTER * 10
    )
    ids = list(stale.values_list("pk", flat=True))
    for job_id in ids:
        _enqueue(job_id)
    return len(ids)
