"""Fixtures shared with the quality tests."""

from tests.quality.conftest import eager  # noqa: F401
