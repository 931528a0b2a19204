"""Merging agency B (beta) into agency A (alpha): nothing lost, nothing in two places."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from eiso.fleet import merge
from eiso.testing.lifecycle import (
    PNG,
    SHARED_APPLICATION,
    SHARED_DOCUMENT,
    SHARED_EMAIL,
    SHARED_PROCEDURE,
    SHARED_UNIT,
    fill,
    snapshot,
)
from iso_platform.accounts.models import User
from quality.core.models import AuditEvent, Provenance, Unit
from quality.documents.models import Document, RevisionFile
from quality.improvement.models import Action, Nonconformity
from quality.procedures.models import Application, Procedure
from tenants.models import Agency, AgencyStatus, LifecycleOperation, OperationStatus
from tenants.services import operations
from tenants.services.datamove.engine.counting import table_counts


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    queued = []
    monkeypatch.setattr(operations, "enqueue", queued.append)
    return queued


@pytest.fixture
def two(world, media):
    a = fill(world.agency_a, world.owner_a, "A")
    b = fill(world.agency_b, world.user_b, "B")
    return world, a, b


def run_merge(world, suffix=None, by=None, people=()):
    op = merge.merge_preview(
        target=world.agency_a,
        source=world.agency_b,
        suffix=suffix,
        people_emails=people,
        by=by or world.province_admin,
    )
    operations.confirm(op)
    return merge.merge_run(op_id=op.pk)


def test_preview_counts_conflicts_and_users_and_writes_nothing(two):
    world, _a, _b = two
    before_a, before_b = snapshot("ag_alpha"), snapshot("ag_beta")
    op = merge.merge_preview(target=world.agency_a, source=world.agency_b, by=world.province_admin)
    assert op.status == OperationStatus.PREVIEW
    assert (snapshot("ag_alpha"), snapshot("ag_beta")) == (before_a, before_b)
    report = op.report
    assert report["suffix"] == "-BETA"
    renames = {
        (c["table"], c["value"]): c["new"] for c in report["conflicts"] if c["action"] == "rename"
    }
    assert renames[("quality_core_unit", SHARED_UNIT)] == f"{SHARED_UNIT}-BETA"
    assert renames[("quality_documents_document", SHARED_DOCUMENT)] == f"{SHARED_DOCUMENT}-BETA"
    assert renames[("quality_procedures_procedure", SHARED_PROCEDURE)] == f"{SHARED_PROCEDURE}-BETA"
    assert renames[("quality_procedures_application", SHARED_APPLICATION)] == (
        f"{SHARED_APPLICATION}-BETA"
    )
    assert [u["email"] for u in report["users_matched"]] == [SHARED_EMAIL]
    rows = {r["table"]: r for r in report["tables"]}
    apps = rows["quality_procedures_application"]
    assert (apps["target"], apps["source"], apps["expected"]) == (2, 2, 4)
    # the same audit programme year: B's plans join A's programme
    programme = rows["quality_audits_auditprogramme"]
    assert programme["mapped"] == 1 and programme["expected"] == 1


def test_merge_moves_everything_with_counts_equal_to_the_sums(
    two, media, django_capture_on_commit_callbacks
):
    world, a, b = two
    names = list(table_counts("ag_alpha"))
    before_a, before_b = table_counts("ag_alpha", names), table_counts("ag_beta", names)
    with django_capture_on_commit_callbacks(execute=True):
        op = run_merge(world, people=["staff@b.test"])
    assert op.status == OperationStatus.SUCCEEDED, op.error
    after_a, after_b = table_counts("ag_alpha", names), table_counts("ag_beta", names)
    # the merge itself is then written into both agencies' trails: one row each
    for schema, counts, action in (
        ("ag_alpha", after_a, "merged_in"),
        ("ag_beta", after_b, "merged_into"),
    ):
        with schema_context(schema):
            assert AuditEvent.objects.filter(action=action).count() == 1
        counts["quality_core_auditevent"] -= 1
    for row in op.report["tables"]:
        name = row["table"]
        expected = before_a[name] + before_b[name] - row["mapped"] + row["added"]
        assert after_a[name] == expected, name
        if not row["reference"]:
            assert after_b[name] == 0, name
    assert op.report["counts_equal_sums"] is True
    # applications, documents, NCs: sums (no collision merges them)
    for name in (
        "quality_procedures_application",
        "quality_documents_document",
        "quality_improvement_nonconformity",
        "quality_core_auditevent",
    ):
        assert after_a[name] == before_a[name] + before_b[name], name
    beta = Agency.objects.get(pk=world.agency_b.pk)
    assert beta.status == AgencyStatus.ARCHIVED and beta.merged_into_id == world.agency_a.pk
    assert beta.archived_at is not None
    assert {e.action for e in world.agency_a.events.all()} >= {"merged_in"}
    assert {e.action for e in beta.events.all()} >= {"merged_into"}

    with schema_context("ag_alpha"):
        moved_app = Application.objects.get(code=f"{SHARED_APPLICATION}-BETA")
        assert moved_app.procedure.code == f"{SHARED_PROCEDURE}-BETA"
        assert moved_app.handoffs.count() >= 1
        # the list's code search finds it by its new ending (trigrams stored again)
        from quality.procedures.selectors import application_list

        assert list(application_list(q="01-beta")) == [moved_app]
        # the late NC of B's application follows the renamed code
        nc = Nonconformity.objects.get(source_type="application", source_id=moved_app.code)
        assert nc.source_ref == moved_app.code
        # users: the shared e-mail is one account; B's chosen staff member arrived without a
        # usable password and is invited; the others B's rows name are inactive records
        assert User.objects.filter(email=SHARED_EMAIL).count() == 1
        staff_b = User.objects.get(email="staff@b.test")
        assert staff_b.is_active and not staff_b.has_usable_password()
        assert staff_b.invitations.filter(accepted_at=None, revoked_at=None).count() == 1
        boss_b = User.objects.get(email="boss@b.test")
        assert not boss_b.is_active and not boss_b.has_usable_password()
        assert op.report["invited"] == ["staff@b.test"]
        unit = Unit.objects.get(code=f"{SHARED_UNIT}-BETA")
        assert set(unit.members.values_list("email", flat=True)) == {"staff@b.test", SHARED_EMAIL}
        # provenance: visible "from B" on the main kinds
        doc = Document.objects.get(code=f"{SHARED_DOCUMENT}-BETA")
        prov = Provenance.objects.get(
            object_type="quality_documents.document", object_id=str(doc.pk)
        )
        assert (prov.source_code, prov.source_id, prov.operation) == (
            "beta",
            str(b.document_id),
            str(op.pk),
        )
        assert Provenance.objects.filter(object_type="quality_procedures.application").count() == 2
        # history moved and remapped: B's document events now name the new document id
        history = AuditEvent.objects.filter(subject_type="document", subject_id=str(doc.pk))
        assert history.filter(action="create").exists()
        # actions point at the moved nonconformity
        loop_nc = Nonconformity.objects.get(title__contains="(B)")
        assert Action.objects.filter(
            source_type="nonconformity", source_id=str(loop_nc.pk)
        ).exists()
        assert Action.objects.get(nonconformity=loop_nc).owner.email == "staff@b.test"
        # files: moved rows resolve to a file that exists
        record = RevisionFile.objects.get(revision__document=doc)
        assert record.file.name.startswith("ag_alpha/moved/")
        with record.file.open("rb") as handle:
            assert handle.read() == PNG
        # search finds the renamed document by its new code
        from quality.documents.services.search import document_search

        assert (
            document_search(Document.objects.all(), f"{SHARED_DOCUMENT}-BETA")
            .filter(pk=doc.pk)
            .exists()
        )
    assert not (media / b.file_name).exists()  # B's file is deleted after the commit


def test_a_second_run_changes_nothing(two):
    world, _a, _b = two
    op = run_merge(world)
    assert op.status == OperationStatus.SUCCEEDED
    before = snapshot("ag_alpha")
    again = merge.merge_run(op_id=op.pk)
    assert again.status == OperationStatus.SUCCEEDED
    assert snapshot("ag_alpha") == before


@pytest.mark.parametrize("point", ["locked", "files", "inserted", "emptied", "before_commit"])
def test_a_failure_mid_merge_leaves_both_agencies_as_they_were(two, monkeypatch, point, media):
    world, _a, b = two
    before_a, before_b = snapshot("ag_alpha"), snapshot("ag_beta")

    def crash(name):
        if name == point:
            raise RuntimeError("simulated crash")

    monkeypatch.setattr(operations, "checkpoint", crash)
    op = run_merge(world)
    assert op.status == OperationStatus.FAILED and "RuntimeError" in op.error
    connection.set_schema_to_public()
    assert (snapshot("ag_alpha"), snapshot("ag_beta")) == (before_a, before_b)
    assert Agency.objects.get(pk=world.agency_b.pk).status == AgencyStatus.ACTIVE
    assert (media / b.file_name).exists()
    assert not (media / "ag_alpha" / "moved").exists() or not any(
        (media / "ag_alpha" / "moved").rglob("*.png")
    )


def test_the_rename_rule_is_the_one_confirmed(two):
    world, _a, _b = two
    op = run_merge(world, suffix="-KHCN")
    assert op.status == OperationStatus.SUCCEEDED, op.error
    with schema_context("ag_alpha"):
        assert Procedure.objects.filter(code=f"{SHARED_PROCEDURE}-KHCN").exists()
        assert Unit.objects.filter(code=f"{SHARED_UNIT}-KHCN").exists()


def test_new_collisions_after_the_preview_are_refused(two):
    world, _a, _b = two
    op = merge.merge_preview(target=world.agency_a, source=world.agency_b, by=world.province_admin)
    with schema_context("ag_alpha"):
        Unit.objects.create(code="MOI", name="Phòng mới A")
    with schema_context("ag_beta"):
        Unit.objects.create(code="MOI", name="Phòng mới B")
    operations.confirm(op)
    op = merge.merge_run(op_id=op.pk)
    assert op.status == OperationStatus.FAILED and "xem trước lại" in op.error
    assert Agency.objects.get(pk=world.agency_b.pk).status == AgencyStatus.ACTIVE


def test_an_unconfirmed_preview_does_not_run(two):
    world, _a, _b = two
    op = merge.merge_preview(target=world.agency_a, source=world.agency_b, by=world.province_admin)
    assert merge.merge_run(op_id=op.pk).status == OperationStatus.PREVIEW
    assert LifecycleOperation.objects.get(pk=op.pk).status == OperationStatus.PREVIEW


@pytest.fixture
def merged(two, django_capture_on_commit_callbacks):
    world, a, b = two
    with django_capture_on_commit_callbacks(execute=True):
        op = run_merge(world)
    assert op.status == OperationStatus.SUCCEEDED, op.error
    return world, a, b, op


def _new_id(model: str, old: int) -> int:
    with schema_context("ag_alpha"):
        return int(
            Provenance.objects.get(
                object_type=model, source_code="beta", source_id=str(old)
            ).object_id
        )


def test_old_links_of_a_merged_agency_open_the_moved_records(merged, client_for):
    world, a, b, _op = merged
    visitor = client_for(Agency.objects.get(code="beta"))
    nc = _new_id("quality_improvement.nonconformity", b.loop.nc.pk)
    doc = _new_id("quality_documents.document", b.document_id)
    app = _new_id("quality_procedures.application", b.application_ids[0])
    assert nc != b.loop.nc.pk  # the same id in alpha is another record
    links = {
        f"/improvement/{b.loop.nc.pk}/": f"/improvement/{nc}/",
        f"/documents/{b.document_id}/?tab=history": f"/documents/{doc}/?tab=history",
        f"/documents/{b.document_id}/cover.pdf": f"/documents/{doc}/cover.pdf",
        # a file has no provenance of its own: its document's page
        f"/documents/{b.document_id}/files/1/": f"/documents/{doc}/",
        f"/procedures/applications/{b.application_ids[0]}/": f"/procedures/applications/{app}/",
        f"/procedures/{b.procedure_id}/": "/procedures/{}/".format(
            _new_id("quality_procedures.procedure", b.procedure_id)
        ),
        "/documents/?q=x": "/documents/?q=x",  # no record named: the same page there
    }
    for old, new in links.items():
        response = visitor.get(old)
        assert response.status_code == 302, old
        assert response["Location"] == f"http://alpha.localhost{new}", old
    # a record of no known new address: a page saying where the agency went, no wrong record
    gone = visitor.get("/documents/records/987654/")
    assert gone.status_code == 410
    page = gone.content.decode()
    assert "đã được hợp nhất vào" in page and 'href="http://alpha.localhost/"' in page
    api = visitor.get(f"/api/v1/documents/{b.document_id}/")
    assert api["Location"] == f"http://alpha.localhost/api/v1/documents/{doc}/"
    api = visitor.get(f"/api/v1/revisions/{b.revision_id}/")  # no provenance of its own
    assert api.status_code == 410 and api.json()["moved_to"] == "http://alpha.localhost/"
    # and the new address opens the record in alpha
    staff = client_for(world.agency_a, world.owner_a)
    assert staff.get(f"/improvement/{nc}/").context["nc"].title.endswith("(B)")


def test_the_provenance_badge_shows_the_records_old_code(merged, client_for):
    world, _a, b, _op = merged
    staff = client_for(world.agency_a, world.owner_a)
    nc = _new_id("quality_improvement.nonconformity", b.loop.nc.pk)
    page = staff.get(f"/improvement/{nc}/").content.decode()
    assert f"(mã cũ SKPH-{b.loop.nc.pk})" in page
    doc = _new_id("quality_documents.document", b.document_id)
    page = staff.get(f"/documents/{doc}/").content.decode()
    # its code in beta, before the merge renamed it to QT.CHUNG.01-BETA
    assert f"(mã cũ {SHARED_DOCUMENT})" in page
    with schema_context("ag_alpha"):
        labels = set(
            Provenance.objects.filter(source_code="beta").values_list("object_type", "source_label")
        )
    assert ("quality_procedures.application", SHARED_APPLICATION) in labels  # before -BETA
    assert ("accounts.user", "staff@b.test") in labels


def test_a_merge_keeps_both_registers_of_outgoing_documents(two, media):
    """Both agencies issued "01/BC" this year: the merged agency's issued documents keep their
    printed numbers in the register, and the receiving agency's next number follows its own."""
    import datetime as dt

    from quality.core.models import OutgoingDocument
    from quality.core.services import outgoing_number_allocate

    world, _a, _b = two
    day = dt.date(2026, 3, 2)
    printed = {}
    for agency in (world.agency_a, world.agency_b):
        with schema_context(agency.schema_name):
            printed[agency.schema_name] = outgoing_number_allocate(kind="BC", on=day)
    op = run_merge(world)
    assert op.status == OperationStatus.SUCCEEDED, op.error
    with schema_context("ag_alpha"):
        numbers = set(OutgoingDocument.objects.values_list("number", flat=True))
        assert set(printed.values()) <= numbers, numbers
        following = outgoing_number_allocate(kind="BC", on=day)
    assert following.startswith("02/BC"), following
