"""Integration API throughput: signed events through a real server (gunicorn), one by one and
in batches, with signature checks and idempotency on.

    .venv/bin/python bench/ingest.py [--single 3000] [--batches 40] [--batch-size 500]
        [--workers 2] [--threads 4] [--clients 8]

The server and the load generator share this machine's cores, as they would in a test on a
laptop; requests and their signatures are prepared before the clock starts. Prints
events/s and p95 latency for both endpoints, then how fast the inbox is applied to
applications (events/s), and the JSON object on the last line. Targets: 200 events/s one
by one, 1,000 events/s in batches.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time

import _common

APPLY_SAMPLE = 20000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=3000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    _common.setup("ingest")
    try:
        figures = run(args)
    finally:
        _common.teardown("ingest")
    _common.report(figures)


def run(args) -> dict:
    agency, key_id, secret = _agency()
    port = _free_port()
    server = _serve(port, args.workers, args.threads)
    try:
        _wait(port)
        host = agency.host
        single = _load(port, host, _single_requests(key_id, secret, args.single), args.clients)
        print(
            f"one by one:  {single['events_per_s']:8.0f} events/s   p95 "
            f"{single['p95_ms']:6.1f} ms   ({args.single} events, {args.clients} clients)",
            flush=True,
        )
        batched = _load(
            port,
            host,
            _batch_requests(key_id, secret, args.batches, args.batch_size),
            max(2, args.clients // 2),
        )
        print(
            f"batches:     {batched['events_per_s']:8.0f} events/s   p95 "
            f"{batched['p95_ms']:6.1f} ms per batch of {args.batch_size}",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(10)
    applied = _apply_speed(agency)
    print(
        f"applying the inbox: {applied['events_per_s']:8.0f} events/s "
        f"({applied['events']} events into {applied['applications']} applications)"
    )
    return {
        "benchmark": "ingest",
        "single": single,
        "batch": batched,
        "apply": applied,
        "targets": {"single_events_per_s": 200, "batch_events_per_s": 1000},
    }


def _agency():
    from django_tenants.utils import schema_context

    from integrations.services.keys import api_key_create
    from iso_platform.accounts.models import User
    from tenants.services.provisioning import AgencySpec, agency_provision

    result = agency_provision(
        spec=AgencySpec(
            code="nhanh", name="Sở Bench", kind="other", admin_email="a@nhanh.test", admin_name="A"
        ),
        admin_password="bench-password-1",
        method="clone",
    )
    with schema_context(result.agency.schema_name):
        admin = User.objects.get()

        from eiso.testing.procedures import make_procedure

        make_procedure(admin, code="1.000001")
        key, secret = api_key_create(actor=admin, name="bench")
    return result.agency, key.key_id, secret


def _events(prefix: str, count: int) -> list[dict]:
    import datetime as dt

    from iso_platform.workdays.calendar import TZ

    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
    out = []
    for n in range(count):
        app, when = f"{prefix}{n // 3}", start + dt.timedelta(minutes=n)
        kind = ("received", "handed_over", "completed")[n % 3]
        data = {"application_id": app}
        if kind == "received":
            data.update(procedure_code="1.000001", channel="portal", applicant="Bench")
        elif kind == "handed_over":
            data.update(from_unit="Bộ phận một cửa", to_unit="Phòng A", step=1)
        out.append(
            {
                "event_id": f"{prefix}-{n}",
                "type": f"application.{kind}",
                "occurred_at": when.isoformat(),
                "data": data,
            }
        )
    return out


def _signed(path: str, key_id: str, secret: str, payload) -> tuple[str, bytes, dict, int]:
    from integrations.services.keys import signed_headers

    body = json.dumps(payload, ensure_ascii=False).encode()
    return path, body, signed_headers(key_id, secret, body, method="POST", path=path), 1


def _single_requests(key_id, secret, count):
    return [_signed("/api/v1/integrations/events", key_id, secret, e) for e in _events("S", count)]


def _batch_requests(key_id, secret, batches, size):
    events = _events("B", batches * size)
    requests = []
    for n in range(batches):
        path, body, headers, _one = _signed(
            "/api/v1/integrations/events/batch",
            key_id,
            secret,
            {"events": events[n * size : (n + 1) * size]},
        )
        requests.append((path, body, headers, size))
    return requests


def _load(port: int, host: str, requests: list, clients: int) -> dict:
    work: queue.Queue = queue.Queue()
    for item in requests:
        work.put(item)
    latencies, failures, lock = [], [], threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                path, body, headers, _events = work.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            conn.request(
                "POST",
                path,
                body=body,
                headers={**headers, "Host": host, "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status not in (200, 202):
                    failures.append((response.status, payload[:200]))
                elif path.endswith("/batch"):
                    result = json.loads(payload)
                    if result["accepted"] != len(result["results"]):
                        failures.append(
                            (
                                response.status,
                                [r for r in result["results"] if r["status"] != "accepted"][:3],
                            )
                        )
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    events = sum(r[3] for r in requests)
    return {
        "events": events,
        "seconds": round(elapsed, 2),
        "events_per_s": round(events / elapsed, 1),
        "p50_ms": round(_common.percentile(latencies, 50), 1),
        "p95_ms": round(_common.percentile(latencies, 95), 1),
    }


def _apply_speed(agency) -> dict:
    from django_tenants.utils import schema_context

    from integrations.services.apply import inbox_apply_pending
    from quality.procedures.models import Application

    with schema_context(agency.schema_name):
        started = time.perf_counter()
        events = inbox_apply_pending()
        elapsed = time.perf_counter() - started
        applications = Application.objects.count()
    return {
        "events": events,
        "applications": applications,
        "seconds": round(elapsed, 2),
        "events_per_s": round(events / elapsed, 1) if elapsed else 0,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(port: int, workers: int, threads: int) -> subprocess.Popen:
    environment = dict(
        os.environ,
        DEBUG="false",
        HTTPS="false",
        EMAIL_URL="consolemail://",
        SECRET_KEY="bench-" + "k3Y9" * 15,
        LOG_LEVEL="WARNING",
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=_redis_url(),
        INTEGRATION_KEYS_SECRET=_keys_secret(),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "eiso.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=_common.ROOT,
        env=environment,
    )


def _keys_secret() -> str:
    from django.conf import settings

    return settings.INTEGRATION_KEYS_SECRET


def _redis_url() -> str:
    from django.conf import settings

    return settings.REDIS_URL


def _wait(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
