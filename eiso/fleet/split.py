"""Splitting: a chosen set of units and procedures of agency S moves to a new agency N.

What moves (the closure, computed in S's schema):

- the chosen procedures with their versions, steps, applications (with their
  process-control sheets, inbox events, survey answers, daily statistics) and the
  nonconformities opened for those applications;
- documents: the procedures' ISO process documents and the documents owned by the chosen
  units, with their revisions, files, review notes, change requests, distribution and
  acknowledgements; the record series of those documents or kept by the chosen units,
  with their entries and disposals;
- risks and objectives linked to the chosen procedures (or their documents), with
  measurements, and the actions of every moved nonconformity, risk and objective;
- read-and-confirm awareness campaigns about a moved document (the document's
  acknowledgements, which are their records, move with it);
- the audit-trail rows about all of these (copied: S's trail is append-only and keeps
  its history) and their provenance rows.

What is copied and stays in S too: the chosen units (deactivated in S, since S's history
still names them) with the membership of the people chosen below; and the competence records
of the people chosen below (`_competence`): their attendance with the sessions attended, their
certificates, their quiz attempts with the quizzes, and the competence requirements these
name or the chosen units set. A training record is evidence for both agencies (7.2): the
person's history goes with them, and S keeps every session as it was held, with everyone
who attended, as it keeps its audit trail.

People (people.py, datamove/credentials.py): only the people the provincial administrator
chose by name arrive active in N ("move": then deactivated in S; "copy": they keep working
in S too), without a usable password, two-factor devices or S's rights, and N invites them
to set a password. Everyone else the moved rows name arrives as an inactive record. N's
administrator is the person named in the form, invited as at provisioning. No credential
(password hash, device, token, invitation, integration key) is ever copied.

Rows that stay in S and pointed at a moved row through a nullable reference get NULL
(explicitly: raw SQL has no ON DELETE). A non-nullable reference from a staying row to a
moving one stops the split with a message (the preview shows it first).

The preview provisions N and plans the move inside a transaction that is rolled back (a
true dry run); the run does the same for real, in ONE transaction.
"""

from __future__ import annotations

import logging
import time

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context

from eiso.fleet.merge import applications_reindex_renamed
from integrations.models import InboxEvent
from iso_platform.accounts.identifiers import normalise_email
from iso_platform.accounts.models import User
from quality.competence.models import (
    Answer,
    Attempt,
    Attendance,
    AwarenessMethod,
    Campaign,
    Choice,
    Competence,
    Qualification,
    Question,
    TrainingSession,
)
from quality.core.models import AuditEvent, Provenance, Unit
from quality.documents.models import (
    Acknowledgement,
    ChangeRequest,
    Distribution,
    Document,
    RecordDisposal,
    RecordEntry,
    RecordSeries,
    ReviewNote,
    Revision,
    RevisionFile,
)
from quality.feedback.models import SurveyResponse
from quality.improvement.models import Action, ActionEvidence, Nonconformity
from quality.objectives.models import Measurement, Objective
from quality.procedures.models import (
    Application,
    DailyStat,
    HandOff,
    Procedure,
    ProcedureStep,
    ProcedureVersion,
    StepDailyStat,
)
from quality.risks.models import Risk
from tenants.models import (
    Agency,
    AgencyStatus,
    LifecycleOperation,
    OperationKind,
    OperationStatus,
    identifier_normalise,
)
from tenants.services import events, operations, people
from tenants.services.datamove import files as move_files
from tenants.services.datamove.catalog import catalog
from tenants.services.datamove.engine.applying import plan_apply, plan_cleanup
from tenants.services.datamove.engine.common import Plan, default_suffix, q, qt, validate_suffix
from tenants.services.datamove.engine.counting import table_counts
from tenants.services.datamove.engine.planning import plan_build
from tenants.services.provisioning import AgencySpec, agency_provision, agency_spec_validate

