"""Form fields shared by the apps, and how a service's ValidationError reaches a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """A model choice list read with one ordinary query.

    Django reads the choices with `QuerySet.iterator()`, which on PostgreSQL opens a
    server-side cursor (DECLARE ... WITH HOLD, FETCH, CLOSE: three round trips and a copy of
    the rows) for what is a list of a few dozen units, people or procedures, and counts them
    with another query when a template asks for the length (`{% for %}` does). Here the rows
    are read once per iterator, that is once per form: every form (each request's own) gets
    a new one, so the choices are still read afresh for every page.
    """

    _rows = None

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._read():
            yield self.choice(obj)

    def __len__(self):
        return len(self._read()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._read())

    def _read(self) -> list:
        if self._rows is None:
            self._rows = list(self.queryset.all())
        return self._rows


class ModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListedChoiceIterator


def form_errors(form) -> str:
    """A bound form's errors as one line, each prefixed by its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


def error_text(exc: ValidationError) -> str:
    """A ValidationError's messages as one line (for a flash message or an API answer)."""
    return " ".join(exc.messages)


def add_errors(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: each field's errors on that field where
    the form has it (`fields` renames the service's field names to the form's), the rest on
    the form as a whole."""
    fields = fields or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = fields.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
