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


# --------------------------------------------------------------------------- competence


@pytest.fixture
def training(source):
    """Alpha's competence records: the mover (staff@a.test) attended a session alone and one
    with a colleague who stays (boss@a.test), holds a certificate and passed a quiz the
    colleague also answered; the colleague has a session and a certificate of their own; a
    read-and-confirm campaign is about the document that moves."""
    from eiso.testing.competence import make_training, right_answers
    from quality.competence import services
    from quality.competence.models import Campaign, Competence

    world, content, _stays, _item = source
    with schema_context("ag_alpha"):
        mover, stayer = content.member, content.leader
        own = make_training(world.owner_a, mover, prefix="A")
        shared = services.session_create(
            actor=world.owner_a,
            title="Tập huấn chung hai phòng",
            held_on=own.session.held_on,
            trainer="Sở Nội vụ",
            hours=2,
            competence=own.competence,
            attendees=[mover, stayer],
        )
        services.quiz_answer(
            actor=stayer, campaign=own.campaign, answers=right_answers(own.campaign, wrong=1)
        )
        theirs = services.session_create(
            actor=world.owner_a,
            title="Tập huấn riêng của lãnh đạo",
            held_on=own.session.held_on,
            trainer="Học viện Hành chính",
            hours=8,
            attendees=[stayer],
        )
        services.qualification_add(
            actor=world.owner_a,
            user=stayer,
            title="Chứng chỉ quản lý nhà nước",
            issued_on=own.session.held_on,
            number="QLNN-7",
        )
        unit_need = Competence.objects.create(title="Kỹ năng văn thư", unit=content.unit)
        # made directly: the service asks for an issued revision, which the fill leaves draft
        reading = Campaign.objects.create(
            title="Đọc quy trình chung",
            topic="culture",
            method="read",
            document_id=content.document_id,
            created_by=world.owner_a,
        )
    return world, content, own, shared, theirs, unit_need, reading


def _competence_rows(schema: str) -> dict[str, set]:
    """What each competence table holds, by what people read (ids differ between agencies)."""
    from quality.competence.models import (
        Answer,
        Attempt,
        Attendance,
        Campaign,
        Choice,
        Competence,
        Qualification,
        Question,
    )

    with schema_context(schema):
        return {
            "competence": set(Competence.objects.values_list("title", "unit__code")),
            "attendance": set(
                Attendance.objects.values_list("session__title", "user__email", "result")
            ),
            "qualification": set(
                Qualification.objects.values_list(
                    "user__email", "title", "number", "competence__title", "expires_on"
                )
            ),
            "campaign": set(Campaign.objects.values_list("title", "method", "document__code")),
            "question": set(Question.objects.values_list("campaign__title", "position", "text")),
            "choice": set(Choice.objects.values_list("question__text", "text", "is_correct")),
            "attempt": set(
                Attempt.objects.values_list("campaign__title", "user__email", "score", "passed")
            ),
            "answer": set(
                Answer.objects.values_list("attempt__user__email", "question__text", "choice__text")
            ),
        }


