"""The service quality index (Decision 766/QĐ-TTg of 23/6/2022), on what eISO holds.

The decision scores an agency out of 100 over five groups of indicators; most of them need
data only the national public-service portal and the one-stop systems hold (publication of
procedures, synchronisation, online payment, digitised records, citizens' petitions). eISO
computes the indicators it has the data for, per agency and month, from the public table
`ServiceIndexMonth` (filled by the statistics refresh), and says which ones it cannot.

Rules, so that scores compare:
- an indicator's points are its maximum times its rate (the decision grades some against
  the targets of Resolution 76/NQ-CP; see docs/service-quality-index.md);
- an indicator with nothing to count in the month (no application judged, no answer) has
  no data: it is left out of both the score and the attainable maximum, never scored 0;
- an indicator eISO cannot compute (`NOT_HELD`) is listed, never counted.
The total is "score / attainable" points over the indicators with data, and its percent.

`service_index(agency_ids, months)` is the stable read for other packages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from insights.models import ServiceIndexMonth
from insights.selectors.common import counted_agencies, kind_label, rate
from iso_platform.months import add_months

DECISION = "766/QĐ-TTg"
COUNT_FIELDS = ("completed", "in_time", "late", "received", "online", "responses", "dissatisfied")
CENT = Decimal("0.01")

GROUPS = {
    "publicity": _("Công khai, minh bạch"),
    "progress": _("Tiến độ, kết quả giải quyết"),
    "digitisation": _("Số hóa hồ sơ"),
    "online": _("Cung cấp dịch vụ trực tuyến"),
    "satisfaction": _("Mức độ hài lòng"),
}


@dataclass(frozen=True)
class IndexIndicator:
    key: str
    group: str
    label: str
    max_points: int
    points_confirmed: bool  # the maximum was confirmed in a published source (see the docs)
    numerator: str  # counts of ServiceIndexMonth
    denominator: str
    definition: str

    def rate(self, counts: dict) -> Decimal | None:
        return rate(self.part(counts), counts.get(self.denominator) or 0)

    def part(self, counts: dict) -> int:
        if self.numerator == "satisfied":
            return (counts.get("responses") or 0) - (counts.get("dissatisfied") or 0)
        return counts.get(self.numerator) or 0


INDICATORS = {
    i.key: i
    for i in (
        IndexIndicator(
            key="on_time",
            group="progress",
            label=_("Tỷ lệ hồ sơ giải quyết đúng hạn"),
            max_points=20,
            points_confirmed=True,
            numerator="in_time",
            denominator="completed",
            definition=_(
                "Hồ sơ có kết quả trong tháng trước hạn hoặc đúng hạn / hồ sơ có kết quả "
                "trong tháng (đã xác định trước hạn, đúng hạn hay trễ hạn)."
            ),
        ),
        IndexIndicator(
            key="online_applications",
            group="online",
            label=_("Tỷ lệ hồ sơ nộp trực tuyến"),
            max_points=12,
            points_confirmed=False,
            numerator="online",
            denominator="received",
            definition=_(
                "Hồ sơ tiếp nhận trong tháng qua hình thức trực tuyến / hồ sơ tiếp nhận "
                "trong tháng (mọi thủ tục: eISO chưa lưu mức độ dịch vụ công trực tuyến "
                "của thủ tục)."
            ),
        ),
        IndexIndicator(
            key="satisfaction",
            group="satisfaction",
            label=_("Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC"),
            max_points=6,
            points_confirmed=True,
            numerator="satisfied",
            denominator="responses",
            definition=_(
                "(Lượt đánh giá trong tháng − lượt không hài lòng, điểm chung 1 hoặc 2) / "
                "lượt đánh giá trong tháng."
            ),
        ),
    )
}


@dataclass(frozen=True)
class MissingIndicator:
    group: str
    label: str
    needs: str
    max_points: int | None  # None: not confirmed in a published source


NOT_HELD = (
    MissingIndicator(
        "publicity",
        _("Thủ tục hành chính được cập nhật, công khai đúng hạn"),
        _("Ngày công bố, công khai thủ tục trên Cơ sở dữ liệu quốc gia về TTHC"),
        4,
    ),
    MissingIndicator(
        "publicity",
        _("Các chỉ số thành phần khác của nhóm Công khai, minh bạch"),
        _("Dữ liệu đồng bộ, công khai hồ sơ trên Cổng Dịch vụ công quốc gia"),
        14,
    ),
    MissingIndicator(
        "online",
        _("Thủ tục cung cấp dịch vụ công trực tuyến"),
        _("Mức độ dịch vụ công trực tuyến của từng thủ tục"),
        None,
    ),
    MissingIndicator(
        "online",
        _("Thanh toán trực tuyến"),
        _("Giao dịch thanh toán phí, lệ phí trực tuyến"),
        None,
    ),
    MissingIndicator(
        "digitisation",
        _("Số hóa hồ sơ, kết quả giải quyết TTHC"),
        _("Dữ liệu số hóa hồ sơ và cấp kết quả điện tử của hệ thống một cửa"),
        None,
    ),
    MissingIndicator(
        "satisfaction",
        _("Phản ánh, kiến nghị xử lý đúng hạn và hài lòng trong xử lý phản ánh, kiến nghị"),
        _("Phản ánh, kiến nghị trên hệ thống tiếp nhận phản ánh, kiến nghị"),
        12,
    ),
)


def _points(maximum: int, part: int, whole: int) -> Decimal | None:
    """From the counts, not the rounded rate, so that the points do not carry its rounding."""
    if not whole:
        return None
    return (Decimal(maximum * part) / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def score_counts(counts: dict | None) -> dict:
    """One agency-month scored: every indicator, the total over those with data, and the
    indicators that lose the most points first (`weakest`)."""
    counts = {f: int((counts or {}).get(f) or 0) for f in COUNT_FIELDS}
    rows, score, attainable = [], Decimal(0), 0
    for indicator in INDICATORS.values():
        value = indicator.rate(counts)
        part, whole = indicator.part(counts), counts[indicator.denominator]
        points = _points(indicator.max_points, part, whole)
        if points is not None:
            score += points
            attainable += indicator.max_points
        rows.append(
            {
                "key": indicator.key,
                "group": indicator.group,
                "group_label": str(GROUPS[indicator.group]),
                "label": str(indicator.label),
                "max_points": indicator.max_points,
                "points_confirmed": indicator.points_confirmed,
                "part": part,
                "whole": whole,
                "rate": value,
                "points": points,
                "lost": None if points is None else Decimal(indicator.max_points) - points,
                "has_data": points is not None,
            }
        )
    weakest = sorted(
        (r for r in rows if r["lost"]), key=lambda r: (-r["lost"], r["key"])
    )  # nothing lost: not weak
    return {
        "counts": counts,
        "indicators": rows,
        "score": score.quantize(CENT),
        "attainable": attainable,
        "percent": rate_of(score, attainable),
        "weakest": [r["key"] for r in weakest],
    }


def rate_of(score: Decimal, attainable: int) -> Decimal | None:
    if not attainable:
        return None
    return (100 * score / attainable).quantize(Decimal("0.1"), ROUND_HALF_UP)


def service_index(agency_ids, months) -> dict[tuple[int, dt.date], dict]:
    """Every (agency id, month) asked for, scored; months are first days of months. A pair
    without a row has no data for any indicator (not zero points). One query."""
    agency_ids, months = list(agency_ids), sorted(set(months))
    rows = ServiceIndexMonth.objects.filter(agency_id__in=agency_ids, month__in=months).values(
        "agency_id", "month", *COUNT_FIELDS
    )
    found = {(r["agency_id"], r["month"]): r for r in rows}
    return {
        (agency_id, month): score_counts(found.get((agency_id, month)))
        for agency_id in agency_ids
        for month in months
    }


def index_month(*, month: dt.date, kind: str | None = None) -> list[dict]:
    """Every counted agency's score in `month`, best first (agencies without data last)."""
    agencies = list(
        counted_agencies(kind=kind).values("pk", "code", "name", "kind", "parent__name")
    )
    scored = service_index([a["pk"] for a in agencies], [month])
    out = []
    for agency in agencies:
        row = scored[(agency["pk"], month)]
        row.update(
            agency_id=agency["pk"],
            code=agency["code"],
            name=agency["name"],
            kind=agency["kind"],
            kind_label=kind_label(agency["kind"]),
            parent=agency["parent__name"] or "",
            month=month,
        )
        out.append(row)
    out.sort(key=lambda r: (r["percent"] is None, -(r["percent"] or 0), r["name"]))
    rank = 0
    for row in out:
        row["rank"] = None if row["percent"] is None else (rank := rank + 1)
    return out


