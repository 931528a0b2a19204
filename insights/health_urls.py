"""Filled in by issue 7 (health)."""

from django.urls import path  # noqa: F401

app_name = "health"

urlpatterns: list = []
