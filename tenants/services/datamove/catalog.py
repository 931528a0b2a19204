"""What an agency schema holds, read from the Django models of TENANT_APPS.

The data engine (merge, split, export, import) is model-driven: a new model in a
tenant app is moved, exported and imported without touching this package. Only the
special cases are listed here, each with its reason:

- excluded tables (never moved nor exported): credentials and sign-in records, listed with
  the secret columns of ordinary tables in credentials.py;
- reference tables seeded identically in every schema (content types, permissions,
  ISO clauses): rows are matched by natural key, never duplicated, never emptied;
- singletons (a CHECK constraint `pk = 1`): the target keeps its own row;
- unique constraints: a collision on a single text column is renamed by the rule the
  administrator confirms; a collision on anything else (a year, several columns, an
  e-mail) makes the moved row one with the target's existing row (its children follow);
- soft references: text or integer columns that hold the id of another row without a
  foreign key (the audit trail's subject, an action's source...), rewritten by type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.services.datamove.credentials import CREDENTIAL_TABLES, STAY_BEHIND_TABLES

# Credentials bound to one host (sessions, two-factor devices, tokens, sign-in records):
# dropped, never moved nor exported (credentials.py says why, table by table).
EXCLUDED_TABLES = frozenset(CREDENTIAL_TABLES)

# Seeded identically by migrations in every schema: matched by natural key (their unique
# constraint), never duplicated, and left in place when a source schema is emptied.
REFERENCE_TABLES = frozenset({"django_content_type", "auth_permission", "quality_audits_clause"})

# Unique text columns that are agency configuration, not content: on a collision the target
# keeps its own row (one code rule per document type).
MAP_ON_COLLISION = frozenset(
    {
        ("accounts_user", "email"),  # the same person: one account in the merged agency
        ("quality_documents_coderule", "doc_type"),
        ("auth_group", "name"),
    }
)

# Columns compared without regard to case (besides those under an Upper() constraint).
CASE_INSENSITIVE = frozenset({("accounts_user", "email")})

# Kinds of rows that get a provenance record ("từ <agency>") when moved in.
PROVENANCE_TABLES = (
    "accounts_user",
    "quality_core_unit",
    "quality_documents_document",
    "quality_procedures_procedure",
    "quality_procedures_application",
    "quality_improvement_nonconformity",
    "quality_audits_auditplan",
    "quality_risks_risk",
    "quality_objectives_objective",
    "quality_reviews_managementreview",
    "quality_competence_trainingsession",
    "quality_competence_campaign",
)

# Type names used in soft references besides `model_name` and `app_label.model_name`.
TYPE_ALIASES = {
    "audit_plan": "quality_audits_auditplan",
    "survey": "quality_feedback_surveyresponse",
    "register": "quality_documents_recordseries",
    "review": "quality_reviews_managementreview",
    "objective_missed": "quality_objectives_objective",
    "user": "accounts_user",
}


@dataclass(frozen=True)
class SoftRef:
    """`column` holds the id (as text) of a row whose kind is named by `type_column`.

    `by_code` lists kinds referenced by a code instead of an id (an application's code).
    `separator`: only the part before it is the id ("12:2025-01-01").
    """

    table: str
    column: str
    type_column: str
    by_code: tuple[tuple[str, str, str], ...] = ()  # (type value, table, code column)
    separator: str = ""


@dataclass(frozen=True)
class IdRef:
    """An integer column holding a row id of `target` without a foreign key."""

    table: str
    column: str
    target: str


@dataclass(frozen=True)
class CodeRef:
    """A text column holding the code of a row of `target` (follows renames of that code)."""

    table: str
    column: str
    target: str
    target_column: str
    when: tuple[str, str] | None = None  # (column, value) the row must have


APPLICATION = ("quality_procedures_application", "code")
SOFT_REFS = (
    SoftRef("quality_core_auditevent", "subject_id", "subject_type"),
    SoftRef("quality_core_auditevent", "parent_id", "parent_type"),
    SoftRef("quality_core_provenance", "object_id", "object_type"),
    SoftRef(
        "quality_improvement_nonconformity",
        "source_id",
        "source_type",
        by_code=(("application", *APPLICATION),),
    ),
    SoftRef(
        "quality_improvement_action",
        "source_id",
        "source_type",
        by_code=(("application", *APPLICATION),),
    ),
    SoftRef("quality_reviews_reviewitem", "source_id", "source", separator=":"),
)
ID_REFS = (IdRef("quality_core_auditevent", "actor_id", "accounts_user"),)
CODE_REFS = (
    CodeRef("integrations_inboxevent", "application_code", *APPLICATION),
    CodeRef("quality_feedback_surveyresponse", "application_code", *APPLICATION),
    CodeRef(
        "quality_improvement_nonconformity",
        "source_ref",
        *APPLICATION,
        when=("source_type", "application"),
    ),
)


@dataclass(frozen=True)
class ForeignKey:
    column: str
    target: str  # db_table
    nullable: bool
    on_delete: str  # CASCADE, PROTECT, SET_NULL...


@dataclass(frozen=True)
class Unique:
    """One unique constraint, as values computed by the ORM (`keys` are annotations)."""

    name: str
    keys: tuple  # field attnames (str) or expressions
    columns: tuple[str, ...]  # the db columns involved
    condition: Q | None
    fk_columns: tuple[str, ...]  # the subset of columns that are foreign keys
    rename_column: str | None  # the text column renamed on a collision, or None (map)
    case_insensitive: bool
    nulls_distinct: bool = True  # PostgreSQL's default: a NULL never collides


@dataclass
class Table:
    model: type[models.Model]
    name: str  # db_table
    pk: str  # pk column
    pk_fk: str | None  # the pk is itself a foreign key to this table (one-to-one parent)
    columns: list[str]
    fks: dict[str, ForeignKey]
    file_columns: list[str]
    uniques: list[Unique]
    singleton: bool
    reference: bool
    excluded: bool
    label: str = ""
    max_lengths: dict[str, int] = field(default_factory=dict)

    @property
    def model_label(self) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"

    @property
    def data(self) -> bool:
        """Moved, exported and emptied (not reference, not excluded)."""
        return not (self.reference or self.excluded)

    @property
    def carried(self) -> bool:
        """Taken into another agency by a merge or a split (exported or not)."""
        return not self.excluded and self.name not in STAY_BEHIND_TABLES


def tenant_models() -> list[type[models.Model]]:
    labels = set()
    for name in settings.TENANT_APPS:
        for config in apps.get_app_configs():
            if config.name == name:
                labels.add(config.label)
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in labels and meta.managed and not meta.proxy:
            found.append(model)
    return found


def _is_singleton(model) -> bool:
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            condition = getattr(constraint, "condition", None) or getattr(constraint, "check", None)
            if isinstance(condition, Q) and condition.children in ([("pk", 1)], [("id", 1)]):
                return True
    return False


def _uniques(model, fks: dict[str, ForeignKey]) -> list[Unique]:
    meta = model._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    return [_unique(meta.db_table, by_name, fks, *spec) for spec in _unique_specs(meta)]


def _unique_specs(meta) -> list[tuple[str, tuple, Q | None, bool]]:
    """(name, keys, condition, nulls distinct) of every unique rule of a table: unique
    fields, unique_together and UniqueConstraint."""
    table = meta.db_table
    specs: list[tuple[str, tuple, Q | None, bool]] = []
    for f in meta.concrete_fields:
        if f.unique and not f.primary_key:
            specs.append((f"{table}_{f.column}_key", (f.name,), None, True))
    for fields in meta.unique_together:
        specs.append((f"{table}_{'_'.join(fields)}_uniq", tuple(fields), None, True))
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            keys = tuple(constraint.fields) or tuple(constraint.expressions)
            distinct = getattr(constraint, "nulls_distinct", None) is not False
            specs.append((constraint.name, keys, constraint.condition, distinct))
    return specs


def _unique(table: str, by_name: dict, fks, name, keys, condition, nulls_distinct) -> Unique:
    columns, fk_columns, text_columns, ci = _key_columns(keys, by_name, fks)
    single_text = len(columns) == 1 and len(text_columns) == 1
    rename = (
        text_columns[0]
        if single_text and (table, text_columns[0]) not in MAP_ON_COLLISION
        else None
    )
    if len(columns) == 1 and (table, columns[0]) in CASE_INSENSITIVE:
        ci = True
    keys_orm = tuple(by_name[k].attname if isinstance(k, str) else k for k in keys)
    return Unique(
        name=name,
        keys=keys_orm,
        columns=tuple(columns),
        condition=condition,
        fk_columns=tuple(fk_columns),
        rename_column=rename,
        case_insensitive=ci,
        nulls_distinct=nulls_distinct,
    )


def _key_columns(keys: tuple, by_name: dict, fks) -> tuple[list, list, list, bool]:
    """(columns, foreign-key columns, text columns, compared without regard to case) of a
    unique rule's keys, field names or expressions."""
    columns, fk_columns, text_columns, ci = [], [], [], False
    for key in keys:
        if isinstance(key, str):
            f = by_name[key]
            columns.append(f.column)
            if f.column in fks:
                fk_columns.append(f.column)
            elif isinstance(f, models.CharField):
                text_columns.append(f.column)
        else:  # an expression such as Upper("code")
            refs = [r for r in _expression_fields(key) if r in by_name]
            for ref in refs:
                columns.append(by_name[ref].column)
                if isinstance(by_name[ref], models.CharField):
                    text_columns.append(by_name[ref].column)
            ci = ci or type(key).__name__ in ("Upper", "Lower")
    return columns, fk_columns, text_columns, ci


def _expression_fields(expression) -> list[str]:
    from django.db.models import F

    names = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, F):
            names.append(node.name)
        elif isinstance(node, str):
            names.append(node)
        else:
            stack.extend(getattr(node, "get_source_expressions", list)())
    return names


