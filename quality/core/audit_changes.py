"""Audit-trail `changes` as people read them: the one formatter of every history.

A row keeps what the service recorded (`{"status": ["analysed", "actions"], "reviewer": None}`,
ISO dates, user ids, raw bodies). The document page, the pages that include
`quality/_trail.html`, the agency and platform trails and the trail's CSV all show it through
`change_lines`: field labels from the model's `verbose_name`, choice labels, "Có"/"Không",
"—" for nothing, d/m/Y dates in Asia/Ho_Chi_Minh, people by name, `old → new`, nested
details summarised, and long texts as a line diff.

People are resolved for a whole batch of rows at once (`people_for`), one query a page.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quality.core.audit_labels import model_for

EMPTY = "—"
ARROW = " → "
LONG_TEXT = 120  # characters: a change of a longer (or multi-line) text is shown as a diff
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")

# Keys a service records under a name that is not a field of the subject's model.
KEY_FIELDS = {"method": "root_cause_method", "detail": "root_cause_detail"}
KEY_LABELS = {
    "reason": gettext_lazy("lý do"),
    "note": gettext_lazy("ghi chú"),
    "comment": gettext_lazy("nhận xét"),
    "proposal": gettext_lazy("đề xuất"),
    "new_revision": gettext_lazy("lần ban hành mới"),
    "revision": gettext_lazy("lần ban hành"),
    "files_copied": gettext_lazy("số tệp sao chép"),
    "superseded_by": gettext_lazy("được thay bằng"),
    "user": gettext_lazy("người dùng"),
    "file": gettext_lazy("tệp"),
    "files": gettext_lazy("tệp minh chứng"),
    "action": gettext_lazy("hành động"),
    "size": gettext_lazy("dung lượng (byte)"),
    "items": gettext_lazy("số mục"),
    "sections": gettext_lazy("số phần"),
    "series": gettext_lazy("số loại hồ sơ"),
    "from_year": gettext_lazy("từ năm"),
    "to_year": gettext_lazy("sang năm"),
    "level": gettext_lazy("mức cảnh báo"),
    "late_days": gettext_lazy("số ngày quá hạn"),
    "effective": gettext_lazy("có hiệu lực"),
    "whys": gettext_lazy("tại sao"),
    "groups": gettext_lazy("nhóm nguyên nhân"),
    "decision": gettext_lazy("số quyết định"),
}
# Keys that hold a person (a user id or an e-mail) whatever the model says.
PEOPLE_KEYS = {"user", "owner", "reviewer", "auditor", "approver", "verified_by", "created_by"}


@dataclass
class ChangeLine:
    label: str
    text: str = ""
    # a long text's change: (mark, line) with mark "+", "-" or " "
    diff: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- people


def _people_values(changes: dict) -> tuple[set[int], set[str]]:
    ids, emails = set(), set()
    for key, value in (changes or {}).items():
        if key not in PEOPLE_KEYS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) and not isinstance(item, bool):
                ids.add(item)
            elif isinstance(item, str) and item.isdigit():
                ids.add(int(item))
            elif isinstance(item, str) and "@" in item:
                emails.add(item.strip().lower())
    return ids, emails


def people_for(events) -> dict:
    """{user id or lower-case e-mail: full name} for every person named in the rows'
    changes, in one query (none when nobody is named)."""
    from django.contrib.auth import get_user_model

    ids, emails = set(), set()
    for event in events:
        more_ids, more_emails = _people_values(event.changes)
        ids |= more_ids
        emails |= more_emails
    if not ids and not emails:
        return {}
    found = (
        get_user_model()
        .objects.filter(models.Q(pk__in=ids) | models.Q(email__in=emails))
        .values_list("pk", "email", "full_name")
    )
    names: dict = {}
    for pk, email, full_name in found:
        names[pk] = names[email.lower()] = full_name or email
    return names


# --------------------------------------------------------------------------- values


def _field(model, key):
    for name in (key, KEY_FIELDS.get(key)):
        if model is None or not name:
            continue
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _label(key: str, fields) -> str:
    for model_field in fields:
        if model_field is not None and hasattr(model_field, "verbose_name"):
            return str(model_field.verbose_name).capitalize()
    if key in KEY_LABELS:
        return str(KEY_LABELS[key]).capitalize()
    return key.replace("_", " ").capitalize()


def _is_person(key: str, model_field) -> bool:
    if key in PEOPLE_KEYS:
        return True
    related = getattr(model_field, "related_model", None)
    return related is not None and related._meta.label == settings.AUTH_USER_MODEL


def _date_text(value: str) -> str | None:
    if _ISO_DATETIME.match(value):
        moment = parse_datetime(value.replace(" ", "T", 1))
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")
    if _ISO_DATE.match(value):
        day = parse_date(value)
        if day is not None:
            return formats.date_format(day, "d/m/Y")
    return None


def value_text(value, *, model_field=None, person=False, people=None) -> str:
    """One recorded value as a reader says it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if person and (isinstance(value, int) or (isinstance(value, str) and "@" in value)):
        key = value if isinstance(value, int) else value.strip().lower()
        return (people or {}).get(key, str(value))
    if person and isinstance(value, str) and value.isdigit():
        return (people or {}).get(int(value), value)
    if isinstance(value, dict):
        return _summary(value, people)
    if isinstance(value, list):
        return "; ".join(value_text(v, people=people) for v in value) or EMPTY
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    if not isinstance(value, str):
        return str(value)
    choices = dict(getattr(model_field, "flatchoices", None) or [])
    if value in choices:
        return str(choices[value])
    return _date_text(value) or _one_line(value)


