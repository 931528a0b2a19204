"""Writing the audit trails from platform code: sign-ins, exports, operations on agencies.

Two trails, both append-only (a database trigger refuses UPDATE and DELETE):

- the platform audit log (`tenants.PlatformAuditEvent`, public schema): what happens on the
  province console and to agencies as a whole;
- each agency's own trail (`quality.core.AuditEvent`, in its schema): what its people do,
  plus a copy of the platform operations that affect the agency (suspended, merged into,
  exported...), so the agency's administrator sees them too.

The kernel decides what goes into a row and which trail takes it; the two tables belong to
the layers above, which plug in their writers when they start (`writer_register` in
`tenants` and `quality.core` AppConfig.ready), so every layer can record without knowing them.

Every function writes in the caller's transaction. Nothing secret is ever recorded: no
password, no token, no key secret; a sign-in keeps the address and the browser only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from iso_platform.net import client_ip

# Appended to a provincial person's name in an agency's trail: their id means nothing there
# (people of the console are rows of the public user table), so the row keeps no actor_id.
PROVINCE_SUFFIX = " (cấp tỉnh)"
USER_AGENT_MAX = 300


PLATFORM = "platform"
AGENCY = "agency"
_writers: dict[str, Callable[..., Any]] = {}


def writer_register(trail: str, write: Callable[..., Any]) -> None:
    """`write(**columns)` appends one row to `trail` (PLATFORM or AGENCY) and returns it."""
    _writers[trail] = write


def _write(trail: str, **columns):
    try:
        write = _writers[trail]
    except KeyError:
        raise RuntimeError(f"no writer registered for the {trail} audit trail") from None
    return write(**columns)


def person_label(actor) -> str:
    """How a person is named in a trail: "Name <e-mail>", or "hệ thống" for the system."""
    if actor is None:
        return "hệ thống"
    return f"{actor.full_name} <{actor.email}>" if getattr(actor, "email", "") else str(actor)


def jsonable(value):
    """`value` with everything JSON cannot hold turned into text (dates, ids, decimals)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def actor_label(actor) -> str:
    return person_label(actor)[:254]


def _jsonable(changes: dict | None) -> dict:
    return jsonable(changes or {})


def origin(request) -> tuple[str | None, str]:
    """The visitor's address (as axes sees it) and browser, or (None, "")."""
    if request is None:
        return None, ""
    address = client_ip(request)
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        address = None
    return address, (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]


def in_public() -> bool:
    return connection.schema_name == settings.PUBLIC_SCHEMA_NAME


def _row(*, actor_id, label: str, action, subject_type, subject_id, subject_label, changes):
    """The columns both trails share, cut to their sizes."""
    return {
        "actor_id": actor_id,
        "actor_label": label[:254],
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id or "")[:64],
        "subject_label": str(subject_label or "")[:300],
        "changes": _jsonable(changes),
    }


def platform_record(
    *,
    action: str,
    subject_type: str,
    subject_id="",
    subject_label: str = "",
    actor=None,
    label: str | None = None,
    agency=None,
    changes: dict | None = None,
    request=None,
):
    """Append one row to the platform audit log."""
    address, agent = origin(request)
    return _write(
        PLATFORM,
        **_row(
            actor_id=getattr(actor, "pk", None),
            label=label if label is not None else actor_label(actor),
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            subject_label=subject_label,
            changes=changes,
        ),
        agency_code=agency.code if agency is not None else "",
        ip_address=address,
        user_agent=agent,
    )


def agency_trail_record(
    *,
    agency,
    action: str,
    subject_type: str,
    subject_id="",
    subject_label: str = "",
    actor=None,
    changes: dict | None = None,
):
    """Copy a platform operation into `agency`'s own trail (its schema), by a provincial
    person (or the system)."""
    if agency.is_public:
        return None
    label = actor_label(actor) + (PROVINCE_SUFFIX if actor is not None else "")
    with schema_context(agency.schema_name):
        return _write(
            AGENCY,
            **_row(
                actor_id=None,
                label=label,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                subject_label=subject_label,
                changes=changes,
            ),
        )


def here_record(
    *,
    action: str,
    subject_type: str,
    subject_id="",
    subject_label: str = "",
    actor=None,
    label: str | None = None,
    changes: dict | None = None,
    request=None,
):
    """Append to the trail of the schema in use: the platform log on the console, the
    agency's trail on an agency's host (where the address and browser go into `changes`)."""
    subject = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject_label": subject_label,
    }
    if in_public():
        return platform_record(
            action=action, actor=actor, label=label, changes=changes, request=request, **subject
        )
    changes = dict(changes or {})
    if request is not None:
        address, agent = origin(request)
        changes.update(ip=address, user_agent=agent)
    return _write(
        AGENCY,
        **_row(
            actor_id=getattr(actor, "pk", None),
            label=label if label is not None else actor_label(actor),
            action=action,
            changes=changes,
            **subject,
        ),
    )


def export_record(*, request, kind: str, filename: str, agency=None, **extra):
    """Someone downloaded an export (a report, a statistics table, an agency's archive).

    Recorded where it was made; an export of one agency's data made on the console is
    also copied into that agency's trail."""
    changes = {"file": filename, "path": request.path[:300], **extra}
    user = request.user if request.user.is_authenticated else None
    if in_public():
        platform_record(
            action="export",
            subject_type=kind,
            subject_label=filename,
            actor=user,
            agency=agency,
            changes=changes,
            request=request,
        )
        if agency is not None:
            agency_trail_record(
                agency=agency,
                action="export",
                subject_type=kind,
                subject_label=filename,
                actor=user,
                changes=changes,
            )
        return
    here_record(
        action="export",
        subject_type=kind,
        subject_label=filename,
        actor=user,
        changes=changes,
        request=request,
    )