def index_trend(*, agencies: QuerySet, months: list[dt.date]) -> list[dict]:
    """Per month, the agencies' points added up over the indicators with data: one row per
    month, months without any data included (percent None)."""
    ids = list(agencies.values_list("pk", flat=True))
    scored = service_index(ids, months)
    out = []
    for month in sorted(months):
        rows = [scored[(pk, month)] for pk in ids]
        score = sum((r["score"] for r in rows), Decimal(0))
        attainable = sum(r["attainable"] for r in rows)
        out.append(
            {
                "month": month,
                "label": f"{month:%m/%Y}",
                "score": score,
                "attainable": attainable,
                "percent": rate_of(score, attainable),
                "agencies_with_data": sum(1 for r in rows if r["attainable"]),
            }
        )
    return out


def last_months(month: dt.date, count: int) -> list[dt.date]:
    return [add_months(month, -n) for n in range(count - 1, -1, -1)]


def province_trend(*, month: dt.date, count: int = 12, kind: str | None = None) -> list[dict]:
    return index_trend(agencies=counted_agencies(kind=kind), months=last_months(month, count))


def definitions() -> dict:
    """What is computed and what is not: for pages, exports, the API and the docs."""
    return {
        "decision": DECISION,
        "indicators": [
            {
                "key": i.key,
                "group": i.group,
                "group_label": str(GROUPS[i.group]),
                "label": str(i.label),
                "max_points": i.max_points,
                "points_confirmed": i.points_confirmed,
                "definition": str(i.definition),
            }
            for i in INDICATORS.values()
        ],
        "not_computed": [
            {
                "group": m.group,
                "group_label": str(GROUPS[m.group]),
                "label": str(m.label),
                "needs": str(m.needs),
                "max_points": m.max_points,
            }
            for m in NOT_HELD
        ],
        "max_attainable": sum(i.max_points for i in INDICATORS.values()),
    }
