"""Filled in by issue 7 (statistics_api)."""

from django.urls import path  # noqa: F401

app_name = "statistics_api"

urlpatterns: list = []
