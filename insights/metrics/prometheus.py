"""Prometheus metrics: `/metrics` on the console host, behind a bearer token.

- HTTP requests (`MetricsMiddleware`): `eiso_http_requests_total{method, status, tenant}` and
  `eiso_http_request_duration_seconds{tenant}`, where `status` is the class (`2xx`...) and
  `tenant` is `public` (console), `agency` (any agency portal) or `none` (unknown host).
  Never one label value per agency: a province has hundreds of them.
- Celery tasks (`task_success` / `task_failure` / `task_retry` signals, connected in
  `eiso/celery.py`): `eiso_celery_tasks_total{task, outcome}`. Workers run in other
  processes, usually other machines than the web server, so these counters live in one
  Redis hash that every web process reads at scrape time; they survive restarts.
- Tenant gauges, computed at scrape time from the public schema (`TenantCollector`).

Web processes: gunicorn runs several workers, each with its own memory. When
`PROMETHEUS_MULTIPROC_DIR` is set (an empty directory, wiped before gunicorn starts, shared by
the workers of one pod), prometheus_client's multiprocess mode writes every worker's
counters there and a scrape sums them all; otherwise the default in-process registry is used
(one process: `manage.py runserver`, the tests).
"""

from __future__ import annotations

import hmac
import logging
import os
import time

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

logger = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SKIP_PATHS = frozenset({"/metrics", "/metrics/"})
TASKS_KEY = "eiso:metrics:celery-tasks"
TASK_OUTCOMES = ("success", "failure", "retry")

disable_created_metrics()  # no `*_created` series next to every counter

HTTP_REQUESTS = Counter(
    "eiso_http_requests",
    "HTTP requests answered, by method, status class and kind of tenant.",
    ["method", "status", "tenant"],
)
HTTP_LATENCY = Histogram(
    "eiso_http_request_duration_seconds",
    "Time to answer an HTTP request, by kind of tenant.",
    ["tenant"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


# --------------------------------------------------------------------------- requests


def tenant_kind(request) -> str:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return "none"
    return "public" if tenant.schema_name == settings.PUBLIC_SCHEMA_NAME else "agency"


class MetricsMiddleware:
    """Counts requests and times them. Placed after the health-check middleware (probes are
    not counted) and before tenant routing (the routing's own time is included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in SKIP_PATHS:
            return self.get_response(request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            try:
                kind = tenant_kind(request)
                method = request.method if request.method in METHODS else "other"
                HTTP_REQUESTS.labels(method, f"{status // 100}xx", kind).inc()
                HTTP_LATENCY.labels(kind).observe(time.perf_counter() - started)
            except Exception:  # noqa: BLE001 - metrics never break a request
                logger.debug("metrics: request not counted", exc_info=True)


# --------------------------------------------------------------------------- Celery tasks


_tasks_quiet_until = 0.0


def count_task(name: str | None, outcome: str) -> None:
    """One more task of `name` ended with `outcome`; never raises, never waits long
    (after a Redis failure, outcomes are not counted for RETRY_AFTER_SECONDS)."""
    global _tasks_quiet_until
    # Imported when used: this module loads in web and worker processes before Django's setup.
    from insights.health.error_counter import RETRY_AFTER_SECONDS, shared_client

    if time.monotonic() < _tasks_quiet_until:
        return
    try:
        shared_client().hincrby(TASKS_KEY, f"{name or 'unknown'}|{outcome}", 1)
    except Exception:  # noqa: BLE001
        _tasks_quiet_until = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning("metrics: task outcomes not counted for a while (Redis unavailable)")


def on_task_success(sender=None, **_kwargs):
    count_task(getattr(sender, "name", None), "success")


def on_task_failure(sender=None, **_kwargs):
    count_task(getattr(sender, "name", None), "failure")


def on_task_retry(sender=None, **_kwargs):
    count_task(getattr(sender, "name", None), "retry")


# --------------------------------------------------------------------------- scrape time


class TenantCollector:
    """Gauges from the public schema and Redis, computed when Prometheus scrapes."""

    def collect(self):
        from django.db.models import Count

        # Imported when used: this module loads in web and worker processes before Django's setup.
        from insights.health import checks
        from tenants.models import AgencyStatus

        counts = dict(checks.agencies().values_list("status").annotate(n=Count("id")))
        agencies = GaugeMetricFamily(
            "eiso_agencies", "Agencies on the platform, by status.", labels=["status"]
        )
        for status in AgencyStatus:
            agencies.add_metric([status.value], counts.get(status.value, 0))
        yield agencies

        pool = checks.pool_state()
        yield GaugeMetricFamily(
            "eiso_pool_spares", "Current spare schemas ready to be claimed.", value=pool["ready"]
        )
        yield GaugeMetricFamily(
            "eiso_pool_target",
            "Spare schemas to keep ready (AGENCY_POOL_SIZE).",
            value=pool["target"],
        )
        for failed in checks.failures(limit=0)["lists"]:
            yield GaugeMetricFamily(
                failed.source.metric, failed.source.metric_help, value=failed.count
            )
        facts = checks.facts_state()
        yield GaugeMetricFamily(
            "eiso_agencies_stale_facts",
            "Active agencies whose statistics were not refreshed in the last 26 hours.",
            value=facts["stale_count"],
        )
        yield GaugeMetricFamily(
            "eiso_agencies_refresh_errors",
            "Agencies whose last statistics refresh failed.",
            value=facts["errors_count"],
        )
        yield from self._redis_metrics()

    def _redis_metrics(self):
        # Imported when used: this module loads in web and worker processes before Django's setup.
        from insights.health.error_counter import errors_last_24h, shared_client

        try:
            client = shared_client()
            depths = health_queue_depths(client)
            raw = client.hgetall(TASKS_KEY)
            _hours, errors = errors_last_24h(client=client)
        except Exception:  # noqa: BLE001 - Redis down: the database figures still answer
            logger.warning("metrics: Redis unavailable at scrape time")
            yield GaugeMetricFamily("eiso_redis_up", "Redis answered this scrape.", value=0)
            return
        yield GaugeMetricFamily("eiso_redis_up", "Redis answered this scrape.", value=1)
        queues = GaugeMetricFamily(
            "eiso_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for name, depth in depths.items():
            queues.add_metric([name], depth)
        yield queues
        tasks = CounterMetricFamily(
            "eiso_celery_tasks",
            "Celery tasks ended, by task and outcome.",
            labels=["task", "outcome"],
        )
        for field, value in sorted(raw.items()):
            field = field.decode() if isinstance(field, bytes) else str(field)
            name, _sep, outcome = field.rpartition("|")
            tasks.add_metric([name, outcome], int(value))
        yield tasks
        yield GaugeMetricFamily(
            "eiso_log_errors_24h",
            "ERROR log records in the last 24 hours, all schemas together.",
            value=sum(sum(series) for series in errors.values()),
        )


def health_queue_depths(client):
    # Imported when used: this module loads in web and worker processes before Django's setup.
    from insights.health import checks

    return checks.queue_depths(client)


class _DefaultRegistry:
    """The in-process registry, seen through a scrape registry of its own."""

    def collect(self):
        return REGISTRY.collect()


def scrape() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    registry.register(TenantCollector())
    return generate_latest(registry)


# --------------------------------------------------------------------------- the view


def metrics_view(request):
    """404 unless METRICS_TOKEN is configured; 401 without a bearer token, 403 with a wrong one."""
    expected = getattr(settings, "METRICS_TOKEN", None)
    if not expected:
        raise Http404
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = HttpResponse("bearer token required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    response = HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
