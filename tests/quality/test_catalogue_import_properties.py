"""Properties of the procedure catalogue import (hypothesis): any CSV or XLSX file ends in a
report listing every wrong row, or a ValidationError about the file; never an exception,
and nothing is imported unless every row is right."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quality.procedures.models import Procedure, ProcedureVersion
from quality.procedures.services import catalogue

FILES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
numbers = st.sampled_from(
    ["", "5", "0", "-1", "2,5", "NaN", "sNaN", "Infinity", "-Infinity", "1e9", "1e30", "9" * 30]
)
cells = st.one_of(
    numbers,
    st.sampled_from(["x", "province", "commune", "restart", "pause", "01/01/2026", "2026-13-45"]),
    st.text(max_size=20),
)
header = st.lists(st.sampled_from(catalogue.COLUMNS + ("step1_name", "step1_hours", "ghi chú")))


@st.composite
def tables(draw):
    head = ["code", "name", *draw(header)]
    body = draw(st.lists(st.lists(cells, min_size=len(head), max_size=len(head)), max_size=4))
    return [head, *body]


@st.composite
def files(draw):
    table = draw(tables())
    kind = draw(st.sampled_from(["csv", "xlsx", "xlsx-steps", "bytes"]))
    if kind == "bytes":
        return draw(st.sampled_from(["a.csv", "a.xlsx"])), draw(st.binary(max_size=300))
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(table)
        return "a.csv", out.getvalue().encode()
    book = openpyxl.Workbook()
    for row in table:
        book.active.append(["".join(c for c in v if c >= " ") for v in row])
    if kind == "xlsx-steps":
        steps = book.create_sheet("steps")
        steps.append(["code", "order", "name", "unit", "hours"])
        for row in draw(st.lists(st.lists(cells, min_size=5, max_size=5), max_size=3)):
            steps.append(["".join(c for c in v if c >= " ") for v in row])
    out = io.BytesIO()
    book.save(out)
    return "a.xlsx", out.getvalue()


HEAD = "code,name,limit_days,limit_hours,fee,document_code,step1_name,step1_hours\n"


@FILES
@example(upload=("nan.csv", (HEAD + "1.1,A,NaN,,,,B,1\n").encode()))
@example(upload=("inf.csv", (HEAD + "1.1,A,Infinity,,,,B,1\n").encode()))
@example(upload=("hours.csv", (HEAD + "1.1,A,,sNaN,,,B,1\n").encode()))
@example(upload=("fee.csv", (HEAD + "1.1,A,5,,1e30,,B,1\n").encode()))
@example(upload=("days.csv", (HEAD + "1.1,A,99999999999,,,,B,1\n").encode()))
@example(upload=("nul.csv", (HEAD + "1.\x001,A,5,,,D\x00,B,1\n").encode()))
@example(upload=("cr.csv", (HEAD + "1.1,A\r,5,,,,B,1\n").encode()))
@given(upload=files())
def test_an_import_is_all_or_nothing_with_a_message_per_wrong_row(in_a, upload):
    name, data = upload
    before = Procedure.objects.count(), ProcedureVersion.objects.count()
    try:
        report = catalogue.catalogue_import(actor=in_a.owner_a, name=name, data=data)
    except ValidationError as exc:
        assert exc.messages and all(m.strip() for m in exc.messages)
        assert (Procedure.objects.count(), ProcedureVersion.objects.count()) == before
        return
    if report.ok:
        assert report.created + report.versions == report.rows
        return
    assert (report.created, report.versions) == (0, 0)
    assert (Procedure.objects.count(), ProcedureVersion.objects.count()) == before
    for error in report.errors:
        assert error.row >= 1 and error.messages
        assert all(isinstance(m, str) and m.strip() for m in error.messages)