logger = logging.getLogger(__name__)

# Copied into N and kept in S as well.
COPY_TABLES = frozenset(
    {
        "accounts_user",
        "accounts_user_groups",
        "quality_core_unit",
        "quality_core_unit_members",
        "quality_core_auditevent",
        # competence records: the chosen people's, kept in S too (the module doc says why)
        "quality_competence_competence",
        "quality_competence_trainingsession",
        "quality_competence_attendance",
        "quality_competence_qualification",
        "quality_competence_question",
        "quality_competence_choice",
        "quality_competence_attempt",
        "quality_competence_answer",
    }
)
# Carried rows of these tables stay in S too unless `_moving` says they leave.
ROW_COPY_TABLES = frozenset({"quality_competence_campaign"})

MSG_SOURCE_STATE = gettext_noop("Chỉ tách được từ một cơ quan đang hoạt động.")
MSG_NOTHING = gettext_noop("Hãy chọn ít nhất một đơn vị hoặc một thủ tục để chuyển.")
MSG_UNKNOWN = gettext_noop("Có đơn vị hoặc thủ tục không thuộc cơ quan này.")
MSG_BLOCKED = gettext_noop(
    "Không tách được: %(count)s dòng của “%(table)s” ở lại cơ quan cũ nhưng bắt buộc trỏ tới "
    "dữ liệu được chuyển (cột %(column)s)."
)
MSG_CHANGED = gettext_noop(
    "Dữ liệu đã thay đổi sau khi xem trước (%(count)s trùng mã mới chưa được xác nhận); "
    "hãy xem trước lại."
)
MSG_PEOPLE_TWICE = people.MSG_PEOPLE_TWICE
MSG_COUNTS = gettext_noop("Số bản ghi sau khi tách không khớp (%(tables)s); đã huỷ toàn bộ.")
# What the split does to links, said before it runs (the preview and the confirmation page).
CONSEQUENCES = {
    "cut": gettext_noop(
        "%(rows)s dòng “%(label)s” đến cơ quan mới không còn liên kết “%(field)s” tới "
        "%(target)s: thông tin xác thực không bao giờ rời cơ quan cũ, cơ quan mới cần cấp "
        "khoá riêng cho hệ thống gửi dữ liệu."
    ),
    "target": gettext_noop(
        "%(rows)s dòng “%(label)s” đến cơ quan mới không còn liên kết “%(field)s”: "
        "%(target)s được trỏ tới không được chuyển."
    ),
    "source": gettext_noop(
        "%(rows)s dòng “%(label)s” ở lại cơ quan cũ không còn liên kết “%(field)s”: "
        "%(target)s được trỏ tới chuyển sang cơ quan mới."
    ),
}


