"""Reads of the province-wide statistics: pure functions over the public fact tables.

Nothing here opens an agency's schema. Every function aggregates in SQL, once per call
(a handful of queries, none per agency), and returns plain dicts and lists.

Periods are closed ranges of days `[period_from, period_to]`. Whole months inside the
range are read from the month facts; only the days of a month cut by either end come
from the day facts, so a year is 12 rows per agency, not 365. Procedure-field figures
exist per month only (`FieldFact`): for them the range is widened to whole months.

Which agencies count: every agency except the public one (the province itself), archived
agencies, agencies merged into another and agencies still being provisioned
(`counted_agencies`). Suspended agencies still count: their figures are real.

Rates are Decimal percentages with one decimal (early + on time) / completed; a rate with
nothing completed is None, never a division by zero. Satisfaction scores are averages of
the 1 to 5 scores, two decimals.
"""
