"""One inbox: what waits for a person across documents, actions, nonconformities, audits,
objectives and reviews, with due dates. Used by the "Việc của tôi" page and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from quality.core.models import AgencySettings
from quality.core.permissions import can


@dataclass
class Item:
    area: str
    icon: str
    title: str
    url: str
    due_on: dt.date | None = None
    note: str = ""
    kind: str = ""

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and self.due_on < today

    def as_dict(self, today: dt.date) -> dict:
        return {
            "kind": self.kind,
            "area": self.area,
            "title": self.title,
            "url": self.url,
            "due_on": self.due_on,
            "overdue": self.overdue(today),
            "note": self.note,
        }


def inbox_for(user, today: dt.date | None = None) -> list[Item]:
    today = today or timezone.localdate()
    items: list[Item] = []
    for source in (_documents, _actions, _nonconformities, _audits, _objectives, _reviews):
        items += source(user, today)
    return sorted(items, key=lambda i: (i.due_on is None, i.due_on or today, i.area, i.title))


def _documents(user, today):
    from quality.documents.models import Document, DocumentStatus
    from quality.documents.selectors import my_pending_acknowledgements, review_inbox

    area = _("Tài liệu")
    inbox = review_inbox(user)
    items = [
        Item(
            area,
            "journal-text",
            _("Kiểm tra: %(code)s — %(title)s") % {"code": r.document.code, "title": r.title},
            f"/documents/{r.document_id}/",
            kind="document_review",
        )
        for r in inbox["to_review"][:50]
    ]
    items += [
        Item(
            area,
            "journal-check",
            _("Phê duyệt: %(code)s — %(title)s") % {"code": r.document.code, "title": r.title},
            f"/documents/{r.document_id}/",
            kind="document_approve",
        )
        for r in inbox["to_approve"][:50]
    ]
    items += [
        Item(
            area,
            "book",
            _("Đọc và xác nhận: %(code)s — %(title)s")
            % {"code": a.revision.document.code, "title": a.revision.title},
            f"/documents/{a.revision.document_id}/",
            kind="document_read",
        )
        for a in my_pending_acknowledgements(user)[:50]
    ]
    if can(user, "documents.manage"):
        horizon = today + dt.timedelta(days=AgencySettings.load().review_reminder_days)
        due = Document.objects.filter(
            status=DocumentStatus.IN_FORCE, next_review_on__lte=horizon
        ).order_by("next_review_on")[:50]
        items += [
            Item(
                area,
                "calendar-check",
                _("Xem xét định kỳ: %(code)s — %(title)s") % {"code": d.code, "title": d.title},
                f"/documents/{d.pk}/",
                d.next_review_on,
                kind="document_periodic_review",
            )
            for d in due
        ]
    return items


def _actions(user, today):
    from quality.improvement.models import Action, ActionKind, ActionStatus
    from quality.improvement.services import ACTION_CAPABILITY

    mine = Action.objects.filter(
        owner=user, status__in=[ActionStatus.OPEN, ActionStatus.INEFFECTIVE]
    ).select_related("nonconformity")
    kinds = dict(ActionKind.choices)
    items = [
        Item(
            str(kinds[a.kind]),
            "check2-square",
            a.title,
            a.url,
            a.due_on,
            _("làm lại: chưa hiệu lực") if a.status == ActionStatus.INEFFECTIVE else "",
            kind="action",
        )
        for a in mine
    ]
    verifiable = [k for k, cap in ACTION_CAPABILITY.items() if can(user, cap)]
    if verifiable:
        waiting = (
            Action.objects.filter(status=ActionStatus.DONE, kind__in=verifiable)
            .exclude(owner=user)
            .select_related("owner")[:100]
        )
        items += [
            Item(
                str(kinds[a.kind]),
                "patch-check",
                _("Xác nhận hiệu lực: %(t)s") % {"t": a.title},
                a.url,
                note=a.owner.full_name,
                kind="action_verify",
            )
            for a in waiting
        ]
    return items


def _nonconformities(user, today):
    from quality.improvement.models import NcSource, NcStatus, Nonconformity

    area = _("Sự không phù hợp")
    open_ = Nonconformity.objects.exclude(status=NcStatus.CLOSED)
    manager = can(user, "improvement.manage")
    rows = (
        open_.filter(Q(owner=user) | Q(status=NcStatus.VERIFYING))
        if manager
        else open_.filter(owner=user)
    )
    next_step = {
        NcStatus.OPEN: _("cần khắc phục tức thời và phân tích nguyên nhân"),
        NcStatus.CORRECTED: _("cần phân tích nguyên nhân"),
        NcStatus.ANALYSED: _("cần đặt hành động khắc phục"),
        NcStatus.ACTIONS: _("đang thực hiện hành động"),
        NcStatus.VERIFYING: _("cần kiểm tra hiệu lực và đóng"),
    }
    items = [
        Item(
            area,
            "tools",
            f"{nc.code}: {nc.title}",
            f"/improvement/{nc.pk}/",
            nc.verification_due_on if nc.status == NcStatus.VERIFYING else None,
            str(next_step.get(nc.status, "")),
            kind="nonconformity",
        )
        for nc in rows[:100]
    ]
    if manager:
        # Recorded by the system (late applications, low survey scores) and not yet given to
        # anyone: one line per source, not one per record.
        sources = dict(NcSource.choices)
        unowned = (
            open_.filter(owner__isnull=True)
            .values("source")
            .annotate(n=Count("id"))
            .order_by("source")
        )
        items += [
            Item(
                area,
                "inboxes",
                _("%(n)s sự không phù hợp chưa có người phụ trách: %(source)s")
                % {"n": row["n"], "source": sources.get(row["source"], row["source"])},
                f"/improvement/?source={row['source']}&unassigned=on",
                kind="nonconformity_unassigned",
            )
            for row in unowned
        ]
    return items


def _audits(user, today):
    from quality.audits.models import AuditPlan, PlanStatus

    plans = (
        AuditPlan.objects.filter(Q(lead=user) | Q(assignments__auditor=user))
        .exclude(status=PlanStatus.REPORTED)
        .annotate(todo=Count("checklist", filter=Q(checklist__grade=""), distinct=True))
        .distinct()
    )
    return [
        Item(
            _("Đánh giá nội bộ"),
            "clipboard-check",
            p.title,
            f"/audits/plans/{p.pk}/",
            p.end_on,
            _("%(n)s nội dung chưa đánh giá") % {"n": p.todo} if p.todo else "",
            kind="audit",
        )
        for p in plans
    ]


def _objectives(user, today):
    from quality.objectives.models import Method, Objective
    from quality.objectives.services import periods

    items = []
    for objective in Objective.objects.filter(
        owner=user, method=Method.MANUAL, year__gte=today.year - 1
    ).prefetch_related("measurements"):
        measured = {m.period_start for m in objective.measurements.all()}
        for start, end in periods(objective, until=today):
            if start not in measured:
                items.append(
                    Item(
                        _("Mục tiêu chất lượng"),
                        "bullseye",
                        _("Ghi kết quả kỳ %(p)s: %(t)s")
                        % {"p": f"{start:%m/%Y}", "t": objective.title},
                        f"/objectives/{objective.pk}/",
                        end + dt.timedelta(days=10),
                        kind="objective_measure",
                    )
                )
    return items


def _reviews(user, today):
    from quality.reviews.models import AnnualReport, ManagementReview, ReviewStatus

    area = _("Xem xét của lãnh đạo")
    rows = ManagementReview.objects.filter(status=ReviewStatus.DRAFT)
    if not can(user, "reviews.manage"):
        rows = rows.filter(chair=user)
    items = [
        Item(
            area,
            "people",
            r.title,
            f"/reviews/{r.pk}/",
            r.meeting_on,
            "" if r.inputs_compiled_at else _("chưa tổng hợp đầu vào"),
            kind="review",
        )
        for r in rows
    ]
    if can(user, "reviews.manage"):
        # One query whatever the month: the drafts, and this year's report if there is one
        # (in December a missing report is due).
        reports = AnnualReport.objects.filter(Q(status="draft") | Q(year=today.year))
        by_year = dict(reports.values_list("year", "status"))
        drafts = {year for year, status in by_year.items() if status == "draft"}
        if today.month == 12 and today.year not in by_year:
            drafts.add(today.year)
        items += [
            Item(
                _("Báo cáo"),
                "file-earmark-bar-graph",
                _("Báo cáo tình hình áp dụng ISO năm %(y)s chưa gửi") % {"y": year},
                "/reviews/annual/",
                kind="annual_report",
            )
            for year in sorted(drafts)
        ]
    return items
