"""What the management review services share: their messages and who may act."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_noop

from quality.core.permissions import can
from quality.improvement.models import Action
from quality.reviews.models import ManagementReview

MSG_DATES = gettext_noop("Kỳ xem xét không hợp lệ: ngày kết thúc phải sau ngày bắt đầu.")
MSG_NO_INPUTS = gettext_noop(
    "Chưa tổng hợp đầu vào: cuộc họp xem xét phải có đủ đầu vào theo 9.3.2 trước khi ghi nhận."
)
MSG_NO_CONCLUSIONS = gettext_noop("Cần ghi kết luận, quyết định của cuộc họp.")
MSG_HELD = gettext_noop("Cuộc họp đã được ghi nhận; không sửa đầu vào nữa.")
MSG_SUBMITTED = gettext_noop("Báo cáo đã gửi; không sửa được nữa.")
MSG_NOT_GENERATED = gettext_noop("Hãy tạo số liệu báo cáo trước khi gửi.")
MSG_YEAR = gettext_noop("Năm báo cáo không hợp lệ.")
MSG_NO_RECEIVER = gettext_noop(
    "Chưa cấu hình cơ quan nhận báo cáo năm; báo cáo không gửi được. "
    "Hãy liên hệ quản trị viên cấp tỉnh."
)
MSG_RECEIVER_IS_SELF = gettext_noop(
    "Cơ quan là nơi nhận báo cáo năm của các cơ quan khác; không gửi báo cáo cho chính mình."
)


def _require(actor) -> None:
    if not can(actor, "reviews.manage"):
        raise PermissionDenied("reviews.manage")


def review_actions(review: ManagementReview):
    """The actions decided at a review."""
    return Action.objects.filter(source_type="review", source_id=str(review.pk)).select_related(
        "owner"
    )
