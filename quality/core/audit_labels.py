"""Human names of audit-trail actions (the rows keep the stable code)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "create": _("Tạo mới"),
    "create_from_pack": _("Tạo từ bộ tài liệu mẫu"),
    "edit": _("Chỉnh sửa"),
    "submit": _("Gửi xem xét"),
    "review": _("Kiểm tra"),
    "send_back": _("Trả lại"),
    "approve_issue": _("Phê duyệt và ban hành"),
    "supersede": _("Hết hiệu lực do bản mới"),
    "withdraw": _("Thu hồi"),
    "cancel": _("Huỷ bản dự thảo"),
    "discard": _("Xoá bản chưa ban hành"),
    "register": _("Đăng ký tài liệu bên ngoài"),
    "legal_status": _("Cập nhật hiệu lực văn bản"),
    "change_request": _("Phiếu yêu cầu sửa đổi"),
    "change_request_accept": _("Chấp nhận yêu cầu sửa đổi"),
    "change_request_reject": _("Không chấp nhận yêu cầu sửa đổi"),
    "file_upload": _("Tải tệp lên"),
    "distribute": _("Phân phối"),
    "acknowledge": _("Xác nhận đã đọc"),
    "dispose": _("Huỷ hồ sơ"),
    "carry_over": _("Chuyển danh mục hồ sơ sang năm mới"),
    "code_rule": _("Quy tắc mã tài liệu"),
    "settings": _("Cấu hình"),
    "delegate_approval": _("Uỷ quyền phê duyệt"),
    "revoke_approval": _("Thu hồi uỷ quyền phê duyệt"),
}
