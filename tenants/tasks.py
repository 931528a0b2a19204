"""Celery tasks of the tenants app: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from tenants.services import jobs, pool


@shared_task(name="tenants.pool_refill", acks_late=True, ignore_result=True)
def pool_refill() -> int:
    """Keep AGENCY_POOL_SIZE spare schemas ready (idempotent; one refiller at a time)."""
    return pool.pool_refill()


@shared_task(name="tenants.provisioning_job_run", acks_late=True, ignore_result=True)
def provisioning_job_run(job_id: str) -> str:
    return jobs.provisioning_job_run(job_id=job_id).status


@shared_task(name="tenants.provisioning_jobs_resume", ignore_result=True)
def provisioning_jobs_resume() -> int:
    return jobs.provisioning_jobs_resume()
