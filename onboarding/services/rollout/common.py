"""What every step of a rollout shares: the file's limits and columns, the runner's constants
and the messages (constants the tests can name)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils.translation import gettext_noop

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
STALE_AFTER = timedelta(seconds=30)
LOCK_CLASS = 0x6E15  # pg_try_advisory_lock(LOCK_CLASS, <batch key>): one runner per batch
EVENT_ACTION = "rollout"
PLAN_RE = re.compile(r"^[a-z0-9-]{1,40}$")

# Field -> accepted header names, compared without accents, case or punctuation.
FIELDS = (
    "code",
    "name",
    "kind",
    "parent_code",
    "admin_name",
    "admin_email",
    "plan_code",
    "identifier",
)
REQUIRED = ("code", "name", "kind", "admin_name", "admin_email")
HEADERS = {
    "code": ("ma", "code", "ma co quan", "agency code"),
    "name": ("ten", "name", "ten co quan", "agency name"),
    "kind": ("loai", "kind", "loai co quan", "type"),
    "parent_code": ("co quan cap tren", "parent", "parent code", "ma co quan cap tren"),
    "admin_name": ("ho ten quan tri vien", "admin name", "ten quan tri vien", "quan tri vien"),
    "admin_email": (
        "email quan tri vien",
        "e mail quan tri vien",
        "thu dien tu quan tri vien",
        "admin email",
        "admin e mail",
        "email",
        "e mail",
    ),
    "plan_code": ("goi", "plan", "goi dich vu", "plan code"),
    "identifier": ("ma dinh danh", "ma dinh danh dien tu", "identifier", "agency identifier"),
}
TEMPLATE_HEADER = (
    "mã",
    "tên",
    "loại",
    "cơ quan cấp trên",
    "họ tên quản trị viên",
    "email quản trị viên",
    "gói",
    "mã định danh",
)
FIELD_LABELS = {
    "code": gettext_noop("Mã"),
    "name": gettext_noop("Tên cơ quan"),
    "kind": gettext_noop("Loại"),
    "parent_code": gettext_noop("Cơ quan cấp trên"),
    "admin_name": gettext_noop("Họ tên quản trị viên"),
    "admin_email": gettext_noop("Email quản trị viên"),
    "plan_code": gettext_noop("Gói"),
    "identifier": gettext_noop("Mã định danh"),
}

MSG_TOO_BIG = gettext_noop("Tệp lớn quá 5 MB.")
MSG_NOT_UTF8 = gettext_noop("Tệp CSV phải được lưu với bảng mã UTF-8.")
MSG_XLS = gettext_noop("Tệp .xls (Excel 97-2003) không được hỗ trợ; hãy lưu thành .xlsx hoặc CSV.")
MSG_XLSX_BROKEN = gettext_noop("Không đọc được tệp XLSX: %(error)s")
MSG_CSV_BROKEN = gettext_noop("Không đọc được tệp CSV: %(error)s")
MSG_EMPTY = gettext_noop("Tệp trống: không có dòng tiêu đề.")
MSG_NO_ROWS = gettext_noop("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
MSG_TOO_MANY = gettext_noop(
    "Tệp có hơn %(max)s dòng dữ liệu; hãy chia thành nhiều tệp, mỗi tệp tối đa %(max)s dòng."
)
MSG_MISSING_COLUMNS = gettext_noop("Thiếu cột: %(columns)s.")
MSG_DUPLICATE_COLUMN = gettext_noop("Cột “%(column)s” xuất hiện nhiều lần.")
MSG_KIND_REQUIRED = gettext_noop("Cần nhập loại cơ quan.")
MSG_KIND_UNKNOWN = gettext_noop("Loại “%(value)s” không hợp lệ; dùng một trong: %(choices)s.")
MSG_ADMIN_NAME_REQUIRED = gettext_noop("Cần nhập họ tên quản trị viên.")
MSG_ADMIN_NAME_TOO_LONG = gettext_noop("Họ tên quản trị viên dài quá 150 ký tự.")
MSG_EMAIL_REQUIRED = gettext_noop("Cần nhập email quản trị viên.")
MSG_EMAIL_INVALID = gettext_noop("Địa chỉ email “%(value)s” không hợp lệ.")
MSG_PLAN_FORMAT = gettext_noop(
    "Mã gói “%(value)s” không hợp lệ: chỉ gồm chữ thường không dấu, chữ số và dấu gạch "
    "ngang, tối đa 40 ký tự."
)
MSG_CODE_DUPLICATE = gettext_noop("Mã “%(code)s” trùng với dòng %(line)s.")
MSG_EMAIL_DUPLICATE = gettext_noop("Email “%(value)s” trùng với dòng %(line)s.")
MSG_IDENTIFIER_DUPLICATE = gettext_noop("Mã định danh “%(value)s” trùng với dòng %(line)s.")
MSG_PARENT_SELF = gettext_noop("Cơ quan không thể là cấp trên của chính nó.")
MSG_PARENT_INVALID = gettext_noop("Cơ quan cấp trên “%(code)s” (dòng %(line)s) có lỗi.")
MSG_PARENT_CYCLE = gettext_noop("Quan hệ cấp trên tạo thành vòng lặp (các dòng %(lines)s).")
MSG_PARENT_NOT_CREATED = gettext_noop(
    "Cơ quan cấp trên “%(code)s” (dòng %(line)s) không khởi tạo được nên dòng này bị bỏ qua."
)
MSG_NOT_STARTABLE = gettext_noop("Chỉ khởi tạo được tệp đã kiểm tra không có lỗi.")
MSG_SYSTEM = gettext_noop(
    "Lỗi hệ thống khi khởi tạo (%(error)s); không có dữ liệu nào được giữ lại."
)
