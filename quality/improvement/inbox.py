"""What waits for a person in this area, for the one inbox ("Việc của tôi", the API);
registered in the area's AppConfig.ready."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from quality.core.inbox import Item
from quality.core.permissions import can
from quality.improvement.models import (
    Action,
    ActionKind,
    ActionStatus,
    NcSource,
    NcStatus,
    Nonconformity,
)
from quality.improvement.services import ACTION_CAPABILITY


def _actions(user, today):
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