# --------------------------------------------------------------------------- closure


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def split_closure(
    *, unit_ids: list[int], procedure_ids: list[int], chosen: set[int] = frozenset()
) -> dict[str, set[int]]:
    """Table -> ids to carry to N, in the current (source) schema. See the module doc."""

    units = _ids(Unit.objects.filter(pk__in=unit_ids))
    procedures = _ids(Procedure.objects.filter(pk__in=procedure_ids))
    documents = _ids(
        Document.objects.filter(
            Q(pk__in=Procedure.objects.filter(pk__in=procedures).values("document_id"))
            | Q(unit_id__in=units)
        )
    )
    revisions = _ids(Revision.objects.filter(document_id__in=documents))
    versions = _ids(ProcedureVersion.objects.filter(procedure_id__in=procedures))
    applications = Application.objects.filter(procedure_id__in=procedures)
    codes = set(applications.values_list("code", flat=True))
    series = _ids(
        RecordSeries.objects.filter(Q(procedure_id__in=documents) | Q(keeper_unit_id__in=units))
    )
    entries = _ids(RecordEntry.objects.filter(series_id__in=series))
    surveys = _ids(SurveyResponse.objects.filter(procedure_id__in=procedures))
    ncs = _ids(
        Nonconformity.objects.filter(
            Q(source_type="application", source_id__in=codes)
            | Q(source_type="survey", source_id__in=[str(i) for i in surveys])
        )
    )
    risks = _ids(Risk.objects.filter(Q(procedure_id__in=procedures) | Q(process_id__in=documents)))
    objectives = _ids(Objective.objects.filter(procedure_id__in=procedures))
    actions = _ids(
        Action.objects.filter(
            Q(nonconformity_id__in=ncs)
            | Q(source_type="nonconformity", source_id__in=[str(i) for i in ncs])
            | Q(source_type="risk", source_id__in=[str(i) for i in risks])
            | Q(source_type="objective", source_id__in=[str(i) for i in objectives])
        )
    )
    selection: dict[str, set[int]] = {
        "quality_core_unit": units,
        # only the chosen people's membership: nobody else becomes N's member
        "quality_core_unit_members": _ids(
            Unit.members.through.objects.filter(unit_id__in=units, user_id__in=chosen)
        ),
        "quality_procedures_procedure": procedures,
        "quality_procedures_procedureversion": versions,
        "quality_procedures_procedurestep": _ids(
            ProcedureStep.objects.filter(version_id__in=versions)
        ),
        "quality_procedures_application": _ids(applications),
        "quality_procedures_handoff": _ids(HandOff.objects.filter(application__in=applications)),
        "quality_procedures_dailystat": _ids(DailyStat.objects.filter(procedure_id__in=procedures)),
        "quality_procedures_stepdailystat": _ids(
            StepDailyStat.objects.filter(procedure_id__in=procedures)
        ),
        "integrations_inboxevent": _ids(InboxEvent.objects.filter(application_code__in=codes)),
        "quality_feedback_surveyresponse": surveys,
        "quality_documents_document": documents,
        "quality_documents_revision": revisions,
        "quality_documents_changerequest": _ids(
            ChangeRequest.objects.filter(document_id__in=documents)
        ),
        "quality_documents_reviewnote": _ids(ReviewNote.objects.filter(revision_id__in=revisions)),
        "quality_documents_revisionfile": _ids(
            RevisionFile.objects.filter(revision_id__in=revisions)
        ),
        "quality_documents_distribution": _ids(
            Distribution.objects.filter(revision_id__in=revisions)
        ),
        "quality_documents_acknowledgement": _ids(
            Acknowledgement.objects.filter(revision_id__in=revisions)
        ),
        "quality_documents_recordseries": series,
        "quality_documents_recordentry": entries,
        "quality_documents_recorddisposal": _ids(
            RecordDisposal.objects.filter(entry_id__in=entries)
        ),
        "quality_improvement_nonconformity": ncs,
        "quality_improvement_action": actions,
        # a shared action goes with the records that move; records left behind keep theirs
        "quality_improvement_action_covers": _ids(
            Action.covers.through.objects.filter(action_id__in=actions, nonconformity_id__in=ncs)
        ),
        "quality_improvement_actionevidence": _ids(
            ActionEvidence.objects.filter(action_id__in=actions)
        ),
        "quality_risks_risk": risks,
        "quality_objectives_objective": objectives,
        "quality_objectives_measurement": _ids(
            Measurement.objects.filter(objective_id__in=objectives)
        ),
    }
    selection.update(_competence(selection, units=units, chosen=set(chosen)))
    tables = catalog()
    # Units the carried rows name (a step's unit, a document's owner unit...) are copied
    # along like the chosen ones, so that those links hold in N; S keeps them active.
    selection["quality_core_unit"] = units | _referenced(selection, "quality_core_unit")
    # The audit trail and provenance of every moved row (by kind and id).
    subjects = Q(pk__in=[])
    provenance = Q(pk__in=[])
    for name, ids in selection.items():
        if not ids or name == "quality_core_unit_members":
            continue
        meta = tables[name].model._meta
        text_ids = [str(i) for i in ids]
        subjects |= Q(subject_type=meta.model_name, subject_id__in=text_ids)
        subjects |= Q(parent_type=meta.model_name, parent_id__in=text_ids)
        provenance |= Q(object_type=tables[name].model_label, object_id__in=text_ids)
    subjects |= Q(subject_type="register", subject_id__in=[str(i) for i in series])
    selection["quality_core_auditevent"] = _ids(AuditEvent.objects.filter(subjects))
    selection["quality_core_provenance"] = _ids(Provenance.objects.filter(provenance))
    # People: the chosen ones, and everyone the carried rows name (as records, people.py).
    people = set(chosen)
    for name, ids in list(selection.items()):
        if not ids:
            continue
        table = tables[name]
        columns = [c for c, fk in table.fks.items() if fk.target == "accounts_user"]
        if name == "quality_core_auditevent":
            columns = ["actor_id"]
        if not columns:
            continue
        with connection.cursor() as cur:
            for column in columns:
                cur.execute(
                    f"SELECT DISTINCT {q(column)} FROM {q(name)} "  # noqa: S608
                    f"WHERE {q(table.pk)} = ANY(%s) AND {q(column)} IS NOT NULL",
                    [list(ids)],
                )
                people |= {row[0] for row in cur.fetchall()}
    people = _ids(User.objects.filter(pk__in=people))
    selection["accounts_user"] = people
    selection["accounts_user_groups"] = _ids(
        User.groups.through.objects.filter(user_id__in=people & set(chosen))
    )
    # Reference rows (content types, permissions, clauses) are matched by natural key.
    for table in tables.values():
        if table.reference:
            selection[table.name] = _ids(table.model._base_manager.all())
    return {name: ids for name, ids in selection.items() if ids}


