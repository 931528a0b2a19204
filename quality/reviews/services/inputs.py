"""The inputs of a management review (clause 9.3.2), compiled from every area, and the minutes."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from iso_platform.numbers import vn_number, vn_percent
from quality.audits.models import AuditPlan, Finding, Grade
from quality.competence import selectors as competence
from quality.core.editions import agency_edition
from quality.core.reports import Report, Section
from quality.feedback.services import results
from quality.improvement.models import Action, Nonconformity
from quality.objectives.models import Measurement
from quality.procedures.selectors import on_time_by_procedure, on_time_by_unit, summary
from quality.reviews.models import (
    ManagementReview,
    ReviewItem,
    ReviewStatus,
)
from quality.reviews.services.common import review_actions
from quality.risks.models import ContextIssue, Risk, RiskKind, RiskStatus
from quality.risks.selectors import kind_counts
from quality.risks.services import climate_decision_current, level_of
from quality.transition.selectors import transition_summary


def _section(
    key: str, title: str, summary: str, rows: list | None = None, header: list | None = None
) -> dict:
    return {
        "key": key,
        "title": title,
        "summary": summary,
        "header": header or [],
        "rows": rows or [],
    }


def compile_inputs(review: ManagementReview) -> dict:
    start, end = review.period_start, review.period_end
    sections = [
        _previous_actions(review),
        _context_changes(start, end),
        _satisfaction(start, end),
        _objectives(start, end),
        _process_performance(start, end),
        _nonconformities(start, end),
        _monitoring(start, end),
        _audits(start, end),
        _section(
            "9.3.2.c.7",
            "Kết quả thực hiện của nhà cung cấp bên ngoài",
            "Không áp dụng đối với cơ quan hành chính, trừ dịch vụ thuê ngoài (nếu có).",
        ),
        _section(
            "9.3.2.d",
            "Sự thỏa đáng của nguồn lực",
            review.resources or "Do lãnh đạo và các đơn vị trình bày tại cuộc họp.",
        ),
        _competence(start, end),
        _risks(),
        _opportunities(start, end),
    ]
    return {
        "edition": agency_edition().code,
        "period": [start.isoformat(), end.isoformat()],
        "sections": sections,
        "compiled_on": timezone.localdate().isoformat(),
    }


def _previous_actions(review) -> dict:

    previous = ManagementReview.objects.filter(
        status=ReviewStatus.HELD, meeting_on__lt=review.meeting_on
    )
    actions = Action.objects.filter(
        source_type="review",
        source_id__in=[str(pk) for pk in previous.values_list("pk", flat=True)],
    )
    counts = dict(actions.values_list("status").annotate(n=Count("id")))
    rows = [
        [a.title, a.owner.full_name, a.due_on.strftime("%d/%m/%Y"), a.get_status_display()]
        for a in actions.select_related("owner").exclude(status="verified")[:50]
    ]
    return _section(
        "9.3.2.a",
        "Tình trạng các hành động từ lần xem xét trước",
        f"{actions.count()} hành động; đã xác nhận: {counts.get('verified', 0)}; "
        f"còn mở: {sum(v for k, v in counts.items() if k != 'verified')}.",
        rows,
        ["Hành động", "Người thực hiện", "Thời hạn", "Tình trạng"],
    )


def _context_changes(start, end) -> dict:

    changed = ContextIssue.objects.filter(updated_at__date__gte=start, updated_at__date__lte=end)
    rows = [
        [i.get_kind_display(), i.title, "còn hiệu lực" if i.is_active else "không còn"]
        for i in changed
    ]
    summary = f"{len(rows)} vấn đề, bên quan tâm được cập nhật trong kỳ."
    edition = agency_edition()
    if edition.has_climate:
        summary += " " + _climate_line()
    transition = transition_summary()
    if transition:
        summary += " " + transition
    return _section(
        "9.3.2.b",
        "Thay đổi của các vấn đề nội bộ và bên ngoài",
        summary,
        rows,
        ["Loại", "Nội dung", "Tình trạng"],
    )


def _climate_line() -> str:
    """The amended 4.1 asks whether climate change is relevant: the review sees the answer."""
    decision = climate_decision_current()
    if decision is None:
        return "Biến đổi khí hậu: cơ quan chưa xác định có phải là vấn đề liên quan hay không."
    verdict = "là vấn đề liên quan" if decision.relevant else "không phải vấn đề liên quan"
    return f"Biến đổi khí hậu: {verdict} (kết luận ngày {decision.decided_at:%d/%m/%Y})."


def _satisfaction(start, end) -> dict:

    data = results(start, end)
    total = data["total"]
    summary = (
        f"{total['n']} phiếu; điểm trung bình chung "
        f"{vn_number(total['avg_overall'] or 0, 2)}/5; {data['low']} phiếu không hài lòng."
        if total["n"]
        else "Không có phiếu khảo sát trong kỳ."
    )
    rows = [
        [(row["procedure__code"] or "—"), row["n"], f"{row['avg_overall']:.2f}"]
        for row in data["by_procedure"]
    ]
    return _section(
        "9.3.2.c.1",
        "Sự hài lòng của người dân, tổ chức và ý kiến phản hồi",
        summary,
        rows,
        ["Thủ tục", "Số phiếu", "Điểm chung"],
    )


def _objectives(start, end) -> dict:

    measured = Measurement.objects.filter(
        period_start__gte=start, period_end__lte=end
    ).select_related("objective")
    met = measured.filter(met=True).count()
    rows = [
        [
            m.objective.title,
            f"{m.period_start:%m/%Y}",
            f"{vn_number(m.value.normalize())}{m.objective.unit_label}",  # 80, never 8E+1
            f"{vn_number(m.objective.target.normalize())}{m.objective.unit_label}",
            "Đạt" if m.met else "Không đạt",
        ]
        for m in measured
    ]
    return _section(
        "9.3.2.c.2",
        "Mức độ đạt mục tiêu chất lượng",
        f"{measured.count()} kết quả đo; đạt {met}; không đạt {measured.count() - met}.",
        rows,
        ["Mục tiêu", "Kỳ", "Kết quả", "Chỉ tiêu", "Đánh giá"],
    )


def _process_performance(start, end) -> dict:

    totals = summary(start, end)
    rows = [
        [
            r.label,
            r.early + r.on_time,
            r.late,
            r.open_overdue,
            vn_percent(r.on_time_rate),
        ]
        for r in on_time_by_procedure(start, end)
    ]
    return _section(
        "9.3.2.c.3",
        "Kết quả thực hiện các quá trình (giải quyết hồ sơ TTHC)",
        f"Tiếp nhận {totals['received']}; có kết quả {totals['completed']}; đúng và "
        f"trước hạn {vn_percent(totals['rate'])}; đang "
        f"quá hạn {totals['overdue']}.",
        rows,
        ["Thủ tục", "Đúng, trước hạn", "Trễ hạn", "Đang quá hạn", "Tỷ lệ"],
    )


def _nonconformities(start, end) -> dict:

    period = Nonconformity.objects.filter(detected_at__date__gte=start, detected_at__date__lte=end)
    by_source = period.values("source").annotate(
        n=Count("id"), closed=Count("id", filter=Q(status="closed"))
    )
    labels = dict(Nonconformity._meta.get_field("source").choices)
    rows = [[str(labels.get(r["source"], r["source"])), r["n"], r["closed"]] for r in by_source]
    overdue = Action.objects.filter(
        kind="corrective", status__in=["open", "ineffective"], due_on__lt=timezone.localdate()
    ).count()
    return _section(
        "9.3.2.c.4",
        "Sự không phù hợp và hành động khắc phục",
        f"{period.count()} sự không phù hợp trong kỳ; {overdue} hành động khắc phục đang quá hạn.",
        rows,
        ["Nguồn", "Số lượng", "Đã đóng"],
    )


def _monitoring(start, end) -> dict:
    """9.3.2 c) 5): what the agency monitored and measured in the period, beyond the objectives'
    verdicts: every measurement taken, and each unit's steps of the process-control sheets."""

    measured = Measurement.objects.filter(period_start__gte=start, period_end__lte=end)
    computed = measured.filter(computed=True).count()
    units = on_time_by_unit(start, end)
    rows = [
        [
            r.label,
            r.on_time,
            r.late,
            vn_percent(r.on_time_rate),
        ]
        for r in units
    ]
    return _section(
        "9.3.2.c.5",
        "Kết quả theo dõi và đo lường",
        f"{measured.count()} kết quả đo trong kỳ (tự động {computed}, nhập tay "
        f"{measured.count() - computed}); {sum(r.on_time for r in units)} bước xử lý hồ sơ "
        f"đúng hạn, {sum(r.late for r in units)} bước trễ hạn.",
        rows,
        ["Đơn vị", "Bước đúng hạn", "Bước trễ hạn", "Tỷ lệ"],
    )


