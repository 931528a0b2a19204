"""Numbers as Vietnamese documents write them, whatever the language of the request.

Reports, minutes and forms that leave the platform are Vietnamese documents: thousands
are grouped with a dot and decimals follow a comma ("1.545", "84,9%"), as the pages show
them in Vietnamese. "—" stands for a figure that does not exist.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"


def vn_number(value, decimals: int | None = None) -> str:
    """`1545` -> "1.545"; `Decimal("84.93")`, 1 -> "84,9"; None -> "—"."""
    if value is None or value == "":
        return MISSING
    number = Decimal(str(value))
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


def vn_percent(value, decimals: int = 1) -> str:
    """`Decimal("84.9")` -> "84,9%"; None -> "—"."""
    if value is None or value == "":
        return MISSING
    return vn_number(value, decimals) + "%"
