"""Splitting: chosen units and procedures of agency S (alpha) move to a new agency N."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from eiso.fleet import split
from eiso.testing.lifecycle import (
    PNG,
    SHARED_APPLICATION,
    SHARED_DOCUMENT,
    SHARED_PROCEDURE,
    SHARED_UNIT,
    fill,
    snapshot,
)
from iso_platform.accounts.models import User
from quality.audits.models import ChecklistItem
from quality.core.models import AuditEvent, Provenance, Unit
from quality.documents.models import Document, RevisionFile
from quality.improvement.models import Nonconformity
from quality.procedures.models import Application, HandOff, Procedure, ProcedureStep
from tenants.models import Agency, AgencyStatus, OperationStatus
from tenants.services import operations
from tenants.services.datamove.engine.counting import table_counts


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(operations, "enqueue", lambda op_id: None)


@pytest.fixture
def source(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = fill(world.agency_a, world.owner_a, "A")
    with schema_context("ag_alpha"):
        from eiso.testing.procedures import make_procedure

        stays = make_procedure(world.owner_a, code="2.000002")
        item = ChecklistItem.objects.filter(plan=content.loop.plan).first()
        item.procedure_id = content.procedure_id
        item.save(update_fields=["procedure"])
    return world, content, stays, item


def preview(world, content, **extra):
    return split.split_preview(
        source=world.agency_a,
        unit_ids=[content.unit.pk],
        procedure_ids=[content.procedure_id],
        code="gamma",
        name="Trung tâm Gamma",
        kind="service_centre",
        admin_email="admin@gamma.test",
        admin_name="Quản Trị Gamma",
        by=world.province_admin,
        **extra,
    )


def test_the_preview_lists_the_closure_and_writes_nothing(source):
    world, content, _stays, _item = source
    before = snapshot("ag_alpha")
    op = preview(world, content)
    assert op.status == OperationStatus.PREVIEW
    assert snapshot("ag_alpha") == before
    assert not Agency.objects.filter(code="gamma").exists()
    rows = {r["table"]: r for r in op.report["tables"]}
    assert rows["quality_procedures_procedure"]["carried"] == 1
    assert rows["quality_procedures_application"]["carried"] == 2
    assert rows["quality_documents_document"]["carried"] == 1
    assert rows["quality_core_unit"]["copied"] is True
    assert rows["accounts_user"]["leaves_source"] == 0
    cleared = {(c["table"], c["column"]) for c in op.report["cleared_in_source"]}
    assert ("quality_audits_checklistitem", "procedure_id") in cleared


def test_split_moves_the_closure_and_the_source_keeps_the_rest(
    source, django_capture_on_commit_callbacks, settings
):
    world, content, stays, item = source
    names = list(table_counts("ag_alpha"))
    before = table_counts("ag_alpha", names)
    with schema_context("ag_alpha"):
        staff = User.objects.get(email="staff@a.test").pk
    op = preview(world, content, people_move=[staff])
    operations.confirm(op)
    with django_capture_on_commit_callbacks(execute=True):
        done = split.split_run(op_id=op.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    gamma = Agency.objects.get(code="gamma")
    assert gamma.status == AgencyStatus.ACTIVE and done.other_id == gamma.pk
    after = table_counts("ag_alpha", names)
    with schema_context("ag_gamma"):
        procedure = Procedure.objects.get(code=SHARED_PROCEDURE)
        assert procedure.versions.count() == 1
        assert ProcedureStep.objects.filter(version__procedure=procedure).count() == 4
        apps = Application.objects.filter(procedure=procedure)
        assert set(apps.values_list("code", flat=True)) == {SHARED_APPLICATION, "A-002"}
        assert HandOff.objects.filter(application__in=apps).exists()
        assert Nonconformity.objects.filter(
            source_type="application", source_id=SHARED_APPLICATION
        ).exists()
        document = Document.objects.get(code=SHARED_DOCUMENT)
        assert procedure.document_id == document.pk
        record = RevisionFile.objects.get(revision__document=document)
        with record.file.open("rb") as handle:
            assert handle.read() == PNG
        unit = Unit.objects.get(code=SHARED_UNIT)
        assert unit.is_active and set(unit.members.values_list("email", flat=True)) == {
            "staff@a.test"  # only the chosen people become members
        }
        moved = User.objects.get(email="staff@a.test")  # chosen: active, invited, no password
        assert moved.is_active and not moved.has_usable_password()
        assert moved.invitations.filter(accepted_at=None).count() == 1
        assert Provenance.objects.filter(
            object_type="quality_procedures.procedure",
            object_id=str(procedure.pk),
            source_code="alpha",
        ).exists()
        assert AuditEvent.objects.filter(
            subject_type="document", subject_id=str(document.pk)
        ).exists()
    with schema_context("ag_alpha"):
        # S keeps the rest, loses what moved, keeps its append-only history
        assert not Procedure.objects.filter(pk=content.procedure_id).exists()
        assert Procedure.objects.filter(pk=stays.pk).exists()
        assert not Application.objects.filter(procedure_id=content.procedure_id).exists()
        assert not Document.objects.filter(pk=content.document_id).exists()
        assert Nonconformity.objects.filter(pk=content.loop.nc.pk).exists()
        assert ChecklistItem.objects.get(pk=item.pk).procedure_id is None  # cleared explicitly
        assert AuditEvent.objects.filter(
            subject_type="document", subject_id=str(content.document_id)
        ).exists()
        unit = Unit.objects.get(pk=content.unit.pk)
        assert unit.is_active is False  # still named by S's history
        assert User.objects.get(email="staff@a.test").is_active is False
        assert User.objects.get(email="boss@a.test").is_active is True  # not a member
    rows = {r["table"]: r for r in done.report["tables"]}
    for name in (
        "quality_procedures_application",
        "quality_documents_document",
        "quality_procedures_handoff",
    ):
        assert before[name] - after[name] == rows[name]["carried"], name
    assert after["accounts_user"] == before["accounts_user"]
    with schema_context("ag_alpha"):  # the split itself is then in the source's trail
        assert AuditEvent.objects.filter(action="split_out").count() == 1
    assert after["quality_core_auditevent"] == before["quality_core_auditevent"] + 1
    assert not (settings.MEDIA_ROOT / content.file_name).exists()
    assert {e.action for e in world.agency_a.events.all()} >= {"split_out"}
    assert {e.action for e in gamma.events.all()} >= {"split_from", "provisioned"}


def test_a_failed_split_changes_nothing(source, monkeypatch, settings):
    world, content, _stays, _item = source
    before = snapshot("ag_alpha")
    op = preview(world, content)
    operations.confirm(op)

    def crash(name):
        if name == "removed":
            raise RuntimeError("simulated crash")

    monkeypatch.setattr(operations, "checkpoint", crash)
    done = split.split_run(op_id=op.pk)
    assert done.status == OperationStatus.FAILED
    connection.set_schema_to_public()
    assert snapshot("ag_alpha") == before
    assert not Agency.objects.filter(code="gamma").exists()
    assert (settings.MEDIA_ROOT / content.file_name).exists()
    assert split.split_run(op_id=op.pk).status == OperationStatus.FAILED  # finished: left alone


def test_nothing_chosen_or_foreign_ids_are_refused(source):
    world, content, _stays, _item = source
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        split.split_preview(
            source=world.agency_a,
            unit_ids=[],
            procedure_ids=[],
            code="gamma",
            name="G",
            kind="other",
            admin_email="a@g.test",
            admin_name="A",
        )
    with pytest.raises(ValidationError):
        split.split_preview(
            source=world.agency_a,
            unit_ids=[999999],
            procedure_ids=[],
            code="gamma",
            name="G",
            kind="other",
            admin_email="a@g.test",
            admin_name="A",
        )
    with pytest.raises(ValidationError):  # the new agency's code is taken
        split.split_preview(
            source=world.agency_a,
            unit_ids=[content.unit.pk],
            procedure_ids=[],
            code="beta",
            name="G",
            kind="other",
            admin_email="a@g.test",
            admin_name="A",
        )


def test_the_console_shows_a_splits_preview_and_its_run_report(source, client_for):
    """Both pages of a split render (the preview once answered 500) with the figures."""
    world, content, _stays, _item = source
    admin = client_for("localhost", world.province_admin)
    op = preview(world, content)
    page = admin.get(f"/lifecycle/{op.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Dữ liệu được chuyển" in body and "Trung tâm Gamma" in body
    operations.confirm(op)
    with schema_context("public"):
        assert split.split_run(op_id=op.pk).status == OperationStatus.SUCCEEDED
    report = admin.get(f"/lifecycle/{op.pk}/")
    assert report.status_code == 200
    assert "Dữ liệu được chuyển" in report.content.decode()


def test_table_names_in_reports_are_vietnamese_without_an_english_plural():
    from tenants.services.datamove.catalog import catalog

    labels = {table.name: table.label for table in catalog().values()}
    assert labels["quality_procedures_procedureversion"] == "phiên bản thủ tục"
    assert not [label for label in labels.values() if label.endswith("s") and " " in label]


@pytest.fixture
def split_done(source, django_capture_on_commit_callbacks):
    world, content, stays, item = source
    op = preview(world, content)
    operations.confirm(op)
    with django_capture_on_commit_callbacks(execute=True):
        done = split.split_run(op_id=op.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    return world, content, stays, done


def _moved_to_gamma(model: str, old: int) -> int:
    with schema_context("ag_gamma"):
        row = Provenance.objects.get(object_type=model, source_code="alpha", source_id=str(old))
    return int(row.object_id)


def test_old_links_to_records_a_split_moved_say_where_they_went(split_done, client_for):
    world, content, stays, _op = split_done
    staff = client_for(world.agency_a, world.owner_a)
    procedure = _moved_to_gamma("quality_procedures.procedure", content.procedure_id)
    document = _moved_to_gamma("quality_documents.document", content.document_id)
    for old, new in (
        (f"/procedures/{content.procedure_id}/", f"/procedures/{procedure}/"),
        (f"/documents/{content.document_id}/", f"/documents/{document}/"),
    ):
        response = staff.get(old)
        assert response.status_code == 404, old
        page = response.content.decode()
        assert "đã được chuyển sang cơ quan Trung tâm Gamma" in page, old
        assert f'href="http://gamma.localhost{new}"' in page, old
    api = staff.get(f"/api/v1/documents/{content.document_id}/")
    assert api.status_code == 404
    assert api.json()["moved_to"] == f"http://gamma.localhost/api/v1/documents/{document}/"
    # a record that never existed, and one that stayed, are answered as before
    missing = staff.get("/procedures/987654/")
    assert missing.status_code == 404 and "Trung tâm Gamma" not in missing.content.decode()
    assert staff.get(f"/procedures/{stays.pk}/").status_code == 200


def _sign_inbox_events_with_a_key(world) -> None:
    """The one-stop-shop's events arrive signed with alpha's integration key."""
    from integrations.models import InboxEvent
    from integrations.services.keys import api_key_create

    with schema_context("ag_alpha"):
        key, _secret = api_key_create(actor=world.owner_a, name="Một cửa")
        InboxEvent.objects.update(key=key)


def test_the_preview_and_the_confirmation_page_list_the_links_a_split_cuts(source, client_for):
    world, content, _stays, _item = source
    _sign_inbox_events_with_a_key(world)
    op = preview(world, content)
    kinds = {(c["kind"], c["table"], c["column"]): c["rows"] for c in op.report["consequences"]}
    assert kinds[("cut", "integrations_inboxevent", "key_id")] == 3  # the key stays in alpha
    assert kinds[("source", "quality_audits_checklistitem", "procedure_id")] == 1
    # the steps' unit is carried along (copied), so that link is not cut
    assert not [k for k in kinds if k[1] == "quality_procedures_procedurestep"]
    admin = client_for("localhost", world.province_admin)
    preview_page = admin.get(f"/lifecycle/{op.pk}/").content.decode()
    confirm = admin.get(f"/lifecycle/{op.pk}/confirm/")
    assert confirm.status_code == 200
    confirm_page = confirm.content.decode()
    for page in (preview_page, confirm_page):
        assert "3 dòng “sự kiện tích hợp nhận được” đến cơ quan mới không còn liên kết" in page
        assert "cơ quan mới cần cấp khoá riêng" in page
        assert "1 dòng “mục danh sách kiểm tra” ở lại cơ quan cũ" in page
    assert f'action="/lifecycle/{op.pk}/confirm/"' in confirm_page
    op.refresh_from_db()
    assert op.status == OperationStatus.PREVIEW  # looking runs nothing
    analyst = client_for("localhost", world.analyst)
    assert analyst.get(f"/lifecycle/{op.pk}/confirm/").status_code == 403


def test_a_split_carries_the_units_its_procedure_steps_name(split_done):
    world, content, _stays, _op = split_done
    with schema_context("ag_alpha"):
        units = dict(Unit.objects.values_list("pk", "code"))
        named = {
            step.order: units[step.unit_id]
            for step in ProcedureStep.objects.filter(version__procedure__code="2.000002")
            if step.unit_id
        }
    assert named  # the staying procedure's steps name units, as the moved one's did
    with schema_context("ag_gamma"):
        steps = ProcedureStep.objects.filter(version__procedure__code=SHARED_PROCEDURE)
        assert steps.exists() and not steps.filter(unit=None).exists()
        assert {s.order: s.unit.code for s in steps if s.order in named} == named
    with schema_context("ag_alpha"):  # alpha keeps those units, active
        assert Unit.objects.filter(code__in=named.values(), is_active=True).count() == len(
            set(named.values())
        )


def test_the_split_report_counts_what_actually_moved(source, client_for):
    world, content, stays, _item = source
    with schema_context("ag_alpha"):  # alpha once took in another agency's records
        Provenance.objects.create(
            object_type="quality_procedures.procedure",
            object_id=str(stays.pk),
            source_code="sotp",
            source_name="Sở Tư pháp",
            source_id="7",
            source_label="2.000002",
            operation="earlier-merge",
        )
    op = preview(world, content)
    operations.confirm(op)
    done = split.split_run(op_id=op.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    rows = {r["table"]: r for r in done.report["tables"]}
    provenance = rows["quality_core_provenance"]
    with schema_context("ag_gamma"):
        written = Provenance.objects.count()
    assert (provenance["written"], provenance["removed"], provenance["source_after"]) == (
        written,
        0,
        1,
    )
    applications = rows["quality_procedures_application"]
    assert (applications["written"], applications["removed"]) == (2, 2)
    assert done.report["rows_removed"] == sum(r["removed"] for r in rows.values())
    admin = client_for("localhost", world.province_admin)
    page = admin.get(f"/lifecycle/{op.pk}/").content.decode()
    row = page.split('data-table="quality_core_provenance"', 1)[1].split("</tr>", 1)[0]
    assert "gỡ khỏi cơ quan cũ" not in row
    assert row.count('<td class="text-end">') == 4 and '<td class="text-end">0</td>' in row