def _audits(start, end) -> dict:

    plans = AuditPlan.objects.filter(end_on__gte=start, end_on__lte=end)
    grades = dict(Grade.choices)
    counts = dict(
        Finding.objects.filter(plan__in=plans).values_list("grade").annotate(n=Count("id"))
    )
    rows = [[str(grades[g]), counts.get(g, 0)] for g in Grade.values]
    return _section(
        "9.3.2.c.6",
        "Kết quả đánh giá nội bộ",
        f"{plans.count()} cuộc đánh giá trong kỳ; đã báo cáo "
        f"{plans.filter(status='reported').count()}.",
        rows,
        ["Phân loại phát hiện", "Số lượng"],
    )


def _risks() -> dict:
    """Risks and opportunities reported apart: what each kind holds, then the treatments."""

    treated = Risk.objects.filter(reevaluated_at__isnull=False)
    kinds = dict(RiskKind.choices)
    rows = [
        [
            str(kinds[r.kind]),
            r.title,
            f"{r.score} ({level_of(r.score).label})",
            f"{r.residual_score} ({level_of(r.residual_score).label})",
        ]
        for r in treated
    ]
    counts = kind_counts()
    actions = Action.objects.filter(kind="risk")
    done = actions.filter(status="verified").count()
    risk, opportunity = counts[RiskKind.RISK], counts[RiskKind.OPPORTUNITY]
    return _section(
        "9.3.2.e",
        "Hiệu lực của các hành động giải quyết rủi ro và cơ hội",
        f"{actions.count()} biện pháp xử lý; đã xác nhận {done}; "
        f"{treated.filter(kind=RiskKind.RISK).count()} rủi ro đã đánh giá lại. "
        f"Rủi ro: {risk['open']} đang theo dõi, {risk['treated']} đã xử lý, "
        f"{risk['closed']} đã đóng. Cơ hội: {opportunity['open']} đang theo dõi, "
        f"{opportunity['treated']} đã thực hiện, {opportunity['closed']} đã đóng.",
        rows,
        ["Loại", "Nội dung", "Trước xử lý", "Sau xử lý"],
    )


