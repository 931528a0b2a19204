"""Human names of audit-trail actions (the rows keep the stable code)."""

import functools

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
    "signature_verify": _("Kiểm tra chữ ký số"),
    "distribute": _("Phân phối"),
    "acknowledge": _("Xác nhận đã đọc"),
    "dispose": _("Huỷ hồ sơ"),
    "carry_over": _("Chuyển danh mục hồ sơ sang năm mới"),
    "code_rule": _("Quy tắc mã tài liệu"),
    "settings": _("Cấu hình"),
    "delegate_approval": _("Uỷ quyền phê duyệt"),
    "revoke_approval": _("Thu hồi uỷ quyền phê duyệt"),
    "status": _("Chuyển trạng thái"),
    "nc_assign": _("Giao người xử lý"),
    "pack_adopt": _("Áp dụng mục của bộ tài liệu mẫu"),
    "pack_decline": _("Không áp dụng mục của bộ tài liệu mẫu"),
    "pack_choose": _("Chọn bộ tài liệu mẫu"),
    "nc_correct": _("Khắc phục tức thời"),
    "nc_analyse": _("Phân tích nguyên nhân gốc rễ"),
    "nc_close": _("Đóng sự không phù hợp"),
    "nc_reopen": _("Mở lại sự không phù hợp"),
    "nc_dismiss": _("Đóng kèm lý do, không cần hành động khắc phục"),
    "action_cover": _("Gắn hành động khắc phục chung"),
    "action_add": _("Giao hành động"),
    "action_done": _("Báo hoàn thành hành động"),
    "action_verify": _("Xác nhận hiệu lực hành động"),
    "action_cancel": _("Huỷ hành động"),
    "action_escalate": _("Cảnh báo hành động quá hạn"),
    "risk_reevaluate": _("Đánh giá lại rủi ro"),
    "measure": _("Ghi kết quả đo mục tiêu"),
    "assign": _("Phân công đánh giá"),
    "checklist": _("Lập danh mục kiểm tra"),
    "assess": _("Đánh giá nội dung kiểm tra"),
    "finding": _("Ghi nhận phát hiện"),
    "audit_report": _("Báo cáo đánh giá nội bộ"),
    "review_compile": _("Tổng hợp đầu vào xem xét"),
    "review_hold": _("Ghi nhận cuộc họp xem xét"),
    "report_generate": _("Tạo số liệu báo cáo năm"),
    "report_edit": _("Sửa báo cáo năm"),
    "report_submit": _("Gửi báo cáo năm"),
    "checklist_profile": _("Xác nhận thông tin cơ quan"),
    "checklist_steering": _("Lập ban chỉ đạo ISO"),
    "checklist_pack": _("Chọn bộ tài liệu mẫu khởi đầu"),
    "connector_save": _("Lưu kết nối lấy dữ liệu"),
    "connector_run": _("Chạy kết nối lấy dữ liệu"),
    "version": _("Phiên bản quy định thủ tục"),
    # people, sign-ins and keys
    "invite": _("Mời người dùng"),
    "invitation_resend": _("Gửi lại thư mời"),
    "invitation_revoke": _("Thu hồi lời mời"),
    "person_update": _("Đổi vai trò, quyền quản trị, đơn vị"),
    "person_deactivate": _("Khoá tài khoản"),
    "person_activate": _("Mở khoá tài khoản"),
    "role_change": _("Đổi vai trò người dùng cấp tỉnh"),
    "sign_in": _("Đăng nhập"),
    "sign_in_failed": _("Đăng nhập không thành công"),
    "sign_in_locked": _("Tạm khoá đăng nhập do sai nhiều lần"),
    "sign_out": _("Đăng xuất"),
    "two_factor.enabled": _("Bật xác thực hai bước"),
    "two_factor.disabled": _("Tắt xác thực hai bước"),
    "two_factor.reset": _("Đặt lại xác thực hai bước"),
    "two_factor.verified": _("Xác thực hai bước thành công"),
    "two_factor.recovery_code_used": _("Dùng mã khôi phục"),
    "two_factor.recovery_codes_regenerated": _("Tạo lại mã khôi phục"),
    "password.changed": _("Đổi mật khẩu"),
    "session.idle_timeout": _("Hết phiên do không hoạt động"),
    "session.expired": _("Hết phiên đăng nhập"),
    "token_create": _("Tạo khoá API cá nhân"),
    "token_revoke": _("Thu hồi khoá API cá nhân"),
    "key_create": _("Tạo khoá tích hợp"),
    "key_revoke": _("Thu hồi khoá tích hợp"),
    "key_rotate": _("Thay khoá tích hợp"),
    "export": _("Xuất dữ liệu, tải báo cáo"),
    # platform operations (also copied into the agency's own trail where they affect it)
    "provisioning_requested": _("Yêu cầu khởi tạo cơ quan"),
    "provisioning_failed": _("Khởi tạo cơ quan không thành công"),
    "provisioned": _("Khởi tạo cơ quan"),
    "rollout": _("Khởi tạo theo lô triển khai"),
    "rollout_start": _("Bắt đầu triển khai hàng loạt"),
    "admin_invitation": _("Lời mời quản trị viên đầu tiên"),
    "suspended": _("Tạm ngừng cơ quan"),
    "resumed": _("Cho cơ quan hoạt động trở lại"),
    "archived": _("Lưu trữ cơ quan (chỉ xem)"),
    "restored": _("Khôi phục cơ quan"),
    "merged_in": _("Tiếp nhận dữ liệu hợp nhất"),
    "merged_into": _("Hợp nhất vào cơ quan khác"),
    "split_out": _("Tách một phần sang cơ quan mới"),
    "split_from": _("Được tách ra từ cơ quan khác"),
    "export_requested": _("Yêu cầu xuất toàn bộ dữ liệu cơ quan"),
    "exported": _("Xuất toàn bộ dữ liệu cơ quan"),
    "imported": _("Nhập dữ liệu từ gói xuất"),
    "backed_up": _("Sao lưu dữ liệu cơ quan"),
    "inspection_planned": _("Đưa vào kế hoạch kiểm tra ISO"),
    "inspection_cancelled": _("Huỷ cuộc kiểm tra ISO"),
    "inspection_removed": _("Bỏ khỏi kế hoạch kiểm tra ISO"),
    "inspected": _("Được kiểm tra ISO"),
    "subscription_started": _("Bắt đầu thuê bao"),
    "subscription_changed": _("Đổi gói thuê bao"),
    "subscription_cancelled": _("Huỷ thuê bao"),
    "subscription_suspended": _("Tạm ngừng thuê bao do chưa thanh toán"),
    "subscription_past_due": _("Thuê bao quá hạn thanh toán"),
    "subscription_active": _("Thuê bao hoạt động trở lại"),
    "pilot_ended_without_plan": _("Hết thí điểm mà chưa chọn gói"),
    "invoice_paid": _("Ghi nhận thanh toán hoá đơn"),
    "invoice_voided": _("Huỷ hoá đơn"),
}

