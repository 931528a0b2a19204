"""What planning and applying share: the plan, identifier quoting and the rename suffix."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tenants.services.schemas import check_name

StepCallback = Callable[[str, int], None]
SUFFIX_RE = re.compile(r"^[A-Za-z0-9._-]{1,20}$")
MSG_SUFFIX = gettext_noop(
    "Hậu tố đổi mã chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (1–20 ký tự)."
)


def q(name: str) -> str:
    """Quote an identifier that comes from the model catalogue (never from a request)."""
    return '"' + name.replace('"', '""') + '"'


def qt(schema: str, table: str) -> str:
    return f"{q(check_name(schema))}.{q(table)}"


@dataclass
class Plan:
    source: str  # schema names
    target: str
    source_code: str
    source_name: str
    operation: str
    suffix: str
    selection: dict[str, set[int]] | None = None  # None: every row of every data table
    # Source ids of the people the provincial administrator chose: they arrive active (and
    # are invited); everyone else the moved rows name arrives as an inactive record.
    people: frozenset[int] = frozenset()
    tables: list[str] = field(default_factory=list)
    mapped: dict[str, dict[int, int]] = field(default_factory=dict)
    renames: dict[tuple[str, str], dict[int, str]] = field(default_factory=dict)
    code_renames: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    counts: dict[str, dict] = field(default_factory=dict)
    users_matched: list[dict] = field(default_factory=list)
    cleared: dict[str, int] = field(default_factory=dict)  # "table.column" -> references set NULL
    # "table.column" -> references to rows that never leave their agency (an integration key,
    # credentials.py): they arrive NULL whatever is chosen.
    cut: dict[str, int] = field(default_factory=dict)

    def moved_count(self, table: str) -> int:
        c = self.counts.get(table, {})
        return c.get("source", 0) - c.get("mapped", 0)

    def conflict_keys(self) -> set[tuple]:
        return {(c["table"], c["column"], c["source_id"]) for c in self.conflicts}


def validate_suffix(suffix: str) -> str:
    if not SUFFIX_RE.match(suffix or ""):
        raise ValidationError({"suffix": _(MSG_SUFFIX)})
    return suffix


def default_suffix(code: str) -> str:
    return "-" + code.upper()[:19]
