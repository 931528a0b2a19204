"""Mixed load from many agencies at once against a real server (gunicorn on loopback), with
every response checked to belong to the agency that asked.

    .venv/bin/python bench/load.py [--agencies 20] [--seconds 30] [--clients 16]
        [--workers 2] [--threads 4]

Provisions `--agencies` agencies (clone of the template schema), each with its administrator,
documents, a procedure and applications whose codes and titles carry a marker unique to the
agency (`AG07X`). Client threads (stdlib http.client, keep-alive) are each bound to one agency:
they sign in through the login form (session cookie, for the pages) and hold a personal API
token and an integration key (for the API). For `--seconds` they run a mixed workload, about
80 % reads (dashboard, document register and detail pages, applications list, /api/v1/
documents list and detail, my-work, me) and 20 % writes (a new document draft through the
API, a signed integration event). A response that carries another agency's marker, or lacks
its own where it must have it, is a LEAK. Prints requests/s, p50/p95/p99 and errors and leaks
per endpoint and overall; the JSON object on the last line.

Target (2 cores, server and load generator on the same machine): >= 150 requests/s,
p95 < 250 ms, zero errors, zero leaks.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import resource
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie

import _common
import ingest

PASSWORD = "bench-load-password-7"
TARGET = {"requests_per_s": 150, "p95_ms": 250, "errors": 0, "leaks": 0}
MARK = re.compile(r"AG(\d{2})X")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# label -> (weight, method); reads ~80 %, writes ~20 %
MIX = {
    "page: dashboard": 10,
    "page: document register": 12,
    "page: document detail": 10,
    "page: applications": 10,
    "api: documents list": 12,
    "api: document detail": 12,
    "api: my-work": 7,
    "api: me": 7,
    "api: create draft (write)": 10,
    "api: integration event (write)": 10,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--documents", type=int, default=25, help="per agency")
    parser.add_argument("--applications", type=int, default=2000, help="per agency")
    args = parser.parse_args()
    if args.agencies > 99:
        raise SystemExit("--agencies: at most 99 (two-digit markers)")
    _common.setup("load")
    try:
        figures = run(args)
    finally:
        _common.teardown("load")
    _common.report(figures)


def marker(n: int) -> str:
    return f"AG{n:02d}X"


# --------------------------------------------------------------------------- data


def _agencies(args) -> list[dict]:
    from tenants.services import schemas

    schemas.ensure_template()
    started = time.perf_counter()
    out = [_agency(n, args) for n in range(1, args.agencies + 1)]
    print(
        f"provisioned {len(out)} agencies with {args.documents} documents and "
        f"{args.applications} applications each in {time.perf_counter() - started:.1f}s",
        flush=True,
    )
    return out


def _agency(n: int, args) -> dict:
    import datetime as dt

    from django.db import connection
    from django_tenants.utils import schema_context

    from eiso.testing.procedures import make_procedure
    from integrations.services.keys import api_key_create
    from iso_platform.accounts.models import User
    from iso_platform.accounts.services import api_token_create
    from quality.documents.services.documents import document_create
    from tenants.services.provisioning import AgencySpec, agency_provision

    mark = marker(n)
    code = f"tai{n:02d}"
    email = f"admin@{code}.test"
    result = agency_provision(
        spec=AgencySpec(
            code=code,
            name=f"Sở Tải {mark}",
            kind="other",
            admin_email=email,
            admin_name=f"Quản trị {mark}",
        ),
        admin_password=PASSWORD,
        method="clone",
    )
    agency = result.agency
    with schema_context(agency.schema_name):
        admin = User.objects.get(email=email)
        documents = []
        for d in range(1, args.documents + 1):
            if d % 5 == 0:
                doc = document_create(
                    actor=admin,
                    doc_type="external",
                    code=f"TLBN.{mark}.{d}",
                    title=f"Văn bản bên ngoài {mark} số {d}",
                    legal={
                        "legal_number": f"{d}/2025/{mark}",
                        "issuer": "UBND tỉnh",
                        "signed_on": dt.date(2025, 1, 2),
                        "legal_effective_on": dt.date(2025, 2, 1),
                    },
                )
            else:
                doc = document_create(
                    actor=admin,
                    doc_type="system_procedure",
                    code=f"QT.{mark}.{d}",
                    title=f"Quy trình {mark} số {d}",
                    body=f"Nội dung quy trình {mark} số {d}.",
                )
            documents.append((doc.pk, doc.code))
        make_procedure(admin, code=f"1.0000{n:02d}")
        with connection.cursor() as cur:
            cur.execute(FILL, _fill_params(mark, args.applications))
            cur.execute("ANALYZE")
        _token, token = api_token_create(user=admin, name="load")
        key, secret = api_key_create(actor=admin, name="load")
    return {
        "n": n,
        "code": code,
        "mark": mark,
        "host": agency.host,
        "email": email,
        "token": token,
        "key_id": key.key_id,
        "secret": secret,
        "documents": documents,
    }


FILL = """
WITH p AS (
  SELECT pr.id AS procedure_id, v.id AS version_id
  FROM quality_procedures_procedure pr JOIN quality_procedures_procedureversion v
    ON v.procedure_id = pr.id ORDER BY pr.id LIMIT 1
)
INSERT INTO quality_procedures_application (code, procedure_id, version_id, channel, applicant,
  received_at, count_start_at, due_at, promised_at, status, current_step, current_unit,
  completed_at, returned_at, ended_at, timeliness, late_seconds, supplement_count,
  apology_count, agency_fault, note, events, last_event_at, updated_at)