def _competence(selection: dict[str, set[int]], *, units: set[int], chosen: set[int]):
    """The chosen people's competence records (copied, see the module doc) and the read
    campaigns of moved documents (moved). Only the chosen people's attendance and attempts
    go: the people who stay keep theirs in S alone."""
    documents = selection["quality_documents_document"]
    attendances = _ids(Attendance.objects.filter(user_id__in=chosen))
    sessions = _ids(TrainingSession.objects.filter(attendances__in=attendances))
    qualifications = _ids(Qualification.objects.filter(user_id__in=chosen))
    attempts = _ids(Attempt.objects.filter(user_id__in=chosen))
    campaigns = _ids(
        Campaign.objects.filter(
            Q(attempts__in=attempts) | Q(method=AwarenessMethod.READ, document_id__in=documents)
        )
    )
    questions = _ids(Question.objects.filter(campaign_id__in=campaigns))
    competences = _ids(
        Competence.objects.filter(
            Q(unit_id__in=units) | Q(sessions__in=sessions) | Q(qualifications__in=qualifications)
        )
    )
    return {
        "quality_competence_competence": competences,
        "quality_competence_trainingsession": sessions,
        "quality_competence_attendance": attendances,
        "quality_competence_qualification": qualifications,
        "quality_competence_campaign": campaigns,
        "quality_competence_question": questions,
        "quality_competence_choice": _ids(Choice.objects.filter(question_id__in=questions)),
        "quality_competence_attempt": attempts,
        "quality_competence_answer": _ids(Answer.objects.filter(attempt_id__in=attempts)),
    }


