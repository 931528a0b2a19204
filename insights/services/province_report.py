"""The province's yearly report to the ministry: the aggregate of the agencies' annual reports.

Two sources, both in the public schema and both shown:

- the agencies' own annual reports (`tenants.ReportSubmission`, copied to the public schema
  when an agency submits): who reported, who announced conformity, and their figures;
- the platform's monthly facts (`insights.AgencyFact`, grain "month", periods of the year),
  for every active agency whether it reported or not.

"Active agencies that did not report" are the agencies active today, created on or before
the end of the year, that have no submission for the year. `build()` computes plain data;
`document()` turns it into a `quality.core.reports.Report`, which the page, the DOCX and the
PDF all render, so the three always say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from insights.models import AgencyFact, Grain
from iso_platform.numbers import vn_number, vn_percent
from iso_platform.official import Issuer, Signer
from quality.core.reports import Report, Section
from tenants.models import Agency, ReportSubmission
from tenants.models import AgencyStatus as Lifecycle

MIN_YEAR, MAX_YEAR = 2000, 2100

# figures of an agency's annual report (quality.reviews.services.annual_report.annual_figures)
# that add up
SUMMED = (
    "applications_received",
    "applications_completed",
    "nonconformities",
    "nonconformities_closed",
    "audits_planned",
    "audits_done",
    "reviews_held",
    "objectives_met",
    "objectives_missed",
    "satisfaction_responses",
    "procedures_in_scope",
    "documents_in_force",
)
FACT_FIELDS = ("received", "completed", "early", "on_time", "late", "ncs_opened", "ncs_closed")


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def _num(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def rate(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class ReportedAgency:
    agency: Agency
    submitted_at: dt.datetime
    submitted_by: str
    announced_conformity: bool
    figures: dict  # the SUMMED keys as integers, plus on_time_rate and satisfaction_score
    in_time: float  # completed x on_time_rate / 100, to weight the province's rate


@dataclass
class FactRow:
    agency: Agency
    received: int = 0
    completed: int = 0
    in_time: int = 0  # early + on time
    late: int = 0
    ncs_opened: int = 0
    ncs_closed: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.in_time, self.completed)


@dataclass
class ProvinceReport:
    year: int
    generated_at: dt.datetime
    active: int  # active agencies expected to report
    reported: list[ReportedAgency] = field(default_factory=list)
    not_reported: list[Agency] = field(default_factory=list)
    totals: dict = field(default_factory=dict)  # summed report figures
    facts: list[FactRow] = field(default_factory=list)
    fact_totals: FactRow | None = None

    @property
    def conformity(self) -> list[ReportedAgency]:
        return [r for r in self.reported if r.announced_conformity]

    @property
    def reported_share(self) -> float | None:
        """Share of the agencies expected to report that did."""
        return rate(self.active - len(self.not_reported), self.active)


def year_choices(today: dt.date | None = None) -> list[int]:
    """Years with at least one submission, plus this year and last year, newest first."""
    today = today or timezone.localdate()
    years = set(ReportSubmission.objects.values_list("year", flat=True).distinct())
    years |= {today.year, today.year - 1}
    return sorted((y for y in years if MIN_YEAR <= y <= MAX_YEAR), reverse=True)


def default_year(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    latest = (
        ReportSubmission.objects.filter(year__lte=today.year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or today.year


def _agencies():
    return Agency.objects.agencies().select_related("parent")


def build(*, year: int) -> ProvinceReport:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(year)
    end = dt.date(year, 12, 31)
    submissions = (
        ReportSubmission.objects.filter(year=year)
        .exclude(agency__schema_name=settings.PUBLIC_SCHEMA_NAME)
        .select_related("agency", "agency__parent")
        .order_by("agency__name", "agency__code")
    )
    reported = []
    for s in submissions:
        raw = s.figures if isinstance(s.figures, dict) else {}
        figures = {key: _int(raw.get(key)) for key in SUMMED}
        figures["on_time_rate"] = _num(raw.get("on_time_rate"))
        figures["satisfaction_score"] = _num(raw.get("satisfaction_score"))
        in_time = figures["applications_completed"] * (figures["on_time_rate"] or 0) / 100
        reported.append(
            ReportedAgency(
                s.agency, s.submitted_at, s.submitted_by, s.announced_conformity, figures, in_time
            )
        )
    reported_ids = {r.agency.pk for r in reported}
    expected = list(
        _agencies()
        .filter(status=Lifecycle.ACTIVE, created_at__date__lte=end)
        .order_by("name", "code")
    )
    not_reported = [a for a in expected if a.pk not in reported_ids]

    totals = {key: sum(r.figures[key] for r in reported) for key in SUMMED}
    in_time = sum(r.in_time for r in reported if r.figures["on_time_rate"] is not None)
    rated = sum(
        r.figures["applications_completed"]
        for r in reported
        if r.figures["on_time_rate"] is not None
    )
    totals["on_time_rate"] = rate(in_time, rated)
    scored = [r for r in reported if r.figures["satisfaction_score"] is not None]
    responses = sum(r.figures["satisfaction_responses"] for r in scored)
    totals["satisfaction_score"] = (
        round(
            sum(
                r.figures["satisfaction_score"] * r.figures["satisfaction_responses"]
                for r in scored
            )
            / responses,
            2,
        )
        if responses
        else None
    )

    # the platform's facts: every agency expected to report, and any other that has facts
    sums = (
        AgencyFact.objects.filter(
            grain=Grain.MONTH, period__gte=dt.date(year, 1, 1), period__lte=end
        )
        .exclude(agency__schema_name=settings.PUBLIC_SCHEMA_NAME)
        .values("agency")
        .annotate(**{name: Sum(name) for name in FACT_FIELDS})
    )
    by_agency = {row["agency"]: row for row in sums}
    fact_agencies = {a.pk: a for a in expected}
    fact_agencies.update({r.agency.pk: r.agency for r in reported})
    missing = set(by_agency) - set(fact_agencies)
    if missing:
        fact_agencies.update(_agencies().in_bulk(missing))
    facts = []
    for agency in sorted(fact_agencies.values(), key=lambda a: (a.name, a.code)):
        row = by_agency.get(agency.pk, {})
        facts.append(
            FactRow(
                agency,
                received=row.get("received") or 0,
                completed=row.get("completed") or 0,
                in_time=(row.get("early") or 0) + (row.get("on_time") or 0),
                late=row.get("late") or 0,
                ncs_opened=row.get("ncs_opened") or 0,
                ncs_closed=row.get("ncs_closed") or 0,
            )
        )
    fact_totals = FactRow(None)
    for row in facts:
        for name in ("received", "completed", "in_time", "late", "ncs_opened", "ncs_closed"):
            setattr(fact_totals, name, getattr(fact_totals, name) + getattr(row, name))
    return ProvinceReport(
        year=year,
        generated_at=timezone.now(),
        active=len(expected),
        reported=reported,
        not_reported=not_reported,
        totals=totals,
        facts=facts,
        fact_totals=fact_totals,
    )


# --------------------------------------------------------------------------- the document


def _n(value) -> str:
    return vn_number(value) if isinstance(value, int) else str(value)


def _pct(value) -> str:
    return vn_percent(value)


def _score(value) -> str:
    return vn_number(value, 2)


def _date(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y") if value else "—"


def document(report: ProvinceReport):
    """The report as printable data (Vietnamese, as sent to the ministry)."""

    year, t = report.year, report.totals
    n_reported, n_missing = len(report.reported), len(report.not_reported)
    conformity = report.conformity
    sections = [
        Section(
            "1. Tình hình chung",
            [
                f"Số cơ quan, đơn vị đang hoạt động trên hệ thống phải báo cáo: {report.active}.",
                f"Số cơ quan đã gửi báo cáo năm {year}: {n_reported} "
                f"(tỷ lệ {_pct(report.reported_share)}); chưa gửi báo cáo: {n_missing}.",
                f"Số cơ quan đã áp dụng và công bố hệ thống quản lý chất lượng phù hợp "
                f"TCVN ISO 9001:2015: {len(conformity)}.",
            ],
        ),
        Section(
            "2. Cơ quan đã công bố hệ thống quản lý chất lượng phù hợp",
            [] if conformity else ["Chưa có cơ quan nào công bố trong các báo cáo đã gửi."],
            table=[
                ["STT", "Cơ quan", "Loại cơ quan", "Ngày gửi báo cáo"],
                *[
                    [str(i), r.agency.name, r.agency.get_kind_display(), _date(r.submitted_at)]
                    for i, r in enumerate(conformity, 1)
                ],
            ]
            if conformity
            else None,
        ),
    ]
    reported_rows = [
        [
            str(i),
            r.agency.name,
            _date(r.submitted_at),
            "Có" if r.announced_conformity else "Chưa",
            _n(r.figures["applications_received"]),
            _n(r.figures["applications_completed"]),
            _pct(r.figures["on_time_rate"]),
            _n(r.figures["nonconformities"]),
            f"{r.figures['audits_done']}/{r.figures['audits_planned']}",
            _n(r.figures["reviews_held"]),
        ]
        for i, r in enumerate(report.reported, 1)
    ]
    sections.append(
        Section(
            "3. Cơ quan đã gửi báo cáo",
            [] if reported_rows else [f"Chưa có cơ quan nào gửi báo cáo năm {year}."],
            table=[
                [
                    "STT",
                    "Cơ quan",
                    "Ngày gửi",
                    "Công bố phù hợp",
                    "Hồ sơ tiếp nhận",
                    "Hồ sơ có kết quả",
                    "Tỷ lệ đúng hạn",
                    "Sự không phù hợp",
                    "Đánh giá nội bộ (thực hiện/kế hoạch)",
                    "Họp xem xét của lãnh đạo",
                ],
                *reported_rows,
                [
                    "",
                    "Tổng cộng",
                    "",
                    str(len(conformity)),
                    _n(t["applications_received"]),
                    _n(t["applications_completed"]),
                    _pct(t["on_time_rate"]),
                    _n(t["nonconformities"]),
                    f"{t['audits_done']}/{t['audits_planned']}",
                    _n(t["reviews_held"]),
                ],
            ]
            if reported_rows
            else None,
        )
    )
    sections.append(
        Section(
            "4. Số liệu tổng hợp từ báo cáo của các cơ quan",
            [f"Cộng số liệu của {n_reported} báo cáo đã gửi."],
            table=[
                ["Chỉ tiêu", "Số liệu"],
                ["Thủ tục hành chính trong phạm vi áp dụng", _n(t["procedures_in_scope"])],
                ["Tài liệu đang hiệu lực", _n(t["documents_in_force"])],
                ["Hồ sơ tiếp nhận", _n(t["applications_received"])],
                ["Hồ sơ đã có kết quả", _n(t["applications_completed"])],
                ["Tỷ lệ hồ sơ giải quyết đúng và trước hạn", _pct(t["on_time_rate"])],
                ["Sự không phù hợp phát hiện", _n(t["nonconformities"])],
                ["Sự không phù hợp đã khắc phục xong", _n(t["nonconformities_closed"])],
                ["Cuộc đánh giá nội bộ theo kế hoạch", _n(t["audits_planned"])],
                ["Cuộc đánh giá nội bộ đã thực hiện", _n(t["audits_done"])],
                ["Cuộc họp xem xét của lãnh đạo", _n(t["reviews_held"])],
                ["Mục tiêu chất lượng đạt", _n(t["objectives_met"])],
                ["Mục tiêu chất lượng không đạt", _n(t["objectives_missed"])],
                ["Phiếu khảo sát sự hài lòng", _n(t["satisfaction_responses"])],
                ["Điểm hài lòng bình quân (thang 5)", _score(t["satisfaction_score"])],
            ],
        )
    )
    ft = report.fact_totals
    sections.append(
        Section(
            f"5. Số liệu theo dõi trên hệ thống eISO (tháng 01–12/{year})",
            [
                "Số liệu do hệ thống tự tổng hợp hằng tháng từ dữ liệu của từng cơ quan, "
                "kể cả cơ quan chưa gửi báo cáo."
            ],
            table=[
                [
                    "STT",
                    "Cơ quan",
                    "Hồ sơ tiếp nhận",
                    "Hồ sơ có kết quả",
                    "Đúng và trước hạn",
                    "Trễ hạn",
                    "Tỷ lệ đúng hạn",
                    "Sự không phù hợp mở mới",
                    "Sự không phù hợp đã đóng",
                ],
                *[
                    [
                        str(i),
                        row.agency.name,
                        _n(row.received),
                        _n(row.completed),
                        _n(row.in_time),
                        _n(row.late),
                        _pct(row.rate),
                        _n(row.ncs_opened),
                        _n(row.ncs_closed),
                    ]
                    for i, row in enumerate(report.facts, 1)
                ],
                [
                    "",
                    "Tổng cộng",
                    _n(ft.received),
                    _n(ft.completed),
                    _n(ft.in_time),
                    _n(ft.late),
                    _pct(ft.rate),
                    _n(ft.ncs_opened),
                    _n(ft.ncs_closed),
                ],
            ],
        )
    )
    sections.append(
        Section(
            "6. Cơ quan chưa gửi báo cáo",
            [f"{n_missing} cơ quan đang hoạt động chưa gửi báo cáo năm {year}."]
            if n_missing
            else ["Tất cả cơ quan đang hoạt động đã gửi báo cáo."],
            table=[
                ["STT", "Cơ quan", "Loại cơ quan", "Cơ quan cấp trên"],
                *[
                    [str(i), a.name, a.get_kind_display(), a.parent.name if a.parent else "—"]
                    for i, a in enumerate(report.not_reported, 1)
                ],
            ]
            if n_missing
            else None,
        )
    )
    generated = timezone.localtime(report.generated_at).strftime("%H:%M ngày %d/%m/%Y")
    return Report(
        kind="BC",
        subject=(
            f"Tình hình áp dụng hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 "
            f"của các cơ quan hành chính nhà nước trên địa bàn tỉnh năm {year}"
        ),
        issuer=province_issuer(),
        signer=province_signer(),
        recipients=[MINISTRY, settings.PROVINCE_GOVERNING_BODY],
        title=(
            f"Báo cáo tổng hợp tình hình áp dụng hệ thống quản lý chất lượng "
            f"theo TCVN ISO 9001:2015 năm {year}"
        ),
        lines=[
            "của các cơ quan hành chính nhà nước trên địa bàn tỉnh",
            f"Số liệu tổng hợp lúc {generated}",
        ],
        sections=sections,
    )


MINISTRY = "Bộ Khoa học và Công nghệ"  # receives the provinces' reports (the national body)


def province_signer() -> Signer:
    return Signer(
        authority=settings.PROVINCE_SIGNER_AUTHORITY,
        position=settings.PROVINCE_SIGNER_POSITION,
        name=settings.PROVINCE_SIGNER_NAME,
    )


def province_issuer() -> Issuer:
    """The province's names (settings PROVINCE_*); without a governing body configured, the
    province's own name on the platform (the public schema's agency) stands above the
    issuing department."""
    governing = settings.PROVINCE_GOVERNING_BODY
    if not governing:
        public = Agency.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
        governing = public.name if public is not None else ""
    return Issuer(
        governing_body=governing,
        agency=settings.PROVINCE_ISSUER,
        abbreviation=settings.PROVINCE_ISSUER_ABBREVIATION,
        place=settings.PROVINCE_NAME,
    )
