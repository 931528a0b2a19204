"""The platform health page (/health/) and the error-counting log handler."""

from __future__ import annotations

import logging
import re
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client

from insights.health import checks
from insights.health.error_counter import TenantErrorCounter, errors_last_24h, shared_client
from iso_platform.logging_context import schema_var
from onboarding.province.models import RolloutBatch, RolloutRow, RowStatus
from tenants.failures import failure_sources
from tenants.models import (
    JobStatus,
    LifecycleOperation,
    OperationKind,
    OperationStatus,
    ProvisioningJob,
)
from tenants.services.pool import pool_size


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _errors_of(schema: str) -> int:
    _hours, counts = errors_last_24h()
    return sum(counts.get(schema, []))


@pytest.fixture
def queued():
    """Fake messages pushed on the Celery default queue, removed afterwards."""
    client, payload = shared_client(), f'{{"fake": "{uuid.uuid4().hex}"}}'
    client.lpush("celery", payload, payload, payload)
    yield 3
    client.lrem("celery", 0, payload)


def test_the_page_shows_pool_failures_queues_and_errors(world, client_for, queued):
    ProvisioningJob.objects.create(
        code="hongkhoitao",
        name="Cơ quan lỗi",
        kind="other",
        admin_email="a@x.test",
        admin_name="A",
        status=JobStatus.FAILED,
        error="template schema missing",
    )
    schema = world.agency_a.schema_name
    counters = [h for h in logging.getLogger().handlers if isinstance(h, TenantErrorCounter)]
    assert counters
    for counter in counters:  # an outage simulated by an earlier test must not mute it here
        counter.resume()
    before = _errors_of(schema)
    token = schema_var.set(schema)
    try:
        log = logging.getLogger("tests.insights.health")
        log.error("first failure in agency A")
        log.critical("second failure in agency A")
        log.warning("a warning is not an error")
    finally:
        schema_var.reset(token)
    assert _errors_of(schema) == before + 2
    depth = checks.queue_depths()["celery"]
    assert depth >= queued

    response = client_for("localhost", world.province_admin).get("/health/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="pool-size">{pool_size()}<span' in html
    assert f"/{settings.AGENCY_POOL_SIZE}</span>" in html
    assert "hongkhoitao" in html and "template schema missing" in html
    failed = ProvisioningJob.objects.filter(status=JobStatus.FAILED).count()
    assert f'id="jobs-failed">{failed}<' in html
    assert f'<code>celery</code>: <span class="queue-depth">{depth}</span>' in html
    cell = re.search(rf'data-schema="{schema}">(\d+)<', html)
    assert cell and int(cell.group(1)) == before + 2
    assert world.agency_b.name in html  # every agency has its storage row
    # charts: canvases and their JSON, no inline script
    for chart in ("chart-storage", "chart-errors-hourly", "chart-queues", "chart-pool"):
        assert f'data-chart="{chart}"' in html
        assert f'<script id="{chart}" type="application/json">' in html
    assert "<script>" not in html


def test_every_registered_kind_of_failure_is_listed_and_counted(world, client_for, settings):
    """Tenants registers provisioning and life-cycle operations, onboarding its rollout rows:
    exchange its connection and waiting packages: the page and /metrics list them all without
    insights knowing their tables."""
    assert [s.key for s in failure_sources()] == [
        "jobs",
        "rows",
        "operations",
        "exchange_connection",
        "exchange_waiting",
    ]
    batch = RolloutBatch.objects.create(file_name="dot-1.xlsx")
    RolloutRow.objects.create(
        batch=batch, line=7, code="sotuphap", status=RowStatus.FAILED, errors={"code": "dòng hỏng"}
    )
    operation = LifecycleOperation.objects.create(
        kind=OperationKind.SPLIT,
        agency=world.agency_a,
        status=OperationStatus.FAILED,
        error="tách dừng giữa chừng",
    )
    try:
        counts = {f.source.key: f.count for f in checks.failures(limit=0)["lists"]}
        html = client_for("localhost", world.province_admin).get("/health/").content.decode()
        settings.METRICS_TOKEN = "metrics-token-for-the-health-test-0123"
        metrics = (
            Client(HTTP_HOST="localhost")
            .get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
            .content.decode()
        )
    finally:
        operation.delete()
        batch.delete()

    rows = re.search(r'id="failed-rows">(.*?)</ul>', html, re.S).group(1)
    assert "dot-1.xlsx" in rows and "<code>sotuphap</code>" in rows and "dòng hỏng" in rows
    operations = re.search(r'id="failed-operations">(.*?)</ul>', html, re.S).group(1)
    assert "tách dừng giữa chừng" in operations and world.agency_a.name in operations
    assert counts["rows"] >= 1 and counts["operations"] >= 1
    assert f"eiso_rollout_rows_failed {float(counts['rows'])}" in metrics
    assert f"eiso_lifecycle_operations_failed {float(counts['operations'])}" in metrics


def test_analysts_and_agency_users_are_refused(world, client_for):
    assert client_for("localhost", world.analyst).get("/health/").status_code == 403
    anonymous = Client(HTTP_HOST="localhost").get("/health/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # on the agency's own host the page does not exist
    assert client_for(world.agency_a, world.owner_a).get("/health/").status_code == 404
    # an agency session cookie means nothing on the console
    agency_session = client_for(world.agency_a, world.owner_a).cookies[settings.SESSION_COOKIE_NAME]
    intruder = Client(HTTP_HOST="localhost")
    intruder.cookies[settings.SESSION_COOKIE_NAME] = agency_session.value
    assert intruder.get("/health/").status_code == 302


def test_the_page_answers_when_redis_is_down(world, client_for, monkeypatch):
    from insights.health import error_counter

    dead = error_counter.redis_client(f"redis://127.0.0.1:{_closed_port()}/0")
    monkeypatch.setattr(checks, "shared_client", lambda: dead)
    response = client_for("localhost", world.province_admin).get("/health/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="errors-total">—<' in html and 'id="queued-total">—<' in html
    assert f'id="pool-size">{pool_size()}<span' in html


def test_the_handler_never_raises_when_redis_is_down(capsys):
    handler = TenantErrorCounter(url=f"redis://127.0.0.1:{_closed_port()}/0")
    log = logging.getLogger(f"tests.insights.dead.{uuid.uuid4().hex}")
    log.propagate = False
    log.addHandler(handler)
    started = time.perf_counter()
    log.error("Redis is down and this must not raise")
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):
        log.error("still down")
    later = time.perf_counter() - started
    assert first < 1.5  # one short connect timeout at most
    assert later < 0.1  # then quiet, no waiting per record
    assert capsys.readouterr().err == ""


def test_buckets_are_hourly_and_only_errors_count():
    handler = TenantErrorCounter()
    schema = f"ag_bucket{uuid.uuid4().hex[:8]}"
    three_hours_ago = datetime.now(UTC) - timedelta(hours=3)
    for level in (logging.ERROR, logging.INFO):
        record = logging.LogRecord("t", level, __file__, 1, "m", None, None)
        record.created = three_hours_ago.timestamp()
        record.schema = schema
        handler.handle(record)
    hours, counts = errors_last_24h()
    assert len(hours) == 24 and hours[-1] <= datetime.now(UTC)
    assert counts[schema][20] == 1 and sum(counts[schema]) == 1


def test_schema_sizes_come_from_one_catalogue_query(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    names = [world.agency_a.schema_name, world.agency_b.schema_name]
    with CaptureQueriesContext(connection) as queries:
        sizes = checks.schema_sizes(names)
    # django-tenants may add its SET search_path; one query reads the catalogue
    assert [q for q in queries if "pg_namespace" in q["sql"]] == list(queries)[-1:]
    assert len([q for q in queries if not q["sql"].startswith("SET ")]) == 1
    assert set(sizes) == set(names) and all(size > 0 for size in sizes.values())


def test_media_sizes_add_up_the_files_of_each_schema(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    folder = tmp_path / world.agency_a.schema_name / "documents" / "1"
    folder.mkdir(parents=True)
    (folder / "a.pdf").write_bytes(b"x" * 1000)
    (folder / "b.pdf").write_bytes(b"x" * 24)
    sizes, complete = checks.media_sizes([world.agency_a.schema_name, "ag_nothing"])
    assert complete and sizes == {world.agency_a.schema_name: 1024, "ag_nothing": 0}


def test_the_celery_worker_gets_the_counter_back_after_taking_over_the_root_logger():
    from celery.signals import after_setup_logger

    worker_root = logging.getLogger(f"tests.insights.worker.{uuid.uuid4().hex}")
    worker_root.handlers = [logging.NullHandler()]  # what Celery leaves on the root logger
    for _ in range(2):
        after_setup_logger.send(
            sender=None,
            logger=worker_root,
            loglevel=logging.INFO,
            logfile=None,
            format="",
            colorize=False,
        )
    counters = [h for h in worker_root.handlers if isinstance(h, TenantErrorCounter)]
    assert len(counters) == 1 and counters[0].filters  # once, with the context filter


def test_a_real_celery_logging_set_up_keeps_the_counter():
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import logging, django\n"
        "django.setup()\n"
        "from eiso.celery import app\n"
        "app.log.setup(loglevel='INFO')\n"
        "print(sorted(type(h).__name__ for h in logging.getLogger().handlers))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "eiso.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "TenantErrorCounter" in result.stdout