def _moving(selection: dict[str, set[int]]) -> dict[str, set[int]]:
    """Rows that leave S: the carried ones, less the copied tables, the copied rows of
    ROW_COPY_TABLES (a quiz stays; a read campaign leaves with its document) and the
    provenance of rows that stay. In the source schema."""
    moving = {
        name: ids
        for name, ids in selection.items()
        if name not in COPY_TABLES and not catalog()[name].reference
    }
    documents = selection.get("quality_documents_document", set())
    campaigns = moving.get("quality_competence_campaign", set())
    if campaigns:
        moving["quality_competence_campaign"] = _ids(
            Campaign.objects.filter(
                pk__in=campaigns, method=AwarenessMethod.READ, document_id__in=documents
            )
        )
    kept = Q(pk__in=[])
    for name, ids in selection.items():
        if name in COPY_TABLES or name in ROW_COPY_TABLES:
            stays = ids - moving.get(name, set())
            if stays:
                label = catalog()[name].model_label
                kept |= Q(object_type=label, object_id__in=[str(i) for i in stays])
    if moving.get("quality_core_provenance"):
        moving["quality_core_provenance"] -= _ids(Provenance.objects.filter(kept))
    return {name: ids for name, ids in moving.items() if ids}


def _referenced(selection: dict[str, set[int]], target: str) -> set[int]:
    """Ids of `target` rows that the selected rows point at (current schema)."""
    found: set[int] = set()
    with connection.cursor() as cur:
        for name, ids in selection.items():
            table = catalog()[name]
            for fk in table.fks.values():
                if fk.target != target or not ids or name == target:
                    continue
                cur.execute(
                    f"SELECT DISTINCT {q(fk.column)} FROM {q(name)} "  # noqa: S608
                    f"WHERE {q(table.pk)} = ANY(%s) AND {q(fk.column)} IS NOT NULL",
                    [list(ids)],
                )
                found |= {row[0] for row in cur.fetchall()}
    return found


# --------------------------------------------------------------------------- preview and run


def split_validate(
    *, source: Agency, unit_ids, procedure_ids, spec: AgencySpec, move=(), copy=()
) -> None:
    if source.is_public or source.status != AgencyStatus.ACTIVE:
        raise ValidationError(_(MSG_SOURCE_STATE), code="source_state")
    if not unit_ids and not procedure_ids:
        raise ValidationError(_(MSG_NOTHING), code="nothing")
    agency_spec_validate(spec)
    if set(move) & set(copy):
        raise ValidationError(_(MSG_PEOPLE_TWICE), code="people_twice")
    people.people_resolve(schema=source.schema_name, ids=[*move, *copy])

    with schema_context(source.schema_name):
        known_units = Unit.objects.filter(pk__in=unit_ids).count()
        known_procedures = Procedure.objects.filter(pk__in=procedure_ids).count()
    if known_units != len(set(unit_ids)) or known_procedures != len(set(procedure_ids)):
        raise ValidationError(_(MSG_UNKNOWN), code="unknown")


def _validate(source: Agency, params: dict) -> None:
    split_validate(
        source=source,
        unit_ids=params["unit_ids"],
        procedure_ids=params["procedure_ids"],
        spec=_spec(params),
        move=params.get("people_move", ()),
        copy=params.get("people_copy", ()),
    )


def _chosen(params: dict) -> frozenset[int]:
    return frozenset(params.get("people_move", ())) | frozenset(params.get("people_copy", ()))


def _spec(params: dict) -> AgencySpec:
    return AgencySpec(
        code=params["code"],
        name=params["name"],
        kind=params["kind"],
        admin_email=params["admin_email"],
        admin_name=params["admin_name"],
        parent_code=params.get("parent_code") or None,
        identifier=params.get("identifier", ""),
    )


