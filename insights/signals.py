"""Writes in an agency schema mark the agency dirty (see insights.services.dirty).

Receivers are connected per model, never globally: a post_delete receiver on a model turns
Django's fast bulk delete into a row-by-row one, so the high-volume rows rebuilt in bulk
(process-control sheets, daily statistics) and rows that are not figures (notifications,
provenance) are left out. Applications are written with bulk statements that send no signal;
`quality.procedures.services.applications` calls `mark_dirty()` itself.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from insights.services.dirty import mark_dirty

WATCHED_APPS = {
    "quality_core",
    "quality_documents",
    "quality_procedures",
    "quality_improvement",
    "quality_audits",
    "quality_risks",
    "quality_objectives",
    "quality_feedback",
    "quality_reviews",
    "quality_competence",
    "quality_transition",
}
WATCHED_MODELS = {("accounts", "user"), ("integrations", "inboxevent")}
IGNORED_MODELS = {
    ("quality_procedures", "handoff"),
    ("quality_procedures", "dailystat"),
    ("quality_procedures", "stepdailystat"),
    ("quality_core", "notification"),
    ("quality_core", "provenance"),
}


def watched_models() -> list:
    return [
        model
        for model in apps.get_models()
        if (
            model._meta.app_label in WATCHED_APPS
            or (model._meta.app_label, model._meta.model_name) in WATCHED_MODELS
        )
        and (model._meta.app_label, model._meta.model_name) not in IGNORED_MODELS
    ]


def _changed(sender, instance=None, raw=False, **kwargs):
    if raw:  # fixtures and loaddata: whoever loads data refreshes afterwards
        return
    mark_dirty()


for _model in watched_models():
    post_save.connect(_changed, sender=_model, dispatch_uid=f"insights-save-{_model._meta.label}")
    post_delete.connect(
        _changed, sender=_model, dispatch_uid=f"insights-delete-{_model._meta.label}"
    )