# What a row is about, for the trails' "đối tượng" column and filter; other values fall back
# to the model's verbose name (see `subject_label`).
SUBJECT_LABELS = {
    "user": _("Người dùng"),
    "agency": _("Cơ quan"),
    "apitoken": _("Khoá API cá nhân"),
    "apikey": _("Khoá tích hợp"),
    "report": _("Báo cáo (PDF, DOCX)"),
    "statistics": _("Bảng thống kê"),
    "tracking_book": _("Sổ theo dõi hồ sơ"),
    "agency_archive": _("Gói dữ liệu cơ quan"),
    "audit_trail": _("Nhật ký hệ thống"),
    "signature_check": _("Tệp PDF được kiểm tra chữ ký số"),
    "provisioningjob": _("Yêu cầu khởi tạo"),
    "rolloutbatch": _("Lô triển khai"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@functools.cache
def _models_by_name() -> dict:
    """model_name -> model, built once: `subject_label` is asked once a row and once a
    choice of the subject filter (the first model of a name wins, as apps lists them)."""
    from django.apps import apps

    found: dict = {}
    for model in apps.get_models():
        found.setdefault(model._meta.model_name, model)
    return found


def subject_label(subject_type: str) -> str:
    if subject_type in SUBJECT_LABELS:
        return str(SUBJECT_LABELS[subject_type])
    model = _models_by_name().get(subject_type)
    return str(model._meta.verbose_name).capitalize() if model is not None else subject_type


def model_for(subject_type: str):
    """The model a trail row's `subject_type` (or `parent_type`) names, or None."""
    return _models_by_name().get(subject_type) if subject_type else None