def _table(model) -> Table:
    meta = model._meta
    fks: dict[str, ForeignKey] = {}
    files, max_lengths = [], {}
    for f in meta.concrete_fields:
        if f.is_relation and f.related_model is not None:
            on_delete = getattr(f.remote_field, "on_delete", None)
            fks[f.column] = ForeignKey(
                column=f.column,
                target=f.related_model._meta.db_table,
                nullable=f.null,
                on_delete=on_delete.__name__ if on_delete else "CASCADE",
            )
        if isinstance(f, models.FileField):
            files.append(f.column)
        if getattr(f, "max_length", None) and isinstance(f, models.CharField):
            max_lengths[f.column] = f.max_length
    pk = meta.pk
    return Table(
        model=model,
        name=meta.db_table,
        pk=pk.column,
        pk_fk=fks[pk.column].target if pk.column in fks else None,
        columns=[f.column for f in meta.concrete_fields],
        fks=fks,
        file_columns=files,
        uniques=_uniques(model, fks),
        singleton=_is_singleton(model),
        reference=meta.db_table in REFERENCE_TABLES,
        excluded=meta.db_table in EXCLUDED_TABLES,
        label=_label(meta),
        max_lengths=max_lengths,
    )


@cache
def catalog() -> dict[str, Table]:
    """Every tenant table, parents before children (foreign keys; cycles broken at the
    nullable edges, which the engine fills with all maps known anyway)."""
    tables = {t.name: t for t in (_table(m) for m in tenant_models())}
    # Rows that hold another table's codes are planned after it (they follow its renames).
    code_parents: dict[str, set[str]] = {}
    for ref in CODE_REFS:
        code_parents.setdefault(ref.table, set()).add(ref.target)
    for ref in SOFT_REFS:
        for _type, target, _column in ref.by_code:
            code_parents.setdefault(ref.table, set()).add(target)
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:  # a cycle: this edge is left out of the order
            return
        state[name] = 1
        parents = {fk.target for fk in tables[name].fks.values()} | code_parents.get(name, set())
        for parent in sorted(parents):
            if parent != name and parent in tables:
                visit(parent)
        state[name] = 2
        order.append(name)

    for name in sorted(tables):
        visit(name)
    return {name: tables[name] for name in order}


