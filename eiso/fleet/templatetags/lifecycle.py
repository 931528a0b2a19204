"""Template helpers of the life-cycle pages: an agency's operations, readable labels."""

from __future__ import annotations

from django import template
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from eiso.fleet.split import consequence_text
from quality.core.audit_labels import action_label
from tenants.models import LifecycleOperation

register = template.Library()

EVENT_LABELS = {
    "provisioned": _("Khởi tạo"),
    "suspended": _("Tạm ngừng"),
    "resumed": _("Hoạt động trở lại"),
    "archived": _("Lưu trữ (chỉ xem)"),
    "restored": _("Khôi phục từ lưu trữ"),
    "merged_in": _("Tiếp nhận dữ liệu hợp nhất"),
    "merged_into": _("Hợp nhất vào cơ quan khác"),
    "split_out": _("Tách một phần sang cơ quan mới"),
    "split_from": _("Được tách ra từ cơ quan khác"),
    "exported": _("Xuất dữ liệu"),
    "imported": _("Nhập dữ liệu từ gói xuất"),
    "identifier_changed": _("Đổi mã định danh điện tử"),
}  # any other action (backed_up, inspected...): its name in the audit trails
ACTION_LABELS = {
    "rename": _("đổi mã"),
    "map": _("gộp vào bản ghi sẵn có"),
    "keep_target": _("giữ cấu hình của cơ quan tiếp nhận"),
}


@register.simple_tag
def agency_operations(agency, limit=20):
    return list(
        LifecycleOperation.objects.filter(Q(agency=agency) | Q(other=agency))
        .select_related("agency", "other", "requested_by")
        .order_by("-created_at")[:limit]
    )


@register.filter
def event_label(action: str) -> str:

    return EVENT_LABELS.get(action) or action_label(action)


@register.filter
def consequence(item: dict) -> str:
    """One link a split cuts, said in a sentence (eiso.fleet.split.CONSEQUENCES)."""
    return consequence_text(item)


@register.filter
def conflict_action(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@register.filter
def status_css(status: str) -> str:
    return {
        "preview": "text-bg-light border",
        "queued": "text-bg-info",
        "running": "text-bg-primary",
        "succeeded": "text-bg-success",
        "failed": "text-bg-danger",
    }.get(status, "text-bg-secondary")
