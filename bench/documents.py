"""Register and search speed on a large agency: 5,000 documents, 20,000 revisions.

    .venv/bin/python bench/documents.py [--documents 5000] [--revisions-per-document 4] [--runs 30]

Builds one agency (in its own throw-away database), fills it with documents whose titles
and bodies are Vietnamese with diacritics, then requests pages through Django's full stack
(middleware, tenant routing, session, templates) and prints p50/p95 server time per query
and the number of SQL queries per page, for a full page (50 rows) and a short page, which
must be equal. Target: under 150 ms.
"""

from __future__ import annotations

import argparse
import random
import re
import time

import _common

WORDS_TEXT = (
    "quy trình đánh giá nội bộ kiểm soát tài liệu hồ sơ thủ tục hành chính cấp giấy chứng nhận "
    "đăng ký kinh doanh đất đai xây dựng môi trường khoa học công nghệ tiêu chuẩn đo lường chất "
    "lượng sở hữu trí tuệ chuyển giao nhiệm vụ ngân sách thanh tra khiếu nại tố cáo tiếp nhận "
    "trả kết quả một cửa liên thông cải cách hướng dẫn biểu mẫu báo cáo kế hoạch mục tiêu rủi ro "
    "cơ hội khắc phục phòng ngừa"
)
WORDS = tuple(WORDS_TEXT.split())
TYPES = ("system_procedure", "tthc_process", "instruction", "form", "manual")
PREFIX = {
    "system_procedure": "QT",
    "tthc_process": "QT",
    "instruction": "HD",
    "form": "BM",
    "manual": "TL",
}

QUERIES = {
    "register (default)": ("/documents/", {}),
    "register, type filter": ("/documents/", {"doc_type": "instruction"}),
    "register, page 40": ("/documents/", {"page": "40"}),
    "search 'quy trinh danh gia'": ("/documents/", {"q": "quy trinh danh gia"}),
    "search 'đất đai'": ("/documents/", {"q": "đất đai"}),
    "search code 'QT.B0012'": ("/documents/", {"q": "QT.B0012"}),
    "api register": ("/api/v1/documents/", {}),
    "api search": ("/api/v1/documents/", {"q": "kiem soat tai lieu"}),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--revisions-per-document", type=int, default=4)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    _common.setup("documents")
    try:
        figures = run(args.documents, args.revisions_per_document, args.runs)
    finally:
        _common.teardown("documents")
    _common.report(figures)


def run(documents: int, per_document: int, runs: int) -> dict:
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    agency, user = _agency()
    started = time.perf_counter()
    _fill(agency, user, documents, per_document)
    print(
        f"built {documents} documents, {documents * per_document} revisions in "
        f"{time.perf_counter() - started:.1f}s",
        flush=True,
    )
    client = _client(agency, user)
    figures = {
        "benchmark": "documents",
        "documents": documents,
        "revisions": documents * per_document,
        "queries": {},
    }
    for label, (path, params) in QUERIES.items():
        figures["queries"][label] = _measure(client, path, params, runs)
        row = figures["queries"][label]
        print(
            f"{label:32} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
            f"{row['sql']:3d} SQL  {row['rows']:3d} rows",
            flush=True,
        )
    short = _measure(client, "/documents/", {"q": "QT.B0012"}, 3)["sql"]  # 10 rows
    full = _measure(client, "/documents/", {}, 3)["sql"]
    figures["sql_per_page_full_vs_short"] = [full, short]
    worst = max(q["p95_ms"] for q in figures["queries"].values())
    figures["worst_p95_ms"] = worst
    figures["target_ms"] = 150
    print(
        f"SQL per page: full page {full}, short page {short}; worst p95 {worst:.1f} ms "
        f"(target 150 ms)"
    )
    return figures


def _agency():
    from django_tenants.utils import schema_context

    from iso_platform.accounts.models import User
    from tenants.services.provisioning import AgencySpec, agency_provision

    result = agency_provision(
        spec=AgencySpec(
            code="lon",
            name="Sở Lớn",
            kind="other",
            admin_email="admin@lon.test",
            admin_name="Admin",
        ),
        admin_password="bench-password-1",
        method="clone",
    )
    with schema_context(result.agency.schema_name):
        user = User.objects.get()
    return result.agency, user


def _fill(agency, user, count: int, per_document: int) -> None:
    from django.db import transaction
    from django_tenants.utils import schema_context

    from onboarding.services.packs import _index
    from quality.documents.models import Document, Revision

    rng = random.Random(20261125)
    with schema_context(agency.schema_name), transaction.atomic():
        docs = []
        for index in range(count):
            doc_type = TYPES[index % len(TYPES)]
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize()
            docs.append(
                Document(
                    doc_type=doc_type,
                    code=f"{PREFIX[doc_type]}.B{index:05d}",
                    title=title,
                    status="in_force",
                    created_by=user,
                )
            )
        docs = Document.objects.bulk_create(docs, batch_size=1000)
        revisions = []
        for document in docs:
            for number in range(1, per_document + 1):
                last = number == per_document
                revisions.append(
                    Revision(
                        document=document,
                        number=number,
                        issue_number=number,
                        status="issued" if last else "superseded",
                        title=document.title,
                        body=" ".join(rng.choice(WORDS) for _ in range(60)),
                        change_summary="Cập nhật quy định",
                        drafted_by=user,
                        approved_by=user,
                    )
                )
        revisions = Revision.objects.bulk_create(revisions, batch_size=2000)
        by_document = {}
        for revision in revisions:
            by_document[revision.document_id] = revision
        for document in docs:
            document.current_revision = document.latest_revision = by_document[document.pk]
        Document.objects.bulk_update(docs, ["current_revision", "latest_revision"], batch_size=1000)
        _index(docs, [by_document[d.pk] for d in docs])
    from django.db import connection

    with schema_context(agency.schema_name), connection.cursor() as cur:
        cur.execute("ANALYZE")


def _client(agency, user):
    from django.test import Client
    from django_tenants.utils import schema_context

    client = Client(HTTP_HOST=agency.host)
    with schema_context(agency.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _measure(client, path: str, params: dict, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, params)  # warm
    timings, sql, rows = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, params)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        sql = len([q for q in queries if not q["sql"].startswith("SET search_path")])
        rows = _rows(response)
    return {
        "p50_ms": round(_common.percentile(timings, 50), 1),
        "p95_ms": round(_common.percentile(timings, 95), 1),
        "sql": sql,
        "rows": rows,
    }


def _rows(response) -> int:
    if response.get("Content-Type", "").startswith("application/json"):
        return len(response.json()["results"])
    return len(re.findall(rb'href="/documents/\d+/"><code>', response.content))


if __name__ == "__main__":
    main()