def _competence(start, end) -> dict:
    """Competence and awareness (7.2, 7.3) as a resource of the QMS: the period's trainings
    and their effectiveness, the year's share of staff trained, gaps, expiring certificates."""

    sessions = list(competence.sessions_between(start, end))
    share = competence.trained_share(end.year)
    effective = sum(s.effective for s in sessions)
    not_effective = sum(s.not_effective for s in sessions)
    attendees = sum(s.attendees for s in sessions)
    rows = [
        [
            f"{s.held_on:%d/%m/%Y}",
            s.title,
            vn_number(s.hours.normalize()),
            s.attendees,
            s.effective,
            s.not_effective,
        ]
        for s in sessions
    ]
    rate = vn_percent(share["rate"])
    return _section(
        "9.3.2.d.1",
        "Năng lực, đào tạo và nhận thức",
        f"{len(sessions)} khoá đào tạo trong kỳ, {attendees} lượt người, "
        f"{vn_number(sum(s.hours for s in sessions).normalize() if sessions else 0)} giờ; "
        f"hiệu quả: đạt {effective}, chưa đạt {not_effective}, chưa đánh giá "
        f"{attendees - effective - not_effective}. Cán bộ được đào tạo năm {end.year}: "
        f"{share['trained']}/{share['total']} ({rate}). Còn thiếu năng lực yêu cầu: "
        f"{len(competence.gaps(end))} người; chứng chỉ hết hạn hoặc sắp hết hạn: "
        f"{competence.expiring(end).count()}.",
        rows,
        ["Ngày", "Nội dung", "Số giờ", "Người tham dự", "Đạt", "Chưa đạt"],
    )


def _opportunities(start, end) -> dict:

    rows = [
        [f.description, f.plan.title]
        for f in Finding.objects.filter(
            grade=Grade.OPPORTUNITY, plan__end_on__gte=start, plan__end_on__lte=end
        ).select_related("plan")
    ]
    rows += [
        [r.title, "Sổ rủi ro và cơ hội"]
        for r in Risk.objects.filter(kind=RiskKind.OPPORTUNITY).exclude(status=RiskStatus.CLOSED)
    ]
    rows += [
        [item.title, "Chờ xem xét"]
        for item in ReviewItem.objects.filter(
            Q(review__isnull=True) | Q(review__period_end__gte=start)
        )
    ]
    return _section(
        "9.3.2.f", "Các cơ hội cải tiến", f"{len(rows)} nội dung.", rows, ["Nội dung", "Nguồn"]
    )


# The minutes (biên bản) and the annual report (báo cáo) are numbered in the register of
# outgoing documents when the meeting is recorded and when the report is sent.
MINUTES_KIND, REPORT_KIND = "BB", "BC"


def _annual_subject(year: int, edition_name: str | None = None) -> str:
    name = edition_name or agency_edition().name
    return f"Tình hình áp dụng hệ thống quản lý chất lượng theo {name} năm {year}"


def minutes_report(review: ManagementReview):

    sections = [Section("Thành phần", [review.participants or "—"])]
    for section in review.inputs.get("sections", []):
        sections.append(
            Section(
                f"{section['key']} {section['title']}",
                [section["summary"]],
                [section["header"], *section["rows"]]
                if section["rows"] and section["header"]
                else None,
            )
        )
    sections.append(Section("Nhận xét, thảo luận", [review.commentary or "—"]))
    sections.append(Section("Kết luận, quyết định", [review.conclusions or "—"]))
    actions = [
        [a.title, a.owner.full_name, a.due_on.strftime("%d/%m/%Y"), a.get_status_display()]
        for a in review_actions(review)
    ]
    if actions:
        sections.append(
            Section(
                "Hành động",
                table=[["Hành động", "Người thực hiện", "Thời hạn", "Tình trạng"], *actions],
            )
        )
    return Report(
        title="Biên bản họp xem xét của lãnh đạo",
        kind=MINUTES_KIND,
        subject="Họp xem xét của lãnh đạo",
        lines=[
            review.title,
            f"Ngày họp: {review.meeting_on:%d/%m/%Y}",
            f"Kỳ xem xét: {review.period_start:%d/%m/%Y} – {review.period_end:%d/%m/%Y}",
        ],
        sections=sections,
        signatures=[("Chủ trì", review.chair.full_name)],
    ).numbered_from(review)
