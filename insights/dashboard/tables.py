"""The dashboard's tables: built once from the selectors, rendered on the page and written
as XLSX or CSV from the very same rows, so an export always says what the page says."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from insights.selectors.rankings import Indicator
from iso_platform import spreadsheets
from iso_platform.text import fold

COLOUR_CSS = {
    "green": "text-bg-success",
    "amber": "text-bg-warning",
    "red": "text-bg-danger",
    "grey": "text-bg-secondary",
}
FRESHNESS_CSS = {
    "fresh": "text-bg-light border",
    "pending": "text-bg-info",
    "stale": "text-bg-warning",
    "error": "text-bg-danger",
    "never": "text-bg-secondary",
}


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # text, agency, int, rate, score, datetime, colour, freshness, bool

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "rate", "score")


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    meta: list[dict] = field(default_factory=list)  # per row: agency code, colour...
    total: int | None = None  # rows before the page's limit, when limited

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.rows)

    def add(self, values: list, **meta) -> None:
        self.rows.append(values)
        self.meta.append(meta)

    @property
    def render_rows(self):
        for values, meta in zip(self.rows, self.meta, strict=True):
            yield {"cells": list(zip(self.columns, values, strict=True)), **meta}

    def header(self) -> list[str]:
        return [c.label for c in self.columns]

    @property
    def file_name(self) -> str:
        """The title without diacritics, for file names ("xep-hang-ty-le-dung-han")."""
        return slugify(fold(str(self.title)))[:60] or self.key


def _cell(value):
    """What a file cell holds: booleans in words; the rest as it is (the spreadsheet writer
    keeps numbers and dates typed and every text a text)."""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    return value


def to_xlsx(table: Table) -> bytes:
    return spreadsheets.xlsx_bytes(
        ([_cell(v) for v in values] for values in table.rows),
        title=str(table.title),
        header=table.header(),
    )


def to_csv(table: Table) -> bytes:
    return spreadsheets.csv_bytes(
        ([_cell(v) for v in values] for values in table.rows), header=table.header()
    )


# --------------------------------------------------------------------------- columns

FLOW_COLUMNS = [
    ("received", gettext_noop("Tiếp nhận"), "int"),
    ("completed", gettext_noop("Có kết quả"), "int"),
    ("early", gettext_noop("Trước hạn"), "int"),
    ("on_time", gettext_noop("Đúng hạn"), "int"),
    ("late", gettext_noop("Trễ hạn"), "int"),
    ("on_time_rate", gettext_noop("Tỷ lệ đúng và trước hạn (%)"), "rate"),
    ("ncs_opened", gettext_noop("Điểm không phù hợp mới"), "int"),
    ("ncs_closed", gettext_noop("Điểm không phù hợp đã đóng"), "int"),
    ("satisfaction_responses", gettext_noop("Lượt đánh giá hài lòng"), "int"),
    ("satisfaction_score", gettext_noop("Điểm hài lòng (1–5)"), "score"),
]
GROUP_COLUMNS = [
    ("agencies", gettext_noop("Số cơ quan"), "int"),
    ("received", gettext_noop("Tiếp nhận"), "int"),
    ("completed", gettext_noop("Có kết quả"), "int"),
    ("late", gettext_noop("Trễ hạn"), "int"),
    ("on_time_rate", gettext_noop("Tỷ lệ đúng và trước hạn (%)"), "rate"),
    ("overdue_now", gettext_noop("Đang quá hạn"), "int"),
    ("ncs_overdue", gettext_noop("Điểm không phù hợp quá hạn"), "int"),
    ("actions_overdue", gettext_noop("Hành động khắc phục quá hạn"), "int"),
    ("documents_review_overdue", gettext_noop("Tài liệu quá hạn rà soát"), "int"),
    ("audits_done", gettext_noop("Đánh giá nội bộ đã thực hiện"), "int"),
    ("satisfaction_score", gettext_noop("Điểm hài lòng (1–5)"), "score"),
]
CURRENT_COLUMNS = [
    ("overdue_now", gettext_noop("Hồ sơ đang quá hạn"), "int"),
    ("in_progress", gettext_noop("Hồ sơ đang giải quyết"), "int"),
    ("ncs_open", gettext_noop("Điểm không phù hợp đang mở"), "int"),
    ("ncs_overdue", gettext_noop("Điểm không phù hợp quá hạn"), "int"),
    ("actions_overdue", gettext_noop("Hành động khắc phục quá hạn"), "int"),
    ("audits_planned", gettext_noop("Cuộc đánh giá nội bộ theo kế hoạch (năm)"), "int"),
    ("audits_done", gettext_noop("Cuộc đánh giá nội bộ đã thực hiện (năm)"), "int"),
    ("documents_in_force", gettext_noop("Tài liệu đang hiệu lực"), "int"),
    ("documents_review_overdue", gettext_noop("Tài liệu quá hạn rà soát"), "int"),
    ("objectives_met", gettext_noop("Mục tiêu chất lượng đạt (năm)"), "int"),
    ("objectives_missed", gettext_noop("Mục tiêu chất lượng không đạt (năm)"), "int"),
    ("users", gettext_noop("Người dùng"), "int"),
    ("active_users_30d", gettext_noop("Người dùng hoạt động (30 ngày)"), "int"),
    ("staff_trained", gettext_noop("Cán bộ được đào tạo (năm)"), "int"),
]


def _columns(spec) -> list[Column]:
    return [Column(key, _(label), kind) for key, label, kind in spec]


# --------------------------------------------------------------------------- tables


def totals_table(totals: dict) -> Table:
    table = Table(
        "totals",
        _("Tổng hợp toàn tỉnh"),
        [Column("label", _("Chỉ tiêu"), "text"), Column("value", _("Giá trị"), "number")],
    )
    table.add([_("Số cơ quan được tính"), totals["agencies"]])
    for key, label, _kind in FLOW_COLUMNS:
        table.add([_(label), totals[key]])
    for key, label, _kind in CURRENT_COLUMNS:
        table.add([_(label), totals[key]])
    table.add([_("Cơ quan đã họp xem xét của lãnh đạo (năm)"), totals["reviews_held"]])
    table.add([_("Cơ quan có lỗi cập nhật số liệu"), totals["refresh_errors"]])
    return table


def trend_table(trend: list[dict], *, key: str = "trend", title: str | None = None) -> Table:
    table = Table(
        key,
        title or _("Diễn biến theo tháng"),
        [Column("label", _("Tháng"), "text"), *_columns(FLOW_COLUMNS)],
    )
    for row in trend:
        table.add([row["label"], *(row[k] for k, _l, _k in FLOW_COLUMNS)])
    return table


def ranking_table(ranking: list[dict], indicator: Indicator, *, limit: int | None = None) -> Table:
    table = Table(
        "ranking",
        _("Xếp hạng: %(indicator)s") % {"indicator": indicator.label},
        [
            Column("rank", _("Hạng"), "int"),
            Column("name", _("Cơ quan"), "agency"),
            Column("kind", _("Loại"), "text"),
            Column("parent", _("Cơ quan cấp trên"), "text"),
            Column(
                "value",
                str(indicator.label),
                indicator.unit if indicator.unit != "count" else "int",
            ),
        ],
    )
    for row in ranking[:limit]:
        table.add(
            [row["rank"], row["name"], row["kind_label"], row["parent"], row["value"]],
            code=row["code"],
        )
    table.total = len(ranking)
    return table


def breakdown_table(rows: list[dict], *, by: str) -> Table:
    title = _("Theo loại cơ quan") if by == "kind" else _("Theo cơ quan cấp trên")
    first = _("Loại cơ quan") if by == "kind" else _("Cơ quan cấp trên")
    table = Table(f"by_{by}", title, [Column("label", first, "text"), *_columns(GROUP_COLUMNS)])
    for row in rows:
        table.add([row["label"], *(row[k] for k, _l, _k in GROUP_COLUMNS)], key=row["key"])
    return table


def fields_table(rows: list[dict], *, key: str = "fields") -> Table:
    table = Table(
        key,
        _("Tỷ lệ đúng hạn theo lĩnh vực thủ tục"),
        [
            Column("field", _("Lĩnh vực"), "text"),
            Column("agencies", _("Số cơ quan"), "int"),
            Column("completed", _("Có kết quả"), "int"),
            Column("in_time", _("Đúng và trước hạn"), "int"),
            Column("late", _("Trễ hạn"), "int"),
            Column("on_time_rate", _("Tỷ lệ đúng và trước hạn (%)"), "rate"),
        ],
    )
    for row in rows:
        table.add([row[c.key] for c in table.columns])
    return table


SEVERITY = {"red": 0, "amber": 1, "grey": 2, "green": 3}


def grid_table(grid: list[dict], *, limit: int | None = None) -> Table:
    """The agencies needing attention first (red, amber, grey, then green)."""
    table = Table(
        "grid",
        _("Tình trạng từng cơ quan"),
        [
            Column("name", _("Cơ quan"), "agency"),
            Column("kind", _("Loại"), "text"),
            Column("colour", _("Đánh giá"), "colour"),
            Column("reasons", _("Lý do"), "text"),
            Column("overdue_now", _("Đang quá hạn"), "int"),
            Column("ncs_overdue", _("Điểm không phù hợp quá hạn"), "int"),
            Column("actions_overdue", _("Hành động khắc phục quá hạn"), "int"),
            Column("documents_review_overdue", _("Tài liệu quá hạn rà soát"), "int"),
            Column("audits_done", _("Đánh giá nội bộ đã thực hiện"), "int"),
            Column("edition", _("Phiên bản tiêu chuẩn"), "text"),
            Column("transition_percent", _("Tiến độ chuyển đổi (%)"), "rate"),
            Column("transition_deadline", _("Hạn chuyển đổi"), "text"),
            Column("refreshed_at", _("Cập nhật lúc"), "datetime"),
            Column("freshness", _("Tình trạng cập nhật"), "freshness"),
            Column("dirty_since", _("Chờ cập nhật từ"), "datetime"),
            Column("last_error", _("Lỗi cập nhật"), "text"),
        ],
    )
    ordered = sorted(grid, key=lambda r: SEVERITY[r["colour"]])  # stable: by name within
    for row in ordered[:limit]:
        table.add(
            [
                row["name"],
                row["kind_label"],
                row["colour_label"],
                "; ".join(row["reasons"]),
                row["overdue_now"],
                row["ncs_overdue"],
                row["actions_overdue"],
                row["documents_review_overdue"],
                row["audits_done"],
                row["edition_name"],
                row["transition_percent"],
                row["transition_deadline"].strftime("%d/%m/%Y")
                if row["transition_deadline"]
                else "",
                row["refreshed_at"],
                row["freshness_label"],
                row["dirty_since"],
                row["last_error"] or "",
            ],
            code=row["code"],
            colour=row["colour"],
            colour_css=COLOUR_CSS[row["colour"]],
            freshness=row["freshness"],
            freshness_css=FRESHNESS_CSS[row["freshness"]],
        )
    table.total = len(grid)
    return table


def current_table(current: dict | None) -> Table:
    table = Table(
        "current",
        _("Số liệu hiện tại"),
        [Column("label", _("Chỉ tiêu"), "text"), Column("value", _("Giá trị"), "number")],
    )
    if current:
        for key, label, _kind in CURRENT_COLUMNS:
            table.add([_(label), current[key]])
        table.add([_("Đã họp xem xét của lãnh đạo (năm)"), bool(current["review_held"])])
    return table
