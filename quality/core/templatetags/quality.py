from django import template

from quality.core.audit_changes import annotate
from quality.core.audit_labels import action_label as label
from quality.core.permissions import can as _can
from quality.core.permissions import holds as _holds

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    """{% if user|can:"documents.manage" %}"""
    return _can(user, capability)


@register.filter
def holds(user, capability: str) -> bool:
    """{% if user|holds:"competence.manage" %}: the role grants it, even while the agency is
    read-only (a link to a page its managers still open, to read)."""
    return _holds(user, capability)


@register.filter
def action_label(action: str) -> str:

    return label(action)


STATUS_CSS = {
    # nonconformities
    "open": "text-bg-warning",
    "corrected": "text-bg-info",
    "analysed": "text-bg-info",
    "actions": "text-bg-primary",
    "verifying": "text-bg-secondary",
    "closed": "text-bg-success",
    # actions
    "done": "text-bg-info",
    "verified": "text-bg-success",
    "ineffective": "text-bg-danger",
    "cancelled": "text-bg-light",
    # audits, reviews, reports, risks
    "planned": "text-bg-secondary",
    "in_progress": "text-bg-primary",
    "reported": "text-bg-success",
    "draft": "text-bg-secondary",
    "held": "text-bg-success",
    "submitted": "text-bg-success",
    "treated": "text-bg-info",
    # audit grades
    "conformity": "text-bg-success",
    "observation": "text-bg-info",
    "minor": "text-bg-warning",
    "major": "text-bg-danger",
    "opportunity": "text-bg-primary",
}


@register.filter
def status_css(status: str) -> str:
    """Bootstrap badge classes for a status or grade code."""
    return STATUS_CSS.get(status, "text-bg-light")


@register.filter
def pairs(mapping) -> list:
    """`{% for k, v in d|pairs %}`: safe when the dict has a key named "items"."""
    return list(mapping.items()) if isinstance(mapping, dict) else []


@register.simple_tag
def trail_rows(events) -> list:
    """`{% trail_rows audit as audit %}`: the rows with readable `change_lines`, the people
    they name resolved in one query for the whole list."""

    return annotate(events)
