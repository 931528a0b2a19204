"""Filled in by issue 7 (province_report)."""

from django.urls import path  # noqa: F401

app_name = "province_report"

urlpatterns: list = []
