"""Checking the rows: the provisioning service's rules plus the file's own (e-mail,
duplicates, parents defined in the file), and the order in which the rows are provisioned."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from iso_platform.accounts.identifiers import normalise_email
from onboarding.province.models import RolloutRow
from onboarding.services.rollout.common import (
    FIELDS,
    MSG_ADMIN_NAME_REQUIRED,
    MSG_ADMIN_NAME_TOO_LONG,
    MSG_CODE_DUPLICATE,
    MSG_EMAIL_DUPLICATE,
    MSG_EMAIL_INVALID,
    MSG_EMAIL_REQUIRED,
    MSG_IDENTIFIER_DUPLICATE,
    MSG_KIND_REQUIRED,
    MSG_KIND_UNKNOWN,
    MSG_PARENT_CYCLE,
    MSG_PARENT_INVALID,
    MSG_PARENT_SELF,
    MSG_PLAN_FORMAT,
    PLAN_RE,
)
from onboarding.services.rollout.parsing import _kind_values, _plain
from tenants.models import AGENCY_KINDS_FOR_NEW, Agency, AgencyKind, identifier_normalise
from tenants.services.provisioning import AgencySpec, agency_spec_validate


@dataclass
class CheckedRow:
    line: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, [])
        if message not in self.errors[key]:
            self.errors[key].append(message)


def rollout_check(rows: list[tuple[int, dict[str, str]]]) -> list[CheckedRow]:
    """Every error of every row, per field (a row may have several)."""
    checked = [CheckedRow(line, _cleaned(values)) for line, values in rows]
    in_file = {row.values["code"] for row in checked if row.values["code"]}
    first_code, first_email, first_identifier = {}, {}, {}
    for row in checked:
        _check_row(row, in_file)
        identifier = row.values["identifier"]
        if identifier and identifier in first_identifier:
            row.add(
                "identifier",
                _(MSG_IDENTIFIER_DUPLICATE)
                % {"value": identifier, "line": first_identifier[identifier]},
            )
        first_identifier.setdefault(identifier, row.line)
        code, email = row.values["code"], row.values["admin_email"]
        if code and code in first_code:
            row.add("code", _(MSG_CODE_DUPLICATE) % {"code": code, "line": first_code[code]})
        first_code.setdefault(code, row.line)
        if email and email in first_email:
            row.add(
                "admin_email", _(MSG_EMAIL_DUPLICATE) % {"value": email, "line": first_email[email]}
            )
        first_email.setdefault(email, row.line)
    _check_parents_in_file(checked)
    return checked


def _cleaned(values: dict[str, str]) -> dict[str, str]:
    cleaned = {key: (values.get(key) or "").strip() for key in FIELDS}
    for key in ("code", "parent_code", "plan_code"):
        cleaned[key] = cleaned[key].lower()
    cleaned["admin_email"] = normalise_email(cleaned["admin_email"])
    cleaned["identifier"] = identifier_normalise(cleaned["identifier"])
    cleaned["kind_raw"] = cleaned["kind"]
    cleaned["kind"] = _kind_values().get(_plain(cleaned["kind"]), cleaned["kind"])
    return cleaned


def _check_row(row: CheckedRow, in_file: set[str]) -> None:
    """The provisioning service's checks (a parent defined in the file is checked later)."""
    v = row.values
    spec = AgencySpec(
        code=v["code"],
        name=v["name"],
        identifier=v["identifier"],
        kind=v["kind"],
        admin_email=v["admin_email"],
        admin_name=v["admin_name"],
        parent_code=None if v["parent_code"] in in_file else (v["parent_code"] or None),
    )
    try:
        agency_spec_validate(spec)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                row.add(key, message)
    if not v["kind_raw"]:
        row.errors["kind"] = [_(MSG_KIND_REQUIRED)]
    elif v["kind"] not in AgencyKind.values:
        choices = ", ".join(f"{k.value} ({k.label})" for k in AGENCY_KINDS_FOR_NEW)
        row.errors["kind"] = [_(MSG_KIND_UNKNOWN) % {"value": v["kind_raw"], "choices": choices}]
    if not v["admin_name"]:
        row.add("admin_name", _(MSG_ADMIN_NAME_REQUIRED))
    elif len(v["admin_name"]) > 150:
        row.add("admin_name", _(MSG_ADMIN_NAME_TOO_LONG))
    _check_email(row)
    if v["plan_code"] and not PLAN_RE.match(v["plan_code"]):
        row.add("plan_code", _(MSG_PLAN_FORMAT) % {"value": v["plan_code"]})
    if v["parent_code"] and v["parent_code"] == v["code"]:
        row.errors["parent_code"] = [_(MSG_PARENT_SELF)]


def _check_email(row: CheckedRow) -> None:
    email = row.values["admin_email"]
    if not email:
        row.add("admin_email", _(MSG_EMAIL_REQUIRED))
        return
    try:
        validate_email(email)
    except ValidationError:
        row.add("admin_email", _(MSG_EMAIL_INVALID) % {"value": email})


def _check_parents_in_file(checked: list[CheckedRow]) -> None:
    """A parent defined in the file is fine (it is created first), unless it is wrong itself
    or the parents go round in a circle. Errors flow down to children, grandchildren..."""
    by_code = {}
    for row in checked:
        by_code.setdefault(row.values["code"], row)
    existing = set(
        Agency.objects.filter(
            code__in=[r.values["parent_code"] for r in checked if r.values["parent_code"]]
        ).values_list("code", flat=True)
    )
    for cycle in _cycles(checked, by_code, existing):
        lines = ", ".join(str(r.line) for r in cycle)
        for row in cycle:
            row.add("parent_code", _(MSG_PARENT_CYCLE) % {"lines": lines})
    changed = True
    while changed:  # children of wrong rows are wrong too
        changed = False
        for row in checked:
            parent = _file_parent(row, by_code, existing)
            if parent is not None and parent.errors and "parent_code" not in row.errors:
                row.add(
                    "parent_code",
                    _(MSG_PARENT_INVALID) % {"code": parent.values["code"], "line": parent.line},
                )
                changed = True


def _file_parent(row, by_code, existing):
    parent = row.values["parent_code"]
    if not parent or parent in existing or by_code.get(parent) in (None, row):
        return None
    return by_code[parent]


def _cycles(checked, by_code, existing) -> list[list[CheckedRow]]:
    cycles, state = [], {}  # state: id -> "open" while walking, "done" after
    for start in checked:
        path, row = [], start
        while row is not None and state.get(id(row)) is None:
            state[id(row)] = "open"
            path.append(row)
            row = _file_parent(row, by_code, existing)
        if row is not None and state.get(id(row)) == "open":
            cycles.append(path[path.index(row) :])
        for visited in path:
            state[id(visited)] = "done"
    return cycles


def provisioning_order(rows: list[RolloutRow]) -> list[RolloutRow]:
    """Rows by line, except that a parent defined in the file comes before its children."""
    by_code = {}
    for row in sorted(rows, key=lambda r: r.line):
        by_code.setdefault(row.code, row)
    ordered, placed = [], set()

    def place(row, depth=0):
        if row.pk in placed or depth > len(rows):
            return
        parent = by_code.get(row.parent_code) if row.parent_code else None
        if parent is not None and parent is not row:
            place(parent, depth + 1)
        placed.add(row.pk)
        ordered.append(row)

    for row in sorted(rows, key=lambda r: r.line):
        place(row)
    return ordered
