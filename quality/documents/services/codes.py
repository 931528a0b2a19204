"""Document codes: one regular expression per document type, configurable by the agency."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.models import CodeRule, DocType, Document

MSG_CODE_REQUIRED = gettext_noop("Cần nhập mã tài liệu.")
MSG_CODE_PATTERN = gettext_noop(
    "Mã “%(code)s” không đúng mẫu của loại tài liệu này (ví dụ: %(example)s)."
)
MSG_CODE_TAKEN = gettext_noop("Mã “%(code)s” đã được dùng cho tài liệu khác.")
MSG_PATTERN_INVALID = gettext_noop("Biểu thức chính quy không hợp lệ: %(error)s")
MSG_EXAMPLE_MISMATCH = gettext_noop("Ví dụ “%(example)s” không khớp với mẫu.")

DEFAULT_RULES = {
    DocType.QUALITY_POLICY: (r"^CSCL(\.[A-Z0-9]{1,10}){0,2}$", "CSCL.01"),
    DocType.QUALITY_OBJECTIVES: (r"^MTCL(\.[A-Z0-9]{1,10}){0,2}$", "MTCL.2026"),
    DocType.SYSTEM_PROCEDURE: (r"^QT(\.[A-Z0-9]{1,10}){1,3}$", "QT.ISO.01"),
    DocType.TTHC_PROCESS: (r"^QT(\.[A-Z0-9]{1,10}){1,3}$", "QT.TTHC.01"),
    DocType.WORK_INSTRUCTION: (r"^HD(\.[A-Z0-9]{1,10}){1,3}$", "HD.VP.01"),
    DocType.FORM: (r"^BM(\.[A-Z0-9]{1,10}){1,5}$", "BM.QT.ISO.01.01"),
    DocType.MANUAL: (r"^(STCL|TL)(\.[A-Z0-9]{1,10}){0,3}$", "STCL.01"),
    DocType.EXTERNAL: (r"^[A-Z0-9][A-Z0-9./-]{0,59}$", "TLBN.01"),
}


def normalise_code(code: str) -> str:
    return (code or "").strip().upper()


def rule_for(doc_type: str) -> tuple[str, str]:
    rule = CodeRule.objects.filter(doc_type=doc_type).first()
    if rule is not None:
        return rule.pattern, rule.example
    return DEFAULT_RULES[doc_type]


def code_validate(*, doc_type: str, code: str, exclude_pk: int | None = None) -> str:
    """Return the normalised code or raise ValidationError({"code": ...})."""
    code = normalise_code(code)
    if not code:
        raise ValidationError({"code": _(MSG_CODE_REQUIRED)})
    pattern, example = rule_for(doc_type)
    if not re.fullmatch(pattern, code):
        raise ValidationError({"code": _(MSG_CODE_PATTERN) % {"code": code, "example": example}})
    taken = Document.objects.annotate(upper=Upper("code")).filter(upper=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"code": _(MSG_CODE_TAKEN) % {"code": code}})
    return code


def code_rule_set(*, actor, doc_type: str, pattern: str, example: str) -> CodeRule:
    from django.core.exceptions import PermissionDenied

    if not can(actor, "settings.manage"):
        raise PermissionDenied
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValidationError({"pattern": _(MSG_PATTERN_INVALID) % {"error": exc}}) from exc
    example = normalise_code(example)
    if not compiled.fullmatch(example):
        raise ValidationError({"example": _(MSG_EXAMPLE_MISMATCH) % {"example": example}})
    rule, _created = CodeRule.objects.update_or_create(
        doc_type=doc_type, defaults={"pattern": pattern, "example": example}
    )
    audit_record(
        actor=actor,
        action="code_rule",
        subject=rule,
        changes={"pattern": pattern, "example": example},
    )
    return rule
