"""Agency-schema fixtures shared with the quality tests."""

from tests.quality.conftest import eager, in_a  # noqa: F401
