"""`/api/v1/` of the documents area: the same rules as the pages, and agency isolation."""

import pytest
from django.db import connection
from django.urls import get_resolver
from django_tenants.utils import schema_context

from quality.documents.models import (
    Acknowledgement,
    ChangeRequest,
    Document,
    RecordEntry,
    RecordSeries,
    Revision,
    RevisionFile,
)

from .conftest import pdf_bytes, upload

FOREIGN_ID = 900001


@pytest.fixture
def api(world, client_for, settings, tmp_path, eager):
    settings.MEDIA_ROOT = tmp_path / "media"
    return {
        name: client_for(world.agency_a, getattr(world, name))
        for name in ("owner_a", "member_a", "leader_a", "reader_a")
    }


def test_the_whole_life_cycle_through_the_api(world, api):
    staff, secretary, leader = api["member_a"], api["owner_a"], api["leader_a"]
    created = staff.post(
        "/api/v1/documents/",
        {"doc_type": "instruction", "code": "hd.tn.01", "title": "Hướng dẫn tiếp nhận"},
        content_type="application/json",
    )
    assert created.status_code == 201
    document = created.json()
    assert document["code"] == "HD.TN.01" and document["status"] == "draft"
    rev = document["latest_revision"]
    file = staff.post(f"/api/v1/revisions/{rev}/files/", {"file": upload("a.pdf", pdf_bytes())})
    assert file.status_code == 201 and len(file.json()["sha256"]) == 64
    patched = staff.patch(
        f"/api/v1/revisions/{rev}/", {"body": "Nội dung"}, content_type="application/json"
    )
    assert patched.json()["body"] == "Nội dung"
    assert (
        staff.post(f"/api/v1/revisions/{rev}/submit/", {}, content_type="application/json").json()[
            "status"
        ]
        == "under_review"
    )
    assert (
        secretary.post(
            f"/api/v1/revisions/{rev}/review/", {"note": "OK"}, content_type="application/json"
        ).status_code
        == 200
    )
    denied = api["reader_a"].post(
        f"/api/v1/revisions/{rev}/approve/", {}, content_type="application/json"
    )
    assert denied.status_code == 403
    issued = leader.post(f"/api/v1/revisions/{rev}/approve/", {}, content_type="application/json")
    assert issued.json()["status"] == "issued" and issued.json()["issue_number"] == 1
    deleted = secretary.delete(f"/api/v1/documents/{document['id']}/")
    assert deleted.status_code == 400
    assert "không bao giờ bị xoá" in str(deleted.json())
    trail = staff.get(f"/api/v1/documents/{document['id']}/audit/").json()["results"]
    assert {e["action"] for e in trail} >= {
        "create",
        "file_upload",
        "edit",
        "submit",
        "review",
        "approve_issue",
    }
    change = staff.post(
        f"/api/v1/documents/{document['id']}/change-requests/",
        {"reason": "Cập nhật"},
        content_type="application/json",
    )
    draft = secretary.post(
        f"/api/v1/change-requests/{change.json()['id']}/accept/",
        {},
        content_type="application/json",
    )
    assert draft.status_code == 201 and draft.json()["number"] == 2


