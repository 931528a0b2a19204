"""The Prometheus endpoint /metrics: token, counters, tenant gauges."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from eiso.celery import app as celery_app
from tenants.models import JobStatus, ProvisioningJob

TOKEN = "metrics-token-for-tests-0123456789"
ROOT = Path(__file__).resolve().parents[2]


@celery_app.task(name="tests.metrics.probe")
def probe():
    return "ok"


@celery_app.task(name="tests.metrics.boom")
def boom():
    raise RuntimeError("task failure for the metrics test")


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(token=TOKEN) -> dict:
    response = Client(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_without_a_configured_token_metrics_does_not_exist(world, settings):
    settings.METRICS_TOKEN = None
    client = Client(HTTP_HOST="localhost")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_a_missing_or_wrong_token_is_refused(world, token):
    client = Client(HTTP_HOST="localhost")
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    # on an agency's host there is no /metrics at all
    agency = Client(HTTP_HOST=world.agency_a.host)
    assert agency.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_requests_are_counted_by_method_status_class_and_tenant_kind(world, token):
    before = scrape()
    Client(HTTP_HOST="localhost").get("/accounts/login/")
    Client(HTTP_HOST=world.agency_a.host).get("/accounts/login/")
    Client(HTTP_HOST=world.agency_a.host).get("/khong-co-trang-nay/")
    after = scrape()
    name = "eiso_http_requests_total"
    for labels, more in (
        ({"method": "GET", "status": "2xx", "tenant": "public"}, 1),
        ({"method": "GET", "status": "2xx", "tenant": "agency"}, 1),
        ({"method": "GET", "status": "4xx", "tenant": "agency"}, 1),
    ):
        assert value(after, name, **labels) == value(before, name, **labels) + more, labels
    latency = "eiso_http_request_duration_seconds_count"
    assert value(after, latency, tenant="agency") == value(before, latency, tenant="agency") + 2
    # no label names an agency; scrapes themselves are not counted
    assert not any(world.agency_a.code in str(key) for key in after if key[0] == name)


def test_celery_task_outcomes_are_counted(world, token):
    before = scrape()
    assert probe.apply().get() == "ok"
    assert boom.apply().failed()
    after = scrape()
    name = "eiso_celery_tasks_total"
    ok = {"task": "tests.metrics.probe", "outcome": "success"}
    failed = {"task": "tests.metrics.boom", "outcome": "failure"}
    assert value(after, name, **ok) == value(before, name, **ok) + 1
    assert value(after, name, **failed) == value(before, name, **failed) + 1


def test_tenant_gauges_are_computed_at_scrape_time(world, token, settings):
    from tenants.services.pool import pool_size

    ProvisioningJob.objects.create(
        code="x",
        name="X",
        kind="other",
        admin_email="a@x.test",
        admin_name="A",
        status=JobStatus.FAILED,
    )
    samples = scrape()
    assert value(samples, "eiso_agencies", status="active") >= 2
    assert value(samples, "eiso_pool_spares") == pool_size()
    assert value(samples, "eiso_pool_target") == settings.AGENCY_POOL_SIZE
    failed = ProvisioningJob.objects.filter(status=JobStatus.FAILED).count()
    assert value(samples, "eiso_provisioning_jobs_failed") == failed >= 1
    assert ("eiso_agencies_stale_facts", ()) in samples
    assert value(samples, "eiso_redis_up") == 1
    assert ("eiso_celery_queue_length", (("queue", "celery"),)) in samples


def test_multiprocess_mode_reads_the_shared_directory(world, token, tmp_path, monkeypatch):
    """With PROMETHEUS_MULTIPROC_DIR the scrape sums the workers' files (none here) and still
    computes the tenant gauges; the in-process counters are not read twice."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape()
    assert value(samples, "eiso_agencies", status="active") >= 2
    assert not any(key[0] == "eiso_http_requests_total" for key in samples)


def test_two_worker_processes_are_summed_in_multiprocess_mode(tmp_path):
    """What gunicorn does: each worker writes its own file, a scrape adds them up."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    worker = (
        "from insights.metrics.prometheus import HTTP_REQUESTS, HTTP_LATENCY\n"
        "HTTP_REQUESTS.labels('GET', '2xx', 'agency').inc()\n"
        "HTTP_LATENCY.labels('agency').observe(0.02)\n"
    )
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-c", worker], cwd=ROOT, env=environment, check=True, timeout=60
        )
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(tmp_path))
    samples = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    labels = {"method": "GET", "status": "2xx", "tenant": "agency"}
    assert value(samples, "eiso_http_requests_total", **labels) == 2
    assert value(samples, "eiso_http_request_duration_seconds_count", tenant="agency") == 2


def _check(extra_env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("METRICS_TOKEN")}
    environment.update({"DEBUG": "true", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_token_is_read_strictly_from_the_environment_or_a_file(tmp_path):
    short = _check({"METRICS_TOKEN": "short"})
    assert short.returncode == 2 and "METRICS_TOKEN must be at least 16" in short.stderr
    secret = tmp_path / "metrics-token"
    secret.write_text(TOKEN)
    both = _check({"METRICS_TOKEN": TOKEN, "METRICS_TOKEN_FILE": str(secret)})
    assert both.returncode == 2 and "METRICS_TOKEN and METRICS_TOKEN_FILE are both set" in (
        both.stderr
    )
    from_file = _check({"METRICS_TOKEN_FILE": str(secret)})
    assert from_file.returncode == 0, from_file.stderr