def _summary(detail: dict, people) -> str:
    """A nested detail (`{"whys": [...]}`, `{"groups": {...}}`) as "label: a; b"."""
    parts = []
    for key, value in detail.items():
        label = str(KEY_LABELS.get(key, key)).capitalize()
        if isinstance(value, list):
            inner = "; ".join(
                f"{n}. {value_text(v, people=people)}" for n, v in enumerate(value, 1)
            )
            parts.append(f"{label}: {inner or EMPTY}")
        else:
            parts.append(f"{label}: {value_text(value, people=people)}")
    return " | ".join(parts)


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_long(value) -> bool:
    return isinstance(value, str) and ("\n" in value or "\r" in value or len(value) > LONG_TEXT)


def _diff(old, new) -> list[tuple[str, str]]:
    before = _one_line(old or "").split("\n")
    after = _one_line(new or "").split("\n")
    lines = []
    for line in difflib.ndiff(before, after):
        mark = line[:1]
        if mark in "+- ":
            lines.append((mark, line[2:]))
    return lines


# --------------------------------------------------------------------------- rows


def change_lines(event, people: dict | None = None) -> list[ChangeLine]:
    """The readable lines of one row; `people` from `people_for` over the page's rows."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    models_ = [model_for(event.subject_type), model_for(getattr(event, "parent_type", ""))]
    lines = []
    for key, value in changes.items():
        fields = [_field(model, key) for model in models_]
        model_field = next((f for f in fields if f is not None), None)
        person = _is_person(key, model_field)
        label = _label(key, fields)
        if isinstance(value, list) and len(value) == 2 and not isinstance(value[0], (dict, list)):
            old, new = value
            if _is_long(old) or _is_long(new):
                lines.append(ChangeLine(label=label, diff=_diff(old, new)))
                continue
            args = {"model_field": model_field, "person": person, "people": people}
            text = value_text(old, **args) + ARROW + value_text(new, **args)
        else:
            text = value_text(value, model_field=model_field, person=person, people=people)
        lines.append(ChangeLine(label=label, text=text))
    return lines


def annotate(events) -> list:
    """Give each row its `change_lines`, resolving the people of all rows in one query."""
    events = list(events)
    people = people_for(events)
    for event in events:
        event.change_lines = change_lines(event, people)
    return events


def changes_text(lines: list[ChangeLine]) -> str:
    """The lines as plain text (the CSV's "Chi tiết"): diffs keep real line breaks."""
    parts = []
    for line in lines:
        if line.diff:
            body = "\n".join(f"{mark} {text}" for mark, text in line.diff)
            parts.append(f"{line.label}:\n{body}")
        else:
            parts.append(f"{line.label}: {line.text}")
    return "; ".join(parts)
