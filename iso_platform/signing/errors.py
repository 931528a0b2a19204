"""What goes wrong while signing, in words a clerk can act on."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MESSAGES = {
    "pkcs12_password": gettext_noop("Mật khẩu của tệp chứng thư số (PKCS#12) không đúng."),
    "pkcs12_format": gettext_noop(
        "Tệp tải lên không phải tệp chứng thư số PKCS#12 (.p12, .pfx) hoặc đã bị hỏng."
    ),
    "pkcs12_no_key": gettext_noop(
        "Tệp chứng thư số không chứa khoá bí mật hoặc chứng thư của người ký."
    ),
    "cert_expired": gettext_noop("Chứng thư số đã hết hạn ngày %(date)s; không thể dùng để ký."),
    "cert_not_yet_valid": gettext_noop(
        "Chứng thư số chỉ có hiệu lực từ ngày %(date)s; chưa thể dùng để ký."
    ),
    "cert_usage": gettext_noop(
        "Chứng thư số này không được cấp cho mục đích ký số (thiếu quyền digitalSignature "
        "hoặc nonRepudiation)."
    ),
    "token_missing": gettext_noop(
        "Không tìm thấy thiết bị ký số (USB token/HSM) “%(label)s”. Hãy kiểm tra thiết bị đã "
        "được cắm và cài trình điều khiển."
    ),
    "token_module": gettext_noop("Không nạp được trình điều khiển thiết bị ký số (PKCS#11)."),
    "token_pin": gettext_noop("Mã PIN của thiết bị ký số không đúng."),
    "token_pin_locked": gettext_noop(
        "Mã PIN của thiết bị ký số đã bị khoá do nhập sai nhiều lần; liên hệ tổ chức cấp "
        "chứng thư số."
    ),
    "token_key": gettext_noop(
        "Không tìm thấy khoá bí mật hoặc chứng thư số “%(label)s” trên thiết bị ký số."
    ),
    "token_failed": gettext_noop("Thiết bị ký số báo lỗi khi ký; hãy thử lại."),
    "remote_failed": gettext_noop(
        "Dịch vụ ký số từ xa không trả lời hoặc trả lời không hợp lệ; hãy thử lại sau."
    ),
    "remote_refused": gettext_noop(
        "Dịch vụ ký số từ xa từ chối yêu cầu ký (sai mã PIN/OTP, hết phiên hoặc không có "
        "quyền dùng chứng thư số này)."
    ),
    "remote_credential": gettext_noop(
        "Dịch vụ ký số từ xa không có chứng thư số “%(credential)s” hoặc trả về chứng thư "
        "không đọc được."
    ),
    "timestamp_failed": gettext_noop(
        "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian đã cấu hình."
    ),
    "pdf_damaged": gettext_noop("Không ký được: tệp PDF bị hỏng hoặc không đúng định dạng."),
    "pdf_encrypted": gettext_noop("Không ký được tệp PDF đặt mật khẩu."),
    "box_page": gettext_noop("Trang %(page)s để đặt chữ ký không có trong tệp PDF."),
    "image": gettext_noop("Ảnh chữ ký hoặc ảnh con dấu phải là tệp PNG đọc được."),
    "keys_secret": gettext_noop(
        "Chưa cấu hình khoá mã hoá tệp chứng thư số (SIGNING_KEYS_SECRET); liên hệ quản trị "
        "hệ thống."
    ),
    "keys_stale": gettext_noop(
        "Không giải mã được tệp chứng thư số đã lưu (khoá mã hoá đã thay đổi); hãy tải lại "
        "tệp chứng thư số."
    ),
    "failed": gettext_noop("Không ký được tài liệu: %(reason)s"),
}


class SigningError(Exception):
    """A signature could not be made. `code` names the reason (a key of MESSAGES); `str()`
    is the Vietnamese sentence (translated to the current language); `detail` is for logs."""

    def __init__(self, code: str, detail: str = "", **params):
        self.code, self.params, self.detail = code, params, detail
        super().__init__(_(MESSAGES[code]) % params if params else _(MESSAGES[code]))

    @property
    def message(self) -> str:
        return str(self)
