from django import template

from quality.core.permissions import can as _can

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    """{% if user|can:"documents.manage" %}"""
    return _can(user, capability)


@register.filter
def action_label(action: str) -> str:
    from quality.core.audit_labels import ACTION_LABELS

    return ACTION_LABELS.get(action, action)