SELECT %(mark)s || '-' || g, p.procedure_id, p.version_id,
  (ARRAY['desk','portal','post'])[1 + g %% 3],
  'Người nộp ' || %(mark)s || ' ' || g, r, r, r + interval '7 days', NULL,
  CASE WHEN g %% 10 = 0 THEN 'in_progress' ELSE 'returned' END,
  NULL, 'Phòng ' || (g %% 4),
  CASE WHEN g %% 10 = 0 THEN NULL ELSE r + interval '2 days' END,
  CASE WHEN g %% 10 = 0 THEN NULL ELSE r + interval '2 days' END,
  CASE WHEN g %% 10 = 0 THEN NULL ELSE r + interval '2 days' END,
  CASE WHEN g %% 10 = 0 THEN '' ELSE 'on_time' END,
  0, 0, 0, false, '', 1, r, now()
FROM p, generate_series(1, %(count)s) AS g,
  LATERAL (SELECT now() - (g * interval '900 seconds') AS r) rr
"""


def _fill_params(mark: str, count: int) -> dict:
    return {"mark": mark, "count": count}


# --------------------------------------------------------------------------- HTTP client


class Client:
    """One keep-alive connection, one agency, a session cookie and an API token."""

    def __init__(self, port: int, agency: dict, index: int):
        self.port, self.agency, self.index = port, agency, index
        self.cookies: dict[str, str] = {}
        self.conn = None
        self.counter = 0

    def request(self, method, path, body=None, headers=None, api=False):
        headers = dict(headers or {})
        headers["Host"] = self.agency["host"]
        if api:
            headers.setdefault("Authorization", f"Bearer {self.agency['token']}")
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, payload

    def sign_in(self) -> None:
        status, page = self.request("GET", "/accounts/login/")
        found = CSRF_FIELD.search(page.decode())
        if status != 200 or not found:
            raise SystemExit(f"sign-in page of {self.agency['host']}: {status}")
        form = urllib.parse.urlencode(
            {
                "username": self.agency["email"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": found.group(1),
            }
        )
        status, body = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in on {self.agency['host']} failed: {status} {body[:300]!r}")


# --------------------------------------------------------------------------- workload


def _operation(client: Client, label: str, rng: random.Random):
    """(method, path, body, headers, api, expected statuses, ownership check)."""
    agency = client.agency
    mark = agency["mark"]
    doc_id, doc_code = rng.choice(agency["documents"])

    def has_mark(_status, text, _data):
        return mark in text

    if label == "page: dashboard":
        return "GET", "/", None, None, False, {200}, has_mark
    if label == "page: document register":
        return "GET", "/documents/", None, None, False, {200}, has_mark
    if label == "page: document detail":
        return (
            "GET",
            f"/documents/{doc_id}/",
            None,
            None,
            False,
            {200},
            (lambda _s, text, _d: doc_code in text),
        )
    if label == "page: applications":
        return "GET", "/procedures/applications/", None, None, False, {200}, has_mark
    if label == "api: documents list":
        return "GET", "/api/v1/documents/?limit=20", None, None, True, {200}, _own_list(mark)
    if label == "api: document detail":
        return (
            "GET",
            f"/api/v1/documents/{doc_id}/",
            None,
            None,
            True,
            {200},
            (lambda _s, _t, data: data.get("id") == doc_id and data.get("code") == doc_code),
        )
    if label == "api: my-work":
        return (
            "GET",
            "/api/v1/my-work/",
            None,
            None,
            True,
            {200},
            (lambda _s, _t, data: isinstance(data, list)),
        )
    if label == "api: me":
        return (
            "GET",
            "/api/v1/me/",
            None,
            None,
            True,
            {200},
            (
                lambda _s, _t, data: (
                    data.get("agency_code") == agency["code"]
                    and data.get("email") == agency["email"]
                )
            ),
        )
    client.counter += 1
    if label == "api: create draft (write)":
        code = f"QT.{mark}.C{client.index:02d}N{client.counter}"
        body = json.dumps(
            {"doc_type": "system_procedure", "code": code, "title": f"Dự thảo {mark} {code}"}
        )
        return (
            "POST",
            "/api/v1/documents/",
            body,
            {"Content-Type": "application/json"},
            True,
            {201},
            (lambda _s, _t, data: data.get("code") == code),
        )
    # a signed integration event (the vendor's path: HMAC key, no session)
    from integrations.services.keys import signed_headers

    event_id = f"{mark}-E{client.index:02d}-{client.counter}"
    payload = {
        "event_id": event_id,
        "type": "application.received",
        "occurred_at": "2026-03-02T08:00:00+07:00",
        "data": {
            "application_id": f"{mark}-W{client.index:02d}-{client.counter}",
            "procedure_code": f"1.0000{agency['n']:02d}",
            "channel": "portal",
            "applicant": f"Người nộp {mark}",
        },
    }
    raw = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        **signed_headers(
            agency["key_id"],
            agency["secret"],
            raw,
            method="POST",
            path="/api/v1/integrations/events",
        ),
        "Content-Type": "application/json",
    }
    return (
        "POST",
        "/api/v1/integrations/events",
        raw,
        headers,
        False,
        {200, 202},
        (lambda _s, _t, data: data.get("event_id") == event_id),
    )


def _own_list(mark):
    def check(_status, _text, data):
        results = data.get("results", [])
        return bool(results) and any(mark in r.get("code", "") for r in results)

    return check


def _leak(own: int, path: str, payload: bytes, check) -> str:
    """Why this response does not belong to agency `own` ("" when it does)."""
    text = payload.decode("utf-8", errors="replace")
    foreign = {m for m in MARK.findall(text) if int(m) != own}
    if foreign:
        return f"foreign markers {sorted(foreign)}"
    try:
        data = json.loads(text) if path.startswith("/api/") else {}
    except ValueError:
        data = {}
    if not check(200, text, data if isinstance(data, (dict, list)) else {}):
        return "own marker missing or wrong object"
    return ""


def _checker_self_test(clients: list[Client]) -> list[str]:
    """The leak check must flag another agency's response: agency B's answers, judged as if
    agency A had asked, for every read endpoint (needs two agencies). Returns the endpoints
    where it did; one whose answer carries no marker at all (an empty list) is left out."""
    by_agency = {c.agency["n"]: c for c in clients}
    verified: list[str] = []
    if len(by_agency) < 2:
        return verified
    first, second = list(by_agency.values())[:2]
    rng = random.Random(0)
    for label in MIX:
        if "(write)" in label:
            continue
        method, path, body, headers, api, _expected, _check = _operation(second, label, rng)
        status, payload = second.request(method, path, body, headers, api)
        _m, _p, _b, _h, _a, _e, check_as_first = _operation(first, label, random.Random(0))
        if status != 200:
            raise SystemExit(f"self-test: {label} answered {status}")
        if _leak(first.agency["n"], path, payload, check_as_first):
            verified.append(label)
        elif MARK.search(payload.decode("utf-8", errors="replace")):
            raise SystemExit(f"the leak check missed agency B's answer to {label}")
    return verified


def _drive(port, agencies, args) -> dict:
    clients = [Client(port, agencies[i % len(agencies)], i) for i in range(args.clients)]
    for client in clients:
        client.sign_in()
        client.cookies.pop("csrftoken", None)  # reads only: the session is enough
    checker_ok = _checker_self_test(clients)
    labels = list(MIX)
    weights = [MIX[label] for label in labels]
    rows = {label: {"lat": [], "errors": 0, "leaks": 0, "examples": []} for label in labels}
    lock = threading.Lock()
    start_gate = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def loop(client: Client):
        rng = random.Random(client.index)
        own = client.agency["n"]
        local = {label: {"lat": [], "errors": 0, "leaks": 0, "examples": []} for label in labels}
        start_gate.wait()
        while time.perf_counter() < deadline[0]:
            label = rng.choices(labels, weights)[0]
            method, path, body, headers, api, expected, check = _operation(client, label, rng)
            row = local[label]
            started = time.perf_counter()
            try:
                status, payload = client.request(method, path, body, headers, api)
            except Exception as exc:  # noqa: BLE001 - counted, reported
                row["lat"].append((time.perf_counter() - started) * 1000)
                row["errors"] += 1
                row["examples"].append(f"{method} {path}: {exc!r}")
                continue
            row["lat"].append((time.perf_counter() - started) * 1000)
            if status not in expected:
                row["errors"] += 1
                if len(row["examples"]) < 3:
                    row["examples"].append(f"{method} {path}: {status} {payload[:200]!r}")
                continue
            why = _leak(own, path, payload, check)
            if why:
                row["leaks"] += 1
                if len(row["examples"]) < 3:
                    row["examples"].append(f"{client.agency['code']} {method} {path}: {why}")
        with lock:
            for label, mine in local.items():
                rows[label]["lat"] += mine["lat"]
                rows[label]["errors"] += mine["errors"]
                rows[label]["leaks"] += mine["leaks"]
                rows[label]["examples"] += mine["examples"][:3]

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + args.seconds
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    print(
        f"load generator CPU: {client_cpu:.1f}s over {elapsed:.1f}s "
        f"({100 * client_cpu / elapsed:.0f} % of one core, shared with the server)"
    )
    figures = _summary(rows, elapsed, args, len({c.agency["code"] for c in clients}))
    figures["leak_check_self_test"] = checker_ok
    figures["load_generator_cpu_share"] = round(client_cpu / elapsed, 2)
    return figures


def _summary(rows, elapsed, args, agencies_active) -> dict:
    def stats(values, count_errors, count_leaks):
        if not values:
            return {"requests": 0}
        return {
            "requests": len(values),
            "requests_per_s": round(len(values) / elapsed, 1),
            "p50_ms": round(_common.percentile(values, 50), 1),
            "p95_ms": round(_common.percentile(values, 95), 1),
            "p99_ms": round(_common.percentile(values, 99), 1),
            "errors": count_errors,
            "leaks": count_leaks,
        }

    endpoints = {label: stats(r["lat"], r["errors"], r["leaks"]) for label, r in rows.items()}
    everything = [v for r in rows.values() for v in r["lat"]]
    overall = stats(
        everything, sum(r["errors"] for r in rows.values()), sum(r["leaks"] for r in rows.values())
    )
    writes = sum(len(r["lat"]) for label, r in rows.items() if "(write)" in label)
    print(f"{'endpoint':32} {'req':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} err leak")
    for label, row in [*endpoints.items(), ("OVERALL", overall)]:
        if not row.get("requests"):
            print(f"{label:32} {0:6d}")
            continue
        print(
            f"{label:32} {row['requests']:6d} {row['requests_per_s']:7.1f} {row['p50_ms']:7.1f} "
            f"{row['p95_ms']:7.1f} {row['p99_ms']:7.1f} {row['errors']:3d} {row['leaks']:4d}"
        )
    for label, r in rows.items():
        for example in r["examples"][:3]:
            print(f"  ! {label}: {example}")
    meets = bool(
        overall.get("requests")
        and overall["requests_per_s"] >= TARGET["requests_per_s"]
        and overall["p95_ms"] < TARGET["p95_ms"]
        and overall["errors"] == 0
        and overall["leaks"] == 0
    )
    print(
        f"overall {overall.get('requests_per_s', 0)} requests/s, p95 {overall.get('p95_ms')} ms, "
        f"{overall.get('errors')} errors, {overall.get('leaks')} leaks; writes "
        f"{100 * writes / max(1, len(everything)):.0f} %; {args.clients} clients on "
        f"{agencies_active} agencies, gunicorn {args.workers}x{args.threads} gthread"
    )
    print(
        f"target: >= {TARGET['requests_per_s']} requests/s, p95 < {TARGET['p95_ms']} ms, zero "
        f"errors, zero leaks (2 cores): {'MET' if meets else 'NOT MET'}"
    )
    return {
        "benchmark": "load",
        "agencies": args.agencies,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "server": f"gunicorn {args.workers} workers x {args.threads} threads",
        "requests": overall.get("requests", 0),
        "requests_per_s": overall.get("requests_per_s", 0),
        "p50_ms": overall.get("p50_ms"),
        "p95_ms": overall.get("p95_ms"),
        "p99_ms": overall.get("p99_ms"),
        "errors": overall.get("errors", 0),
        "leaks": overall.get("leaks", 0),
        "write_share": round(writes / max(1, len(everything)), 3),
        "endpoints": endpoints,
        "target": TARGET,
        "meets_target": meets,
    }


def run(args) -> dict:
    import tempfile

    agencies = _agencies(args)
    with tempfile.TemporaryDirectory(prefix="eiso-load-static-") as static_root:
        _collectstatic(static_root)  # production storage (hashed manifest), as deployed
        port = ingest._free_port()
        server = ingest._serve(port, args.workers, args.threads)
        try:
            ingest._wait(port)
            return _drive(port, agencies, args)
        finally:
            server.terminate()
            server.wait(10)


def _collectstatic(static_root: str) -> None:
    import os
    import subprocess
    import sys

    os.environ["STATIC_ROOT"] = static_root  # inherited by the server (ingest._serve)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=_common.ROOT,
        env=dict(
            os.environ,
            DEBUG="false",
            HTTPS="false",
            EMAIL_URL="consolemail://",
            SECRET_KEY="bench-" + "k3Y9" * 15,
            REDIS_URL=ingest._redis_url(),
            INTEGRATION_KEYS_SECRET=ingest._keys_secret(),
        ),
        check=True,
    )
    print(f"collectstatic in {time.perf_counter() - started:.1f}s", flush=True)


if __name__ == "__main__":
    main()
