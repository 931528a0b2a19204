"""The benchmarks still run (tiny sizes) and end with one JSON object; figures are not judged."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "script,args,keys",
    [
        (
            "provision.py",
            ["--count", "2"],
            {"pool", "clone", "migrate", "ratio_migrate_over_pool_p50"},
        ),
        ("fleet_migrate.py", ["--schemas", "3"], {"migrate_fleet_s", "migrate_schemas_standard_s"}),
        (
            "documents.py",
            ["--documents", "60", "--runs", "2"],
            {"queries", "sql_per_page_full_vs_short", "worst_p95_ms"},
        ),
        (
            "ingest.py",
            ["--single", "60", "--batches", "2", "--batch-size", "50", "--clients", "2"],
            {"single", "batch", "apply"},
        ),
        ("applications.py", ["--applications", "500", "--runs", "2"], {"pages", "worst_p95_ms"}),
        (
            "application_search.py",
            ["--applications", "500", "--runs", "2"],
            {"searches", "middle_p95_ms", "budget_ms", "within_budget"},
        ),
        (
            "rollout.py",
            ["--agencies", "4", "--compare", "2"],
            {"deciles_s", "clone_path", "spare_builds", "meets_target"},
        ),
        (
            "merge.py",
            ["--applications", "200", "--documents", "20"],
            {"preview_s", "merge_s", "counts_equal_sums"},
        ),
        (
            "statistics.py",
            [
                *("--agencies", "20", "--schemas", "2", "--naive", "1"),
                *("--applications", "100", "--days", "40", "--runs", "2"),
            ],
            {"refresh", "dashboard", "dashboard_worst_p95_ms"},
        ),
        (
            "load.py",
            [
                *("--agencies", "2", "--seconds", "3", "--clients", "2"),
                *("--documents", "5", "--applications", "50"),
            ],
            {"requests_per_s", "p95_ms", "errors", "leaks", "endpoints", "meets_target"},
        ),
    ],
)
def test_benchmark_prints_its_figures_as_json(django_db_setup, script, args, keys):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert keys <= set(figures)
