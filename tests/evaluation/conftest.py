"""Fixtures shared with the quality tests (the `world` fixture comes from tests/conftest.py)."""

from tests.quality.conftest import eager, in_a  # noqa: F401
