"""The pilot evaluation report the department submits (official layout, DOCX and PDF).

Built from the public tables only: the wave and its agencies, baselines, weekly
snapshots, the agencies' own written assessments and the pilot agencies' invoices. The
issuer is the province's department (settings PROVINCE_*), the number a draft's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from billing.models import InvoiceLine
from evaluation.indicators import INDICATORS, PERCENT, UNIT_LABELS
from evaluation.models import Assessment, BaselineFigure, Source, Wave
from evaluation.selectors import (
    gate_status,
    lagging,
    readiness_grid,
    sums,
    wave_agency_ids,
    window,
)
from evaluation.services.baselines import FIGURES
from insights.services.province_report import province_issuer, province_signer
from iso_platform.numbers import vn_number
from quality.core.reports import Report, Section


@dataclass
class Evaluation:
    wave: Wave
    agencies: list
    start: dt.date
    end: dt.date
    before: dict  # key -> {declared, measured} averaged over the agencies
    after: dict  # indicator key -> value over the last complete weeks
    readiness: dict
    assessments: list
    cost: int
    next_wave: Wave | None
    next_gate: list = field(default_factory=list)
    lagging: list = field(default_factory=list)


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal) and value != value.to_integral():
        text = vn_number(value, 1)
    else:
        text = vn_number(int(value))
    return f"{text}%" if unit == PERCENT else text


def _before(agency_ids) -> dict:
    rows = BaselineFigure.objects.filter(agency_id__in=agency_ids)
    out: dict[str, dict] = {key: {} for key in FIGURES}
    for source in Source:
        per_key: dict[str, list] = {}
        for row in rows.filter(source=source):
            per_key.setdefault(row.key, []).append(row.value)
        for key, values in per_key.items():
            if key in out:
                out[key][source.value] = sum(values) / len(values)
    return out


def _cost(agency_ids, start: dt.date, end: dt.date) -> int:
    """Amounts with VAT of the agencies' invoice lines for [start, end] (voided invoices
    left out)."""
    lines = InvoiceLine.objects.filter(
        agency_id__in=agency_ids, invoice__voided_at__isnull=True
    ).filter(Q(invoice__period__gte=start.replace(day=1)) & Q(invoice__period__lte=end))
    total = 0
    for amount, permille in lines.values_list("amount", "vat_permille"):
        total += amount + round(amount * permille / 1000)
    return total


def evaluation_build(*, wave: Wave, today: dt.date | None = None) -> Evaluation:
    ids = wave_agency_ids(wave)
    start = wave.started_on or wave.planned_start
    # "Now" is the last complete weeks, as the before/after table's column says; the cost
    # runs from the wave's start.
    first, end = window(today)
    after = sums(ids, max(first, start), end)
    next_wave = Wave.objects.filter(order__gt=wave.order).order_by("order").first()
    return Evaluation(
        wave=wave,
        agencies=list(wave.members.select_related("agency").order_by("agency__name")),
        start=start,
        end=end - dt.timedelta(days=1),
        before=_before(ids),
        after=after,
        readiness=readiness_grid(wave),
        assessments=list(Assessment.objects.filter(agency_id__in=ids).select_related("agency")),
        cost=_cost(ids, start, end - dt.timedelta(days=1)),
        next_wave=next_wave,
        next_gate=gate_status(next_wave, today=today) if next_wave else [],
        lagging=lagging(wave, today=today),
    )


def document(ev: Evaluation) -> Report:
    wave = ev.wave
    sections = [_scope(ev), _before_after(ev), _adoption(ev), _assessment(ev), _costs(ev)]
    sections.append(_recommendation(ev))
    generated = timezone.localtime().strftime("%H:%M ngày %d/%m/%Y")
    return Report(
        kind="BC",
        subject=f"Đánh giá kết quả {wave.name.lower()} áp dụng phần mềm ISO điện tử",
        issuer=province_issuer(),
        signer=province_signer(),
        recipients=["Ủy ban nhân dân tỉnh", "Các cơ quan tham gia thí điểm"],
        title=f"Báo cáo đánh giá kết quả {wave.name.lower()} áp dụng phần mềm ISO điện tử",
        lines=[
            f"Giai đoạn {ev.start:%d/%m/%Y} – {ev.end:%d/%m/%Y}",
            f"Số liệu tổng hợp lúc {generated}",
        ],
        sections=sections,
    )


def _scope(ev: Evaluation) -> Section:
    wave = ev.wave
    names = ", ".join(m.agency.name for m in ev.agencies) or "—"
    return Section(
        "1. Phạm vi và thời gian thực hiện",
        [
            f"Cơ quan tham gia ({len(ev.agencies)}): {names}.",
            f"Kế hoạch: bắt đầu {wave.planned_start:%d/%m/%Y}, vận hành chính thức "
            f"{wave.planned_go_live:%d/%m/%Y}"
            + (f"; bắt đầu thực tế {wave.started_on:%d/%m/%Y}" if wave.started_on else "")
            + ".",
        ],
    )


def _before_after(ev: Evaluation) -> Section:
    rows = [["Chỉ tiêu", "Trước (kê khai)", "Những tuần đầu (đo)", "Hiện nay (4 tuần gần nhất)"]]
    for key, figure in FIGURES.items():
        before = ev.before.get(key, {})
        indicator = INDICATORS.get(figure.measured_from) if figure.measured_from else None
        now = ev.after.get(indicator.key) if indicator else None
        unit = PERCENT if figure.unit == PERCENT else ""
        rows.append(
            [
                str(figure.label),
                _fmt(before.get("declared"), unit),
                _fmt(before.get("measured"), unit),
                _fmt(now, unit) if indicator else "—",
            ]
        )
    return Section(
        "2. Số liệu trước và sau khi áp dụng",
        ["Số liệu kê khai là bình quân của các cơ quan đã kê khai."],
        table=rows,
    )


def _adoption(ev: Evaluation) -> Section:
    rows = [["Chỉ số", "Giá trị", "Đơn vị"]]
    for key, indicator in INDICATORS.items():
        unit = UNIT_LABELS[indicator.unit]
        rows.append([str(indicator.label), _fmt(ev.after.get(key), indicator.unit), str(unit)])
    ready = sum(1 for r in ev.readiness["rows"] if r["ready"])
    return Section(
        "3. Mức độ sử dụng và hiệu quả",
        [
            f"Số cơ quan đạt đủ tiêu chí sẵn sàng: {ready}/{len(ev.readiness['rows'])}.",
            "Cơ quan cần hỗ trợ thêm (tỷ lệ người dùng hoạt động thấp nhất): "
            + (
                ", ".join(
                    f"{r['agency'].name} ({_fmt(r['active_share'], PERCENT)})"
                    for r in ev.lagging[:3]
                )
                or "—"
            )
            + ".",
        ],
        table=rows,
    )


def _assessment(ev: Evaluation) -> Section:
    paragraphs = []
    on_time = ev.after.get("on_time_rate")
    if on_time is not None:
        paragraphs.append(f"Tỷ lệ hồ sơ đúng hạn trên hệ thống: {_fmt(on_time, PERCENT)}.")
    for a in ev.assessments:
        paragraphs.append(f"{a.agency.name} – Ưu điểm: {a.advantages}")
        paragraphs.append(f"{a.agency.name} – Hạn chế: {a.limitations}")
        if a.proposals:
            paragraphs.append(f"{a.agency.name} – Đề xuất: {a.proposals}")
    if not ev.assessments:
        paragraphs.append("Chưa có cơ quan nào gửi tự đánh giá.")
    return Section("4. Ưu điểm và hạn chế", paragraphs)


def _costs(ev: Evaluation) -> Section:
    per_agency = (ev.cost // len(ev.agencies)) if ev.agencies else 0
    return Section(
        "5. Kinh phí",
        [
            f"Tổng tiền thuê phần mềm của các cơ quan tham gia trong giai đoạn (đã gồm thuế "
            f"GTGT, theo hoá đơn): {vn_number(ev.cost)} đồng; bình quân "
            f"{vn_number(per_agency)} đồng mỗi cơ quan."
        ],
    )


def _recommendation(ev: Evaluation) -> Section:
    if ev.next_wave is None:
        return Section("6. Đề xuất", ["Chưa có đợt triển khai tiếp theo trong kế hoạch."])
    failed = [r for r in ev.next_gate if not r["met"]]
    gate = "; ".join(
        f"{r['label']}: {_fmt(r['value'], r['unit'])} "
        f"({'≥' if r['better'] == 'higher' else '≤'} {_fmt(r['threshold'], r['unit'])})"
        for r in ev.next_gate
    )
    if not ev.next_gate:
        verdict = "Chưa đặt điều kiện chuyển đợt."
    elif failed:
        verdict = "Chưa đạt điều kiện chuyển đợt; đề nghị tiếp tục hỗ trợ trước khi mở rộng."
    else:
        verdict = "Đạt điều kiện chuyển đợt; đề nghị triển khai nhân rộng."
    return Section(
        "6. Đề xuất cho đợt tiếp theo",
        [
            f"Đợt tiếp theo: {ev.next_wave.name} ({ev.next_wave.members.count()} cơ quan), "
            f"dự kiến bắt đầu {ev.next_wave.planned_start:%d/%m/%Y}.",
            f"Điều kiện chuyển đợt: {gate or '—'}.",
            verdict,
        ],
    )
