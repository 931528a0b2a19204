"""The Celery app. Tasks are tenant-aware: a task queued while serving agency A
runs in A's schema on the worker (tenant-schemas-celery puts the schema in
the message headers)."""

from __future__ import annotations

import os

from celery.signals import (
    after_setup_logger,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    task_success,
)
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eiso.settings")

app = CeleryApp("eiso")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _bind_log_context(task_id=None, task=None, **_kwargs):
    from django.db import connection

    # Celery loads this module before Django's apps: import when the signal fires.
    from iso_platform.logging_context import request_id_var, schema_var

    schema_var.set(getattr(connection, "schema_name", "-"))
    request_id_var.set(f"task:{(task_id or '-')[:8]}")


@task_postrun.connect
def _clear_log_context(**_kwargs):
    # Celery loads this module before Django's apps: import when the signal fires.
    from iso_platform.logging_context import request_id_var, schema_var

    schema_var.set("-")
    request_id_var.set("-")


# Metrics and the health page (insights): task outcomes counted in Redis, and the worker's
# error log lines counted per agency schema (Celery replaces the root logger's handlers).


@task_success.connect
def _count_success(sender=None, **kwargs):
    # Celery loads this module before Django's apps: import when the signal fires.
    from insights.metrics.prometheus import on_task_success

    on_task_success(sender=sender, **kwargs)


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    # Celery loads this module before Django's apps: import when the signal fires.
    from insights.metrics.prometheus import on_task_failure

    on_task_failure(sender=sender, **kwargs)


@task_retry.connect
def _count_retry(sender=None, **kwargs):
    # Celery loads this module before Django's apps: import when the signal fires.
    from insights.metrics.prometheus import on_task_retry

    on_task_retry(sender=sender, **kwargs)


@after_setup_logger.connect
def _count_worker_errors(logger=None, **_kwargs):
    # Celery loads this module before Django's apps: import when the signal fires.
    from insights.health.error_counter import install_on

    if logger is not None:
        install_on(logger)