def split_preview(
    *,
    source: Agency,
    unit_ids: list[int],
    procedure_ids: list[int],
    code: str,
    name: str,
    kind: str,
    admin_email: str,
    admin_name: str,
    people_move: list[int] = (),
    people_copy: list[int] = (),
    suffix: str | None = None,
    identifier: str = "",
    by=None,
) -> LifecycleOperation:
    """`people_move` and `people_copy`: ids of S's people chosen to work in N (moved ones are
    deactivated in S). Nobody else arrives active; see the module doc."""
    params = {
        "unit_ids": sorted({int(i) for i in unit_ids}),
        "procedure_ids": sorted({int(i) for i in procedure_ids}),
        "code": code,
        "name": name.strip(),
        "kind": kind,
        "identifier": identifier_normalise(identifier),
        "admin_email": normalise_email(admin_email),
        "admin_name": admin_name.strip(),
        "people_move": sorted({int(i) for i in people_move}),
        "people_copy": sorted({int(i) for i in people_copy}),
        "suffix": validate_suffix(suffix or default_suffix(source.code)),
    }
    _validate(source, params)
    started = time.perf_counter()
    with transaction.atomic():
        # A true dry run: N is provisioned, the move planned and counted, all rolled back.
        target = agency_provision(spec=_spec(params), admin_password="preview-" + "x" * 16).agency
        connection.set_schema_to_public()
        plan, delete, cleared = _plan(source, target, params, operation="preview")
        report = split_report(plan, source=source, params=params, cleared=cleared, delete=delete)
        report["preview_seconds"] = round(time.perf_counter() - started, 3)
        transaction.set_rollback(True)
    connection.set_schema_to_public()
    return LifecycleOperation.objects.create(
        kind=OperationKind.SPLIT,
        agency=source,
        status=OperationStatus.PREVIEW,
        params=params,
        report=report,
        step=_("Xem trước"),
        requested_by=by,
    )


def _plan(source: Agency, target: Agency, params: dict, *, operation: str):
    with schema_context(source.schema_name):
        selection = split_closure(
            unit_ids=params["unit_ids"],
            procedure_ids=params["procedure_ids"],
            chosen=set(_chosen(params)),
        )
        delete = _moving(selection)
    plan = plan_build(
        Plan(
            source=source.schema_name,
            target=target.schema_name,
            source_code=source.code,
            source_name=source.name,
            operation=operation,
            suffix=params["suffix"],
            selection=selection,
            people=_chosen(params),
        )
    )
    cleared = _source_references(source.schema_name, delete)
    return plan, delete, cleared


def _source_references(schema: str, delete: dict[str, set[int]]) -> list[dict]:
    """Staying rows of S that point at rows leaving S: nullable ones are cleared; a
    non-nullable one stops the split."""
    found = []
    with connection.cursor() as cur:
        for table in catalog().values():
            if table.excluded:
                continue
            for fk in table.fks.values():
                leaving = delete.get(fk.target)
                if not leaving or (fk.target == table.name and fk.column == table.pk):
                    continue
                staying = list(delete.get(table.name, ()))
                cur.execute(
                    f"SELECT count(*) FROM {qt(schema, table.name)} "  # noqa: S608
                    f"WHERE {q(fk.column)} = ANY(%s) AND NOT ({q(table.pk)} = ANY(%s))",
                    [list(leaving), staying],
                )
                count = cur.fetchone()[0]
                if not count:
                    continue
                if not fk.nullable:
                    raise ValidationError(
                        _(MSG_BLOCKED)
                        % {"count": count, "table": table.label, "column": fk.column},
                        code="blocked",
                    )
                found.append(
                    {"table": table.name, "label": table.label, "column": fk.column, "rows": count}
                )
    return found


def _field_label(table: str, column: str) -> str:
    for f in catalog()[table].model._meta.concrete_fields:
        if f.column == column:
            return str(f.verbose_name)
    return column


def _consequence(kind: str, key: str, rows: int) -> dict:
    table, column = key.split(".", 1)
    fk = catalog()[table].fks.get(column)
    target = catalog().get(fk.target) if fk else None
    return {
        "kind": kind,
        "table": table,
        "label": catalog()[table].label,
        "column": column,
        "field": _field_label(table, column),
        "target": target.label if target else (fk.target if fk else ""),
        "rows": rows,
    }