def test_a_split_carries_the_moving_persons_competence_records(
    training, django_capture_on_commit_callbacks, client_for
):
    from quality.competence import selectors
    from quality.competence.models import Attendance, Campaign, TrainingSession

    world, content, own, shared, theirs, unit_need, reading = training
    before = _competence_rows("ag_alpha")
    with schema_context("ag_beta"):
        beta_before = snapshot("ag_beta")
    op = preview(world, content, people_move=[content.member.pk])
    rows = {r["table"]: r for r in op.report["tables"]}
    assert rows["quality_competence_attendance"]["carried"] == 2
    assert rows["quality_competence_attendance"]["leaves_source"] == 0  # copied
    assert rows["quality_competence_campaign"]["leaves_source"] == 1  # the read campaign
    operations.confirm(op)
    with django_capture_on_commit_callbacks(execute=True):
        done = split.split_run(op_id=op.pk)
    assert done.status == OperationStatus.SUCCEEDED, done.error

    gamma = _competence_rows("ag_gamma")
    mover, stayer = "staff@a.test", "boss@a.test"
    # the mover's history, whole: both sessions, the certificate, the quiz with its answers
    assert gamma["attendance"] == {
        ("Tập huấn quy trình một cửa A", mover, "pending"),
        ("Tập huấn chung hai phòng", mover, "pending"),
    }
    assert (
        gamma["qualification"] == {q for q in before["qualification"] if q[0] == mover}
        and len(gamma["qualification"]) == 1
    )
    assert gamma["attempt"] == {a for a in before["attempt"] if a[1] == mover}
    assert gamma["answer"] == {a for a in before["answer"] if a[0] == mover}
    assert len(gamma["answer"]) == 2
    quiz = own.campaign.title
    assert {q for q in gamma["question"] if q[0] == quiz} == {
        q for q in before["question"] if q[0] == quiz
    }
    assert gamma["choice"] == before["choice"]
    # the requirements these name and the moved unit's own, with their links holding
    assert gamma["competence"] == {(own.competence.title, None), ("Kỹ năng văn thư", "VP")}
    assert ("Đọc quy trình chung", "read", SHARED_DOCUMENT) in gamma["campaign"]
    with schema_context("ag_gamma"):
        session = TrainingSession.objects.get(title="Tập huấn chung hai phòng")
        assert session.competence.title == own.competence.title
        assert session.attendances.count() == 1  # the colleague's attendance stays in alpha
        assert not TrainingSession.objects.filter(title=theirs.title).exists()
        assert not Attendance.objects.filter(user__email=stayer).exists()
        person = User.objects.get(email=mover)
        assert {q.user.email for q in selectors.expiring()} == {mover}  # watched in gamma now
        record = selectors.person_record(person)
        assert {a.session.title for a in record["attendances"]} == {
            own.session.title,
            "Tập huấn chung hai phòng",
        }
        assert Provenance.objects.filter(
            object_type="quality_competence.trainingsession",
            object_id=str(session.pk),
            source_id=str(shared.pk),
        ).exists()
        new_reading = Campaign.objects.get(title="Đọc quy trình chung").pk

    # alpha keeps every record as it was (the mover as an inactive record), but the read
    # campaign that left with its document
    after = _competence_rows("ag_alpha")
    assert after == {
        **before,
        "campaign": before["campaign"] - {("Đọc quy trình chung", "read", SHARED_DOCUMENT)},
    }
    with schema_context("ag_alpha"):
        assert TrainingSession.objects.get(pk=shared.pk).attendances.count() == 2
        assert not Campaign.objects.filter(pk=reading.pk).exists()
        assert {q.user.email for q in selectors.expiring()} == set()  # the mover has left
    staff = client_for(world.agency_a, world.owner_a)
    assert staff.get(f"/competence/sessions/{shared.pk}/").status_code == 200
    gone = staff.get(f"/competence/awareness/{reading.pk}/")
    assert gone.status_code == 404
    assert f'href="http://gamma.localhost/competence/awareness/{new_reading}/"' in (
        gone.content.decode()
    )
    assert snapshot("ag_beta") == beta_before  # the other agency is untouched


def test_a_failed_split_leaves_the_competence_records_where_they_were(training, monkeypatch):
    world, content, *_rest = training
    before = snapshot("ag_alpha")
    op = preview(world, content, people_move=[content.member.pk])
    operations.confirm(op)

    def crash(name):
        if name == "removed":  # after every row was written into gamma and removed from alpha
            raise RuntimeError("simulated crash")

    monkeypatch.setattr(operations, "checkpoint", crash)
    assert split.split_run(op_id=op.pk).status == OperationStatus.FAILED
    connection.set_schema_to_public()
    assert snapshot("ag_alpha") == before
    assert not Agency.objects.filter(code="gamma").exists()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'ag_gamma'")
        assert cur.fetchone()[0] == 0
