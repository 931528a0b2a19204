"""Integer money and calendar helpers (dong, Asia/Ho_Chi_Minh days).

Rounding rule everywhere: half up to a whole dong (0.5 dong and more goes up). Amounts are
never negative when rounded (credit notes negate amounts already rounded).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers only (both non-negative)."""
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        raise TypeError("integers only in money")
    if numerator < 0 or denominator <= 0:
        raise ValueError("non-negative numerator and positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def prorate(*, monthly_price: int, days: int, days_in_month: int) -> int:
    """price × days used / days in month, rounded half up to a whole dong."""
    return round_half_up(monthly_price * days, days_in_month)


def vat(*, amount: int, vat_permille: int) -> int:
    """VAT of a sum of line amounts at one rate, rounded half up to a whole dong."""
    return round_half_up(amount * vat_permille, 1000)


def local_today() -> date:
    return timezone.localdate()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in the project's time zone (Asia/Ho_Chi_Minh)."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)
    return start, end


def format_vnd(amount: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands separator)."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_GROUPS = ["", " nghìn", " triệu", " tỷ"]


def _three(n: int, full: bool) -> str:
    """Read 0..999; `full` when a higher group precedes (so 5 reads 'không trăm linh năm')."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens > 1:
        words += [_DIGITS[tens], "mươi"]
    elif tens == 1:
        words.append("mười")
    elif units and (hundreds or full):
        words.append("linh")
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        elif units == 4 and tens > 1:
            words.append("tư")
        else:
            words.append(_DIGITS[units])
    return " ".join(words)


def amount_in_words(amount: int) -> str:
    """Vietnamese reading of a whole number of dong: 1250000 -> 'Một triệu hai trăm năm mươi
    nghìn đồng'. Groups above 'tỷ' repeat 'tỷ' (1 000 tỷ = 'một nghìn tỷ')."""
    if amount == 0:
        return "Không đồng"
    negative = amount < 0
    amount = abs(amount)
    parts = []
    billions, below = divmod(amount, 10**9)
    if billions:
        parts.append(amount_in_words(billions)[:-5].lower() + " tỷ")  # drop " đồng"
    groups = []
    while below:
        below, group = divmod(below, 1000)
        groups.append(group)
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        full = bool(parts) or index < len(groups) - 1
        parts.append(_three(group, full) + _GROUPS[index])
    text = " ".join(parts) + " đồng"
    if negative:
        text = "âm " + text
    return text[0].upper() + text[1:]
