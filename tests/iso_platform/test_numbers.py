"""Numbers in the documents the platform issues are written the Vietnamese way."""

from decimal import Decimal

import pytest

from iso_platform.numbers import vn_number, vn_percent


@pytest.mark.parametrize(
    "value,decimals,expected",
    [
        (1545, None, "1.545"),
        (Decimal("84.93"), 1, "84,9"),
        (Decimal("84.95"), 1, "85,0"),  # half up, as people round
        (Decimal("80"), None, "80"),
        (Decimal("8E+1"), None, "80"),
        (-1234567.5, None, "-1.234.567,5"),
        (Decimal("0.5"), None, "0,5"),
        (None, 1, "—"),
    ],
)
def test_numbers(value, decimals, expected):
    assert vn_number(value, decimals) == expected


def test_percentages():
    assert vn_percent(Decimal("84.9")) == "84,9%"
    assert vn_percent(Decimal("100"), 0) == "100%"
    assert vn_percent(None) == "—"
