"""Integer money: half-up rounding, proration and VAT rules, amounts in Vietnamese words."""

import pytest

from billing.services.invoicing import DraftLine, totals
from billing.services.money import amount_in_words, format_vnd, prorate, round_half_up, vat


def test_round_half_up_in_integers_only():
    assert round_half_up(5, 10) == 1  # 0.5 goes up
    assert round_half_up(4, 10) == 0
    assert round_half_up(15, 10) == 2  # not banker's rounding (Python's round(1.5)=2, 2.5=2)
    assert round_half_up(25, 10) == 3
    with pytest.raises(TypeError):
        round_half_up(1.5, 1)


def test_proration_is_price_times_days_over_days_in_month_half_up():
    # 1 500 000 × 17 / 31 = 822 580.645… -> 822 581
    assert prorate(monthly_price=1_500_000, days=17, days_in_month=31) == 822_581
    # 2 500 005 × 21 / 30 = 1 750 003.5 -> 1 750 004 (half up)
    assert prorate(monthly_price=2_500_005, days=21, days_in_month=30) == 1_750_004
    # February 2028 (29 days): 1 000 000 × 1 / 29 = 34 482.758… -> 34 483
    assert prorate(monthly_price=1_000_000, days=1, days_in_month=29) == 34_483


def test_vat_is_rounded_half_up_to_whole_dong():
    assert vat(amount=822_581, vat_permille=100) == 82_258  # 82 258.1
    assert vat(amount=15, vat_permille=100) == 2  # 1.5 -> 2
    assert vat(amount=14, vat_permille=100) == 1  # 1.4 -> 1
    assert vat(amount=1_234_565, vat_permille=100) == 123_457  # 123 456.5 -> 123 457
    assert vat(amount=1_000_001, vat_permille=80) == 80_000  # 8 %: 80 000.08


def _line(amount, rate=100):
    return DraftLine(None, "base", "x", 1, amount, amount, rate)


def test_vat_is_computed_on_the_sum_per_rate_not_line_by_line():
    # line by line: 0.5 + 0.5 would round to 1 + 1 = 2; on the sum: 10 × 10 % = 1
    assert totals([_line(5), _line(5)]) == (10, 1, 11)
    # two rates: each group's VAT rounded on its own sum
    assert totals([_line(15, 100), _line(25, 80), _line(100, 80)]) == (140, 2 + 10, 152)


def test_amounts_in_vietnamese_words():
    assert amount_in_words(0) == "Không đồng"
    assert amount_in_words(904_839) == ("Chín trăm linh bốn nghìn tám trăm ba mươi chín đồng")
    assert amount_in_words(3_019_500) == "Ba triệu không trăm mười chín nghìn năm trăm đồng"
    assert amount_in_words(1_650_000) == "Một triệu sáu trăm năm mươi nghìn đồng"
    assert amount_in_words(21) == "Hai mươi mốt đồng"
    assert amount_in_words(25) == "Hai mươi lăm đồng"
    assert amount_in_words(2_000_000_000) == "Hai tỷ đồng"
    assert format_vnd(3_019_500) == "3.019.500"
    assert format_vnd(-5) == "-5"