def split_consequences(plan: Plan, cleared_in_source: list[dict]) -> list[dict]:
    """Every link the split cuts: in N, to rows that never leave S (credentials) or that are
    not chosen; in S, to rows that leave."""
    found = [_consequence("cut", key, rows) for key, rows in sorted(plan.cut.items())]
    found += [_consequence("target", key, rows) for key, rows in sorted(plan.cleared.items())]
    found += [
        _consequence("source", f"{ref['table']}.{ref['column']}", ref["rows"])
        for ref in cleared_in_source
    ]
    return found


def consequence_text(consequence: dict) -> str:
    return _(CONSEQUENCES[consequence["kind"]]) % consequence


def split_report(plan: Plan, *, source: Agency, params: dict, cleared, delete) -> dict:
    tables = []
    for name in plan.tables:
        c = plan.counts[name]
        if not c["source"] or c["reference"]:
            continue
        tables.append(
            {
                "table": name,
                "label": c["label"],
                "carried": c["source"],
                "mapped": c["mapped"],
                "copied": name in COPY_TABLES,
                "leaves_source": len(delete.get(name, ())),
            }
        )
    kinds: dict[str, int] = {}
    for conflict in plan.conflicts:
        kinds[conflict["action"]] = kinds.get(conflict["action"], 0) + 1
    moving = set(params.get("people_move", ()))
    named = people.people_report(plan, carried=plan.selection.get("accounts_user", set()))
    for person in named:
        person["leaves_source"] = person["id"] in moving
    return {
        "source": {"code": source.code, "name": source.name, "schema": source.schema_name},
        "target": {"code": params["code"], "name": params["name"]},
        "admin": params["admin_email"],
        "people": named,
        "suffix": plan.suffix,
        "tables": tables,
        "conflicts": plan.conflicts,
        "conflict_counts": kinds,
        "users_matched": plan.users_matched,
        "cleared_in_source": cleared,
        "cleared_in_target": plan.cleared,
        "consequences": split_consequences(plan, cleared),
    }


def split_run(*, op_id) -> LifecycleOperation:
    return operations.locked_run(op_id, _split, label="split")


