"""The event types a subscriber may choose, for agencies and for the province.

A payload's shape is versioned per type (`version`): a change that could break a receiver
gets a new version number and docs/api/webhooks.md says what changed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

VERSION = 1
TEST = "webhook.test"

AGENCY_TYPES = {
    "document.issued": _("Tài liệu được ban hành"),
    "document.withdrawn": _("Tài liệu bị thu hồi (hết hiệu lực)"),
    "nonconformity.opened": _("Sự không phù hợp được ghi nhận"),
    "nonconformity.overdue": _("Sự không phù hợp có hành động quá hạn"),
    "nonconformity.closed": _("Sự không phù hợp được đóng"),
    "application.late": _("Hồ sơ quá hạn giải quyết"),
    "annual_report.submitted": _("Báo cáo tình hình áp dụng hằng năm đã gửi"),
}

PROVINCE_TYPES = {
    "agency.provisioned": _("Cơ quan mới được tạo"),
    "agency.merged": _("Cơ quan được hợp nhất vào cơ quan khác"),
    "agency.archived": _("Cơ quan được lưu trữ"),
}

# tenants' operations-log actions that are province-level events.
AGENCY_ACTIONS = {"merged_into": "agency.merged", "archived": "agency.archived"}


def types_for(schema_name: str) -> dict:
    """What a subscription in this schema may choose."""
    return PROVINCE_TYPES if schema_name == get_public_schema_name() else AGENCY_TYPES
