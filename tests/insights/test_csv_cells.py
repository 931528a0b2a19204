"""The department's CSV exports: names typed by people never become spreadsheet formulas,
numbers (negative ones too) stay numbers."""

from __future__ import annotations

import csv
import io

from insights.dashboard.tables import Column, Table, to_csv


def test_text_that_would_start_a_formula_is_neutralised_and_numbers_are_kept():
    table = Table("t", "T", [Column("name", "Cơ quan", "text"), Column("change", "Đổi", "int")])
    table.add(['=HYPERLINK("http://x.invalid","Sở A")', -5])
    table.add(["Sở Tư pháp", 12])
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows[0] == ["Cơ quan", "Đổi"]
    assert rows[1] == ['\'=HYPERLINK("http://x.invalid","Sở A")', "-5"]
    assert rows[2] == ["Sở Tư pháp", "12"]