def test_editing_an_issued_revision_is_a_400_and_changes_nothing(world, api):
    with schema_context("ag_alpha"):
        from quality.documents.services import documents as svc

        document = svc.document_create(
            actor=world.member_a,
            doc_type="system_procedure",
            code="QT.API.01",
            title="Gốc",
            body="Nội dung gốc",
        )
        rev = document.latest_revision
        svc.revision_submit(actor=world.member_a, revision=rev)
        svc.revision_review(actor=world.owner_a, revision=rev)
        svc.revision_approve(actor=world.leader_a, revision=rev)
    response = api["member_a"].patch(
        f"/api/v1/revisions/{rev.pk}/", {"title": "Sửa"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Chỉ sửa được bản dự thảo" in str(response.json())
    with schema_context("ag_alpha"):
        assert Revision.objects.get(pk=rev.pk).title == "Gốc"


def test_bad_input_gets_field_messages(world, api):
    response = api["member_a"].post(
        "/api/v1/documents/",
        {"doc_type": "form", "code": "SAI", "title": "X"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "không đúng mẫu" in response.json()["code"][0]
    big = api["member_a"].post(
        "/api/v1/documents/", {"doc_type": "nope"}, content_type="application/json"
    )
    assert set(big.json()) >= {"doc_type", "code", "title"}


def test_the_register_searches_without_diacritics_and_hides_out_of_force(world, api):
    found = api["reader_a"].get("/api/v1/documents/", {"q": "kiem soat thong tin"}).json()
    assert found["results"][0]["code"] == "QT.ISO.01"


def test_my_acknowledgements(world, api):
    with schema_context("ag_alpha"):
        from quality.documents.services import documents as svc
        from quality.documents.services.distribution import revision_distribute

        document = svc.document_create(
            actor=world.member_a, doc_type="form", code="BM.API.01", title="Mẫu", body="Mẫu"
        )
        rev = document.latest_revision
        svc.revision_submit(actor=world.member_a, revision=rev)
        svc.revision_review(actor=world.owner_a, revision=rev)
        svc.revision_approve(actor=world.leader_a, revision=rev)
        revision_distribute(actor=world.owner_a, revision=rev, users=[world.reader_a])
    mine = api["reader_a"].get("/api/v1/acknowledgements/").json()["results"]
    assert [a["code"] for a in mine] == ["BM.API.01"]
    assert (
        api["member_a"].post(f"/api/v1/acknowledgements/{mine[0]['id']}/confirm/").status_code
        == 403
    )
    done = api["reader_a"].post(f"/api/v1/acknowledgements/{mine[0]['id']}/confirm/")
    assert done.json()["acknowledged_at"]


def test_records_through_the_api(world, api):
    series = api["owner_a"].post(
        "/api/v1/record-series/",
        {"year": 2020, "name": "Sổ công văn", "retention_months": 12},
        content_type="application/json",
    )
    assert series.status_code == 201
    entry = api["member_a"].post(
        f"/api/v1/record-series/{series.json()['id']}/entries/",
        {"reference": "CV 01", "dated_on": "2020-02-01"},
        content_type="application/json",
    )
    assert entry.json()["retention_ends_on"] == "2021-02-01"
    assert [e["reference"] for e in api["owner_a"].get("/api/v1/record-entries/due/").json()] == [
        "CV 01"
    ]
    disposed = api["owner_a"].post(
        f"/api/v1/record-entries/{entry.json()['id']}/dispose/",
        {"minutes_reference": "BB 1"},
        content_type="application/json",
    )
    assert disposed.json()["disposed_on"]
    assert (
        api["reader_a"]
        .post(
            "/api/v1/record-series/", {"year": 2020, "name": "X"}, content_type="application/json"
        )
        .status_code
        == 403
    )


FOREIGN_TABLES = (
    "quality_documents_document",
    "quality_documents_revision",
    "quality_documents_changerequest",
    "quality_documents_acknowledgement",
    "quality_documents_revisionfile",
    "quality_documents_recordseries",
    "quality_documents_recordentry",
)


@pytest.fixture
def foreign_objects(world):
    """One object of each kind in agency B, numbered from FOREIGN_ID: ids A does not have."""
    import datetime

    from iso_platform.accounts.models import User
    from quality.documents.services import documents as svc
    from quality.documents.services import records
    from quality.documents.services.distribution import revision_distribute

    with schema_context(world.agency_b.schema_name):
        with connection.cursor() as cur:
            for table in FOREIGN_TABLES:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                    [table, FOREIGN_ID],
                )
        leader = User.objects.create_user(
            "lead@beta.test", "x" * 12, full_name="L", role="agency_leader"
        )
        reviewer = User.objects.create_user(
            "rev@beta.test", "x" * 12, full_name="R", role="unit_head"
        )
        document = svc.document_create(
            actor=world.user_b,
            doc_type="form",
            code="BM.B.01",
            title="Của Sở Beta",
            body="Nội dung của Sở Beta",
        )
        rev = document.latest_revision
        svc.revision_submit(actor=world.user_b, revision=rev)
        svc.revision_review(actor=reviewer, revision=rev)
        svc.revision_approve(actor=leader, revision=rev)
        revision_distribute(actor=world.user_b, revision=rev, users=[leader])
        svc.change_request_create(actor=world.user_b, document=document, reason="R")
        RevisionFile.objects.create(
            revision=rev,
            file="x",
            name="x.pdf",
            content_type="x",
            size=1,
            sha256="0" * 64,
            uploaded_by=world.user_b,
        )
        series = records.record_series_create(actor=world.user_b, year=2020, name="B")
        records.record_entry_add(
            actor=world.user_b, series=series, reference="B", dated_on=datetime.date(2020, 1, 1)
        )
        for model in (
            Document,
            Revision,
            ChangeRequest,
            Acknowledgement,
            RevisionFile,
            RecordSeries,
            RecordEntry,
        ):
            assert model.objects.filter(pk=FOREIGN_ID).exists(), model
    return document


def _document_routes():
    names = []
    for prefix, module in (
        ("/documents/", "quality.documents.urls"),
        ("/api/v1/", "quality.documents.api_urls"),
    ):
        for pattern in get_resolver(module).url_patterns:
            route = str(pattern.pattern)
            if "<int:" in route:
                names.append(prefix + route)
    return names


@pytest.mark.parametrize("route", _document_routes())
def test_ids_of_another_agency_are_not_found(world, api, foreign_objects, route):
    with schema_context("ag_alpha"):
        assert not Document.objects.filter(pk=FOREIGN_ID).exists()
    url = route
    for placeholder in ("<int:pk>", "<int:rev>", "<int:cr>", "<int:ack>", "<int:file>"):
        url = url.replace(placeholder, str(FOREIGN_ID))
    for method in ("get", "post"):
        response = getattr(api["owner_a"], method)(url)
        assert response.status_code in (404, 405), f"{method.upper()} {url}"
        assert b"BM.B.01" not in response.content and b"Beta" not in response.content


def test_lists_show_only_this_agencys_objects(world, api, foreign_objects):
    codes = [
        d["code"]
        for d in api["owner_a"].get("/api/v1/documents/", {"q": "cua so beta"}).json()["results"]
    ]
    assert codes == []
    assert "BM.B.01" not in api["owner_a"].get("/documents/", {"q": "cua so beta"}).content.decode()