def _split(op: LifecycleOperation, step, copied: list[str]) -> None:
    started = time.perf_counter()
    params = op.params
    source = Agency.objects.select_for_update().get(pk=op.agency_id)
    _validate(source, params)
    step(_("Khởi tạo cơ quan mới"), 5)
    result = agency_provision(spec=_spec(params))
    target = result.agency
    connection.set_schema_to_public()
    # What a split can change in S and N (invitations written in N are not counted).
    names = [t.name for t in catalog().values() if t.data and t.carried]
    step(_("Khoá dữ liệu của cơ quan nguồn"), 10)
    with connection.cursor() as cur:
        cur.execute(
            "LOCK TABLE "
            + ", ".join(qt(source.schema_name, n) for n in names)
            + " IN SHARE ROW EXCLUSIVE MODE"
        )
    before_source = table_counts(source.schema_name, names)
    before_target = table_counts(target.schema_name, names)
    plan, delete, cleared = _plan(source, target, params, operation=str(op.pk))
    previewed = {(c["table"], c["column"], c["source_id"]) for c in op.report.get("conflicts", [])}
    new = {k for k in plan.conflict_keys() - previewed if k[0] != "accounts_user"}
    if new:
        raise ValidationError(_(MSG_CHANGED) % {"count": len(new)}, code="changed")
    step(_("Sao chép tệp đính kèm"), 30)
    prefix = f"{target.schema_name}/moved/{str(op.pk)[:8]}/"
    old_paths = move_files.stored_paths(source.schema_name, plan.selection)
    result_files = move_files.copy_files(
        (p, move_files.moved_name(p, source=source.schema_name, prefix=prefix)) for p in old_paths
    )
    copied += result_files["copied"]
    applied = plan_apply(plan, file_prefix=prefix, on_step=step)
    applications_reindex_renamed(plan, target)
    invited = people.people_invite_arrivals(
        plan=plan, applied=applied, invited_by=getattr(op.requested_by, "email", "")
    )
    connection.set_schema_to_public()
    operations.checkpoint("inserted")
    step(_("Gỡ dữ liệu đã chuyển khỏi cơ quan nguồn"), 85)
    with connection.cursor() as cur:
        for ref in cleared:
            target_table = catalog()[ref["table"]].fks[ref["column"]].target
            cur.execute(
                f"UPDATE {qt(source.schema_name, ref['table'])} SET {q(ref['column'])} = NULL "  # noqa: S608
                f"WHERE {q(ref['column'])} = ANY(%s)",
                [list(delete[target_table])],
            )
        for name, ids in delete.items():
            table = catalog()[name]
            cur.execute(
                f"DELETE FROM {qt(source.schema_name, name)} WHERE {q(table.pk)} = ANY(%s)",  # noqa: S608
                [list(ids)],
            )
        cur.execute(
            f"UPDATE {qt(source.schema_name, 'quality_core_unit')} SET is_active = false "  # noqa: S608
            "WHERE id = ANY(%s)",
            [params["unit_ids"]],
        )
        if params.get("people_move"):
            cur.execute(
                f"UPDATE {qt(source.schema_name, 'accounts_user')} SET is_active = false "  # noqa: S608
                "WHERE id = ANY(%s)",
                [params["people_move"]],
            )
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # every reference checked here
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
    plan_cleanup(applied)
    operations.checkpoint("removed")
    after_source = table_counts(source.schema_name, names)
    after_target = table_counts(target.schema_name, names)
    tables, wrong = [], []
    for name in names:
        carried = len(plan.selection.get(name, ()))
        mapped = plan.counts.get(name, {}).get("mapped", 0)
        added = applied.added.get(name, 0)
        expected_target = before_target[name] + carried - mapped + added
        expected_source = before_source[name] - len(delete.get(name, ()))
        if after_target[name] != expected_target or after_source[name] != expected_source:
            wrong.append(name)
        if carried or added:
            # What actually happened, counted: not what the plan meant to do.
            tables.append(
                {
                    "table": name,
                    "label": plan.counts.get(name, {}).get("label", name),
                    "source_before": before_source[name],
                    "source_after": after_source[name],
                    "target_before": before_target[name],
                    "target_after": after_target[name],
                    "carried": carried,
                    "mapped": mapped,
                    "copied": name in COPY_TABLES,
                    "written": after_target[name] - before_target[name],
                    "removed": before_source[name] - after_source[name],
                }
            )
    if wrong:
        raise ValidationError(_(MSG_COUNTS) % {"tables": ", ".join(wrong[:5])}, code="counts")
    report = split_report(plan, source=source, params=params, cleared=cleared, delete=delete)
    moved_people = sorted(p["email"] for p in report["people"] if p["leaves_source"])
    detail = {
        "operation": str(op.pk),
        "people": {**people.people_summary(report["people"], invited), "moved": moved_people},
        "tables": {t["table"]: t["written"] for t in tables},
    }
    events.record(
        agency=source,
        action="split_out",
        actor=op.requested_by,
        detail={**detail, "target": target.code, "rows": sum(applied.moved.values())},
        agency_trail=True,
    )
    events.record(
        agency=target,
        action="split_from",
        actor=op.requested_by,
        detail={**detail, "source": source.code, "admin": params["admin_email"]},
        agency_trail=True,
    )
    op.other = target
    report.update(
        tables=tables,
        counts_match=True,
        rows_moved=sum(applied.moved.values()),
        rows_written=sum(t["written"] for t in tables),
        rows_removed=sum(t["removed"] for t in tables),
        invited=invited,
        files={"count": len(old_paths), "copied": len(result_files["copied"])},
        split_seconds=round(time.perf_counter() - started, 3),
    )
    operations.succeed(op, report=report, step=_("Đã tách"))
    transaction.on_commit(lambda: move_files.delete_files(old_paths))
