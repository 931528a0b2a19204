"""Searching applications by any part of their code, with 200,000 applications in one agency.

    .venv/bin/python bench/application_search.py [--applications 200000] [--runs 30]

Codes look like the one-stop portal's (`000.00.12.H55-20260314-000206`: unit, day, number
of the day). Requests the application list with each search through Django's full stack
and prints the median and p95 server time. Budget: 200 ms for a term from the middle of a
code; the other rows show where the time goes when a term is common or short.
"""

from __future__ import annotations

import argparse
import time

import _common
import applications as base

# 700 applications a day from 1 January 2026, numbered from 1 each day; five units.
CODE_SQL = (
    "'000.00.' || (10 + g %% 5) || '.H55-' "
    "|| to_char(date '2026-01-01' + g / 700, 'YYYYMMDD') || '-' "
    "|| lpad((g %% 700 + 1)::text, 6, '0')"
)
BUDGET_MS = 200
MIDDLE = "000206"
TERMS = {
    f"middle of the code: {MIDDLE}": MIDDLE,
    "day and number: 20260314-000023": "20260314-000023",
    "one day: 20260314": "20260314",
    "common to every code: h55-2026": "h55-2026",
    "short (prefix): 00": "00",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database (to explain)")
    args = parser.parse_args()
    _common.setup("application_search")
    try:
        figures = run(args.applications, args.runs)
    finally:
        if not args.keep:
            _common.teardown("application_search")
    _common.report(figures)


def run(count: int, runs: int) -> dict:
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    agency, user, procedures = base._agency()
    started = time.perf_counter()
    base._fill(agency, procedures, count, code=CODE_SQL)
    print(f"built {count} applications in {time.perf_counter() - started:.1f}s", flush=True)
    client = base._client(agency, user)
    figures = {"benchmark": "application_search", "applications": count, "searches": {}}
    for label, term in TERMS.items():
        row = _measure(client, agency, term, runs)
        figures["searches"][label] = row
        print(
            f"{label:36} {row['found']:7d} found  median {row['p50_ms']:7.1f} ms  "
            f"p95 {row['p95_ms']:7.1f} ms",
            flush=True,
        )
    middle = figures["searches"][f"middle of the code: {MIDDLE}"]
    figures.update(
        budget_ms=BUDGET_MS,
        middle_p50_ms=middle["p50_ms"],
        middle_p95_ms=middle["p95_ms"],
        within_budget=middle["p95_ms"] < BUDGET_MS,
    )
    verdict = "within" if figures["within_budget"] else "OVER"
    print(
        f"middle-of-code search: median {middle['p50_ms']:.1f} ms, p95 {middle['p95_ms']:.1f} ms"
        f" ({verdict} the {BUDGET_MS} ms budget)"
    )
    return figures


def _measure(client, agency, term: str, runs: int) -> dict:
    from django_tenants.utils import schema_context

    from quality.procedures.selectors import application_list

    row = base._measure(client, "/procedures/applications/", {"q": term}, runs)
    with schema_context(agency.schema_name):
        return {**row, "found": application_list(q=term).count()}


if __name__ == "__main__":
    main()
