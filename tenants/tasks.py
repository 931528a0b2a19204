"""Celery tasks of the tenants app: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from iso_platform.task_limits import long_task_limits
from tenants.services import jobs, operations, pool


@shared_task(name="tenants.pool_refill", acks_late=True, ignore_result=True, **long_task_limits())
def pool_refill() -> int:
    """Keep AGENCY_POOL_SIZE spare schemas ready (idempotent; one refiller at a time)."""
    return pool.pool_refill()


@shared_task(
    name="tenants.provisioning_job_run", acks_late=True, ignore_result=True, **long_task_limits()
)
def provisioning_job_run(job_id: str) -> str:
    return jobs.provisioning_job_run(job_id=job_id).status


@shared_task(name="tenants.provisioning_jobs_resume", ignore_result=True)
def provisioning_jobs_resume() -> int:
    return jobs.provisioning_jobs_resume()


@shared_task(
    name="tenants.lifecycle_operation_run", acks_late=True, ignore_result=True, **long_task_limits()
)
def lifecycle_operation_run(op_id: str) -> str:
    """Run one confirmed merge, split, export or import (idempotent, one runner at a time)."""

    return operations.run(op_id).status


@shared_task(name="tenants.lifecycle_operations_resume", ignore_result=True)
def lifecycle_operations_resume() -> int:
    """Queue again operations left waiting or abandoned by a crashed worker (beat)."""

    return operations.lifecycle_operations_resume()
