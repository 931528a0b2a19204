"""`{% load onboarding_checklist %}{% checklist_progress %}`: the agency's first-run progress
bar on the portal dashboard, for agency administrators, until the checklist is complete."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.db import connection

from onboarding.services.checklist import checklist_bar

register = template.Library()


@register.inclusion_tag("onboarding/_checklist_progress.html", takes_context=True)
def checklist_progress(context):
    user = context.get("user")
    if (
        user is None
        or not user.is_authenticated
        or not getattr(user, "is_agency_admin", False)
        or connection.schema_name == settings.PUBLIC_SCHEMA_NAME
    ):
        return {"progress": None}

    return {"progress": checklist_bar()}