def data_tables() -> list[Table]:
    return [t for t in catalog().values() if t.data]


@cache
def type_tables() -> dict[str, str]:
    """Soft-reference type name -> table: model_name, app_label.model_name, aliases."""
    names: dict[str, list[str]] = {}
    for table in catalog().values():
        meta = table.model._meta
        if meta.auto_created:
            continue
        names.setdefault(meta.model_name, []).append(table.name)
        names.setdefault(f"{meta.app_label}.{meta.model_name}", []).append(table.name)
    result = {name: found[0] for name, found in names.items() if len(found) == 1}
    result.update({k: v for k, v in TYPE_ALIASES.items() if v in catalog()})
    return result


# Names for people of the tables whose models (ours, Django's and the libraries') carry no
# Vietnamese name.
TABLE_LABELS = {
    "accounts_invitation": _("lời mời"),
    "accounts_user_groups": _("nhóm của người dùng"),
    "accounts_user_user_permissions": _("quyền riêng của người dùng"),
    "auth_group_permissions": _("quyền của nhóm"),
    "axes_accessattempt": _("lần đăng nhập sai"),
    "axes_accessattemptexpiration": _("hạn khoá đăng nhập"),
    "axes_accessfailurelog": _("nhật ký đăng nhập sai"),
    "axes_accesslog": _("nhật ký đăng nhập"),
    "django_session": _("phiên đăng nhập"),
    "quality_documents_changerequest": _("đề nghị sửa đổi tài liệu"),
    "integrations_inboxevent": _("sự kiện tích hợp nhận được"),
    "integrations_rejectedrequest": _("yêu cầu tích hợp bị từ chối"),
    "onboarding_checklist": _("các bước khởi đầu"),
    "onboarding_packinstall": _("lần cài bộ mẫu"),
    "onboarding_packitemstate": _("trạng thái mục bộ mẫu"),
    "otp_static_staticdevice": _("bộ mã dự phòng"),
    "otp_static_statictoken": _("mã dự phòng"),
    "otp_totp_totpdevice": _("ứng dụng xác thực"),
    "quality_audits_assignment": _("phân công đánh giá"),
    "quality_audits_clause": _("điều khoản tiêu chuẩn"),
    "quality_audits_checklistitem": _("mục danh sách kiểm tra"),
    "quality_core_auditevent": _("nhật ký thay đổi"),
    "quality_core_notification": _("thông báo"),
    "quality_core_provenance": _("nguồn gốc bản ghi"),
    "quality_core_unit_members": _("thành viên đơn vị"),
    "quality_documents_acknowledgement": _("xác nhận đã đọc"),
    "quality_documents_distribution": _("phân phối tài liệu"),
    "quality_documents_recordentry": _("hồ sơ lưu trữ"),
    "quality_documents_recorddisposal": _("hủy hồ sơ"),
    "quality_documents_reviewnote": _("ý kiến xem xét"),
    "quality_documents_revisionfile": _("tệp của phiên bản"),
    "quality_feedback_surveyresponse": _("phiếu khảo sát"),
    "quality_improvement_action_covers": _("sự không phù hợp chung một hành động"),
    "quality_objectives_measurement": _("kết quả đo mục tiêu"),
    "quality_procedures_dailystat": _("thống kê ngày"),
    "quality_procedures_handoff": _("bàn giao hồ sơ"),
    "quality_procedures_procedurestep": _("bước của thủ tục"),
    "quality_procedures_stepdailystat": _("thống kê ngày theo bước"),
    "quality_reviews_reviewitem": _("nội dung xem xét"),
}


def _label(meta) -> str:
    """The model's name for people. Vietnamese has no plural: Django's default plural adds an
    English "s" ("phiên bản thủ tụcs"), so only a plural the model states is used."""
    if meta.db_table in TABLE_LABELS:
        return str(TABLE_LABELS[meta.db_table])
    stated = meta.original_attrs.get("verbose_name_plural")
    return str(stated or meta.verbose_name or meta.db_table)
