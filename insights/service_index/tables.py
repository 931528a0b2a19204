"""The service-index tables: shown on the pages and written as XLSX or CSV from the same
rows (`insights.dashboard.tables`, which writes through `iso_platform.spreadsheets`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from insights.dashboard.tables import Column, Table
from insights.selectors.service_index import INDICATORS


def _no_data(value):
    return _("Chưa có số liệu") if value is None else value


def ranking_table(rows: list[dict], *, month_label: str) -> Table:
    """Every agency's score in the month, with its points per indicator and what it lost."""
    columns = [
        Column("rank", _("Hạng"), "int"),
        Column("name", _("Cơ quan"), "agency"),
        Column("kind_label", _("Loại"), "text"),
        Column("score", _("Điểm đạt"), "score"),
        Column("attainable", _("Điểm tối đa tính được"), "int"),
        Column("percent", _("Tỷ lệ điểm (%)"), "rate"),
        *[
            Column(
                key,
                _("%(label)s (tối đa %(max)s)") % {"label": i.label, "max": i.max_points},
                "number",
            )
            for key, i in INDICATORS.items()
        ],
        Column("weakest", _("Mất nhiều điểm nhất"), "text"),
    ]
    table = Table(
        "index",
        _("Chỉ số phục vụ người dân, doanh nghiệp tháng %(m)s") % {"m": month_label},
        columns,
    )
    for row in rows:
        points = {r["key"]: r for r in row["indicators"]}
        table.add(
            [
                row["rank"],
                row["name"],
                row["kind_label"],
                row["score"],
                row["attainable"],
                row["percent"],
                *[_no_data(points[key]["points"]) for key in INDICATORS],
                "; ".join(lost_text(points[key]) for key in row["weakest"]),
            ],
            code=row["code"],
        )
    return table


def lost_text(indicator: dict) -> str:
    return _("%(label)s: mất %(lost)s điểm") % {
        "label": indicator["label"],
        "lost": indicator["lost"],
    }


def indicators_table(scored: dict, *, month_label: str) -> Table:
    """One agency's indicators in one month."""
    table = Table(
        "indicators",
        _("Các chỉ số tháng %(m)s") % {"m": month_label},
        [
            Column("group", _("Nhóm chỉ số"), "text"),
            Column("label", _("Chỉ số"), "text"),
            Column("part", _("Đạt"), "int"),
            Column("whole", _("Tổng số"), "int"),
            Column("rate", _("Tỷ lệ (%)"), "rate"),
            Column("points", _("Điểm"), "number"),
            Column("max_points", _("Điểm tối đa"), "int"),
            Column("lost", _("Điểm bị mất"), "number"),
        ],
    )
    for r in scored["indicators"]:
        table.add(
            [
                r["group_label"],
                r["label"],
                r["part"],
                r["whole"],
                r["rate"],
                _no_data(r["points"]),
                r["max_points"],
                _no_data(r["lost"]),
            ]
        )
    return table


def trend_table(trend: list[dict]) -> Table:
    table = Table(
        "trend",
        _("Chỉ số phục vụ theo tháng"),
        [
            Column("label", _("Tháng"), "text"),
            Column("score", _("Điểm đạt"), "score"),
            Column("attainable", _("Điểm tối đa tính được"), "int"),
            Column("percent", _("Tỷ lệ điểm (%)"), "rate"),
            Column("agencies_with_data", _("Số cơ quan có số liệu"), "int"),
        ],
    )
    for row in trend:
        table.add(
            [
                row["label"],
                row["score"],
                row["attainable"],
                row["percent"],
                row["agencies_with_data"],
            ]
        )
    return table


def not_computed_table(definitions: dict) -> Table:
    table = Table(
        "not_computed",
        _("Chỉ số cần dữ liệu eISO không có (không tính, không cho 0 điểm)"),
        [
            Column("group", _("Nhóm chỉ số"), "text"),
            Column("label", _("Chỉ số"), "text"),
            Column("needs", _("Dữ liệu cần có"), "text"),
            Column("max_points", _("Điểm tối đa"), "number"),
        ],
    )
    for m in definitions["not_computed"]:
        points = m["max_points"] if m["max_points"] is not None else _("chưa xác nhận")
        table.add([m["group_label"], m["label"], m["needs"], points])
    return table
