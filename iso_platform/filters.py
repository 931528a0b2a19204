"""Query-parameter filters of the lists (django-filter): a value that cannot be what the
parameter means is a 400 naming the parameter, in Vietnamese, never a 500 from the database.

A list API sets `filterset_class` and keeps DRF's default `DjangoFilterBackend`, which
validates the parameters with the filter set's form before any query: `?unit=abc`,
`?unit=99999999999999999999` or `?status=bogus` answer `{"unit": ["..."]}` with a 400.
(NUL characters, which PostgreSQL cannot take in any text, are refused even earlier for every
parameter and form field: `iso_platform.middleware.MalformedInputMiddleware`.)
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

# PostgreSQL's bigint: the type of every id. A larger number is no id, not a database error.
ID_MAX = 2**63 - 1

MSG_ID = _("Cần một mã số (số nguyên dương).")
MSG_YEAR = _("Cần một năm (bốn chữ số).")
MSG_CHOICE = _("Giá trị “%(value)s” không có trong danh sách cho phép.")


class IdFilter(django_filters.NumberFilter):
    """An object's id: a positive whole number within bigint."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        message = {"invalid": MSG_ID, "min_value": MSG_ID, "max_value": MSG_ID}
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        kwargs.setdefault("error_messages", message)
        super().__init__(*args, **kwargs)


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        message = {"invalid": MSG_YEAR, "min_value": MSG_YEAR, "max_value": MSG_YEAR}
        kwargs.update(min_value=1900, max_value=2999, error_messages=message)
        super().__init__(*args, **kwargs)


class ChoiceFilter(django_filters.ChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {"invalid_choice": MSG_CHOICE})
        super().__init__(*args, **kwargs)


def is_yes(value: str) -> bool:
    """A yes/no parameter as the API has always read it: 1, true, yes, on (any case)."""
    return value.strip().lower() in ("1", "true", "yes", "on")
