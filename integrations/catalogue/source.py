"""Reading the national catalogue of administrative procedures (CSDL quốc gia về TTHC).

The national database publishes each procedure on dichvucong.gov.vn (a page and a Word file
per procedure) but no documented bulk export; the provinces' platforms pass its data on in
their own shapes. eISO therefore reads one documented layout, in JSON or XLSX, with exactly
the fields of the national record it uses (docs/integration.md, "National procedure
catalogue"): a province whose platform speaks another shape gets an adapter to this one.

Everything read here comes from outside: the file is held to iso_platform.untrusted's TABLE
limits (size, rows, columns, a ZIP's expanded size) and every value is checked, so a wrong
file is refused as a whole with Vietnamese messages naming the item and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import untrusted
from quality.procedures.models import ProcedureLevel

FORMAT = "eiso-tthc/1"

# key: (label in an XLSX header, required)
FIELDS = {
    "ma_thu_tuc": (gettext_noop("Mã thủ tục"), True),
    "ten_thu_tuc": (gettext_noop("Tên thủ tục"), True),
    "linh_vuc": (gettext_noop("Lĩnh vực"), False),
    "cap_thuc_hien": (gettext_noop("Cấp thực hiện"), True),
    "thoi_han": (gettext_noop("Thời hạn giải quyết"), True),
    "don_vi_thoi_han": (gettext_noop("Đơn vị thời hạn"), False),
    "phi_le_phi": (gettext_noop("Phí, lệ phí (đồng)"), False),
    "mo_ta_phi": (gettext_noop("Mô tả phí, lệ phí"), False),
    "can_cu_phap_ly": (gettext_noop("Căn cứ pháp lý"), False),
    "ket_qua": (gettext_noop("Kết quả thực hiện"), False),
    "co_quan_thuc_hien": (gettext_noop("Cơ quan thực hiện"), False),
    "ngay_hieu_luc": (gettext_noop("Ngày hiệu lực"), False),
}
LEVELS = {
    "cấp tỉnh": ProcedureLevel.PROVINCE,
    "cấp xã": ProcedureLevel.COMMUNE,
    "liên thông": ProcedureLevel.INTERLINKED,
    "cấp trung ương": ProcedureLevel.CENTRAL,
    "cấp bộ": ProcedureLevel.CENTRAL,
} | {value: value for value in ProcedureLevel.values}
WORKING_DAYS, CALENDAR_DAYS, WORKING_HOURS = "ngày làm việc", "ngày", "giờ làm việc"
UNITS = (WORKING_DAYS, CALENDAR_DAYS, WORKING_HOURS)
# "1.001234", or the procedure as a locality runs it: "1.001234.000.00.00.H13".
CODE = re.compile(r"^(\d\.\d{6})(\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")
LENGTHS = {"ten_thu_tuc": 500, "linh_vuc": 200, "co_quan_thuc_hien": 500, "mo_ta_phi": 1000}
TEXT_MAX = 20_000  # legal basis, result
LIMIT_DAYS_MAX, LIMIT_HOURS_MAX, FEE_MAX = 3650, Decimal("9999.99"), 10**12

MSG_BAD_JSON = gettext_noop("Không đọc được tệp: JSON không hợp lệ.")
MSG_BAD_KIND = gettext_noop("Chỉ nhận tệp danh mục thủ tục dạng JSON (.json) hoặc Excel (.xlsx).")
MSG_NOT_CATALOGUE = gettext_noop(
    "Tệp không đúng cấu trúc danh mục TTHC: cần một đối tượng có “thu_tuc” là danh sách."
)
MSG_FORMAT = gettext_noop("Tệp không theo định dạng %(format)s (trường “dinh_dang”).")
MSG_EMPTY = gettext_noop("Tệp không có thủ tục nào.")
MSG_UNKNOWN_FIELDS = gettext_noop("Có trường không thuộc danh mục TTHC: %(names)s.")
MSG_MISSING_FIELDS = gettext_noop("Thiếu cột: %(names)s.")
MSG_ITEM = gettext_noop("Thủ tục thứ %(n)s (%(code)s): %(message)s")
MSG_NOT_OBJECT = gettext_noop("không phải là một đối tượng JSON")
MSG_REQUIRED = gettext_noop("thiếu “%(field)s”")
MSG_BAD_CODE = gettext_noop(
    "mã “%(value)s” không đúng dạng mã TTHC quốc gia (ví dụ 1.001234 hoặc 1.001234.000.00.00.H13)"
)
MSG_DUPLICATE = gettext_noop("mã %(code)s lặp lại (đã có ở thủ tục thứ %(first)s)")
MSG_BAD_LEVEL = gettext_noop("cấp thực hiện “%(value)s” không hợp lệ (%(allowed)s)")
MSG_BAD_UNIT = gettext_noop("đơn vị thời hạn “%(value)s” không hợp lệ (%(allowed)s)")
MSG_BAD_NUMBER = gettext_noop("“%(value)s” ở “%(field)s” không phải là số hợp lệ")
MSG_TOO_BIG = gettext_noop("“%(value)s” ở “%(field)s” lớn quá (tối đa %(max)s)")
MSG_BAD_DATE = gettext_noop("“%(value)s” ở “%(field)s” không phải là ngày (dd/mm/yyyy)")
MSG_TOO_LONG = gettext_noop("“%(field)s” dài quá %(max)s ký tự")
MSG_BAD_TEXT = gettext_noop("“%(field)s” phải là chữ")


@dataclass
class Record:
    """One procedure of the national catalogue, in the agency's terms."""

    code: str
    attributes: dict  # name, field, level, authority
    rules: dict  # limit_days, limit_calendar_days, limit_hours, fee, fee_note, ...
    unit: str  # as the source counts its processing time (UNITS)
    effective_from: dt.date | None = None

    def as_json(self) -> dict:
        rules = {**self.rules, "limit_hours": _text_decimal(self.rules["limit_hours"])}
        return {
            "code": self.code,
            "attributes": self.attributes,
            "rules": rules,
            "unit": self.unit,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> Record:
        rules = dict(data["rules"])
        if rules["limit_hours"] is not None:
            rules["limit_hours"] = Decimal(rules["limit_hours"])
        if "limit_calendar_days" not in rules:
            # Kept before calendar days had their own column: their figure was in limit_days.
            calendar = data["unit"] == CALENDAR_DAYS
            rules["limit_calendar_days"] = rules["limit_days"] if calendar else None
            rules["limit_days"] = None if calendar else rules["limit_days"]
        day = data.get("effective_from")
        return cls(
            code=data["code"],
            attributes=dict(data["attributes"]),
            rules=rules,
            unit=data["unit"],
            effective_from=dt.date.fromisoformat(day) if day else None,
        )


@dataclass
class Catalogue:
    records: list[Record] = field(default_factory=list)
    exported_on: dt.date | None = None
    source: str = ""


def _text_decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def catalogue_read(name: str, data: bytes) -> Catalogue:
    """The catalogue in a JSON or XLSX file; ValidationError (every problem found, in
    Vietnamese) when anything in it is wrong, so nothing of a wrong file is imported."""
    lowered = (name or "").lower()
    try:
        if lowered.endswith(".json"):
            return catalogue_parse(_json_load(data))
        if lowered.endswith(".xlsx"):
            return _from_items(_xlsx_items(data), exported_on=None, source="")
    except untrusted.Refused as exc:
        raise ValidationError(exc.messages) from exc
    raise ValidationError(_(MSG_BAD_KIND))


def catalogue_parse(document) -> Catalogue:
    """A JSON document already loaded (a file, or a province platform's answer)."""
    if not isinstance(document, dict) or not isinstance(document.get("thu_tuc"), list):
        raise ValidationError(_(MSG_NOT_CATALOGUE))
    if document.get("dinh_dang", FORMAT) != FORMAT:
        raise ValidationError(_(MSG_FORMAT) % {"format": FORMAT})
    items = document["thu_tuc"]
    if len(items) > untrusted.TABLE.max_rows:
        raise untrusted.Refused("rows", limit=untrusted.TABLE.max_rows)
    exported = None
    if document.get("ngay_xuat"):
        exported = _checked(_date, document["ngay_xuat"], "ngay_xuat")
    source = document.get("nguon")
    return _from_items(
        items,
        exported_on=exported,
        source=source[:200] if isinstance(source, str) else "",
    )


def _checked(parse, value, key):
    try:
        return parse(value, key)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _json_load(data: bytes):
    untrusted.check_size(len(data), untrusted.TABLE)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValidationError(_(MSG_BAD_JSON)) from exc


def _header_key(title) -> str | None:
    text = " ".join(str(title or "").split()).strip()
    for key, (label, _required) in FIELDS.items():
        if text.lower() in (key, label.lower()):
            return key
    return None


def _xlsx_items(data: bytes) -> list[dict]:
    rows = [values for _i, _n, values in untrusted.xlsx_rows(data, sheets=1)]
    rows = [r for r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        raise ValidationError(_(MSG_EMPTY))
    head = [str(v or "").strip() for v in rows[0]]
    keys = [_header_key(title) for title in head]
    unknown = [title for title, key in zip(head, keys, strict=True) if title and key is None]
    if unknown:
        raise ValidationError(_(MSG_UNKNOWN_FIELDS) % {"names": ", ".join(unknown)})
    missing = [
        _(FIELDS[k][0]) for k, (_l, required) in FIELDS.items() if required and k not in keys
    ]
    if missing:
        raise ValidationError(_(MSG_MISSING_FIELDS) % {"names": ", ".join(missing)})
    return [
        {key: value for key, value in zip(keys, row, strict=False) if key and value is not None}
        for row in rows[1:]
    ]


def _from_items(items: list, *, exported_on, source) -> Catalogue:
    if not items:
        raise ValidationError(_(MSG_EMPTY))
    errors: list[str] = []
    records: list[Record] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        code = str(item.get("ma_thu_tuc", "")).strip() if isinstance(item, dict) else ""
        try:
            record = _record(item)
            if record.code in seen:
                raise ValidationError(
                    _(MSG_DUPLICATE) % {"code": record.code, "first": seen[record.code]}
                )
            seen[record.code] = n
            records.append(record)
        except ValidationError as exc:
            errors += [
                _(MSG_ITEM) % {"n": n, "code": code or "—", "message": m} for m in exc.messages
            ]
    if errors:
        raise ValidationError(errors[:200])
    return Catalogue(records=records, exported_on=exported_on, source=source)


def _record(item) -> Record:
    if not isinstance(item, dict):
        raise ValidationError(_(MSG_NOT_OBJECT))
    unknown = sorted(str(k) for k in item if k not in FIELDS)
    if unknown:
        raise ValidationError(_(MSG_UNKNOWN_FIELDS) % {"names": ", ".join(unknown)})
    errors: list[str] = []

    def get(key, parse):
        value = item.get(key)
        if value in (None, ""):
            if FIELDS[key][1]:
                errors.append(_(MSG_REQUIRED) % {"field": _(FIELDS[key][0])})
            return None
        try:
            return parse(value, key)
        except ValueError as exc:
            errors.append(str(exc))
            return None

    code = get("ma_thu_tuc", _code)
    name = get("ten_thu_tuc", _text)
    level = get("cap_thuc_hien", _level)
    amount = get("thoi_han", _amount)
    unit = get("don_vi_thoi_han", _unit) or WORKING_DAYS
    fee = get("phi_le_phi", _fee) or 0
    texts = {k: get(k, _text) or "" for k in ("linh_vuc", "mo_ta_phi", "co_quan_thuc_hien")}
    legal, result = get("can_cu_phap_ly", _long_text), get("ket_qua", _long_text)
    effective = get("ngay_hieu_luc", _date)
    if errors:
        raise ValidationError(errors)
    return Record(
        code=code,
        attributes={
            "name": name,
            "field": texts["linh_vuc"],
            "level": level,
            "authority": texts["co_quan_thuc_hien"],
        },
        rules={
            **_limits(amount, unit),
            "fee": fee,
            "fee_note": texts["mo_ta_phi"],
            "legal_basis": legal or "",
            "result": result or "",
        },
        unit=unit,
        effective_from=effective,
    )


def _limits(amount: Decimal, unit: str) -> dict:
    """The processing time in the column of its unit (ProcedureVersion: exactly one)."""
    return {
        "limit_days": _whole_days(amount) if unit == WORKING_DAYS else None,
        "limit_calendar_days": _whole_days(amount) if unit == CALENDAR_DAYS else None,
        "limit_hours": amount.quantize(Decimal("0.01")) if unit == WORKING_HOURS else None,
    }


def _label(key) -> str:
    return _(FIELDS[key][0])


def _scalar(value, key) -> str:
    if isinstance(value, dict | list | bool):
        raise ValueError(_(MSG_BAD_TEXT) % {"field": _label(key)})
    return " ".join(str(value).split())


def _code(value, key) -> str:
    text = _scalar(value, key)
    match = CODE.match(text)
    if not match:
        raise ValueError(_(MSG_BAD_CODE) % {"value": text[:60]})
    return match.group(1)


def _text(value, key) -> str:
    text = _scalar(value, key)
    if len(text) > LENGTHS[key]:
        raise ValueError(_(MSG_TOO_LONG) % {"field": _label(key), "max": LENGTHS[key]})
    return text


def _long_text(value, key) -> str:
    """Free text, or a list of lines (the legal basis is a list of legal documents)."""
    if isinstance(value, list):
        if not all(isinstance(line, str | int) for line in value):
            raise ValueError(_(MSG_BAD_TEXT) % {"field": _label(key)})
        text = "\n".join(" ".join(str(line).split()) for line in value)
    elif isinstance(value, dict | bool):
        raise ValueError(_(MSG_BAD_TEXT) % {"field": _label(key)})
    else:
        text = "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines())
    if len(text) > TEXT_MAX:
        raise ValueError(_(MSG_TOO_LONG) % {"field": _label(key), "max": TEXT_MAX})
    return text


def _level(value, key) -> str:
    text = _scalar(value, key).lower()
    if text not in LEVELS:
        allowed = "Cấp tỉnh, Cấp xã, Liên thông, Cấp trung ương"
        raise ValueError(_(MSG_BAD_LEVEL) % {"value": text[:60], "allowed": allowed})
    return str(LEVELS[text])


def _unit(value, key) -> str:
    text = _scalar(value, key).lower()
    if text not in UNITS:
        raise ValueError(_(MSG_BAD_UNIT) % {"value": text[:60], "allowed": ", ".join(UNITS)})
    return text


def _number(value, key, maximum) -> Decimal:
    text = _scalar(value, key).replace(",", ".") if not isinstance(value, int | float) else value
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(  # noqa: B904 - the value, not the exception, is the message
            _(MSG_BAD_NUMBER) % {"value": str(value)[:60], "field": _label(key)}
        )
    if not number.is_finite() or number < 0:
        raise ValueError(_(MSG_BAD_NUMBER) % {"value": str(value)[:60], "field": _label(key)})
    if number > maximum:
        raise ValueError(
            _(MSG_TOO_BIG) % {"value": str(value)[:60], "field": _label(key), "max": maximum}
        )
    return number


def _amount(value, key) -> Decimal:
    number = _number(value, key, LIMIT_DAYS_MAX)
    if number == 0:
        raise ValueError(_(MSG_BAD_NUMBER) % {"value": str(value)[:60], "field": _label(key)})
    return number


def _whole_days(amount: Decimal) -> int:
    """A limit in days is whole days: half a day is counted as a full one (the national
    catalogue writes "0,5 ngày" for a few procedures; eISO's clock counts days)."""
    return int(amount.to_integral_value(rounding="ROUND_CEILING"))


def _fee(value, key) -> int:
    text = (
        _scalar(value, key).replace(".", "").replace(" ", "") if isinstance(value, str) else value
    )
    number = _number(text, key, FEE_MAX)
    if number != number.to_integral_value():
        raise ValueError(_(MSG_BAD_NUMBER) % {"value": str(value)[:60], "field": _label(key)})
    return int(number)


def _date(value, key) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _scalar(value, key)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_(MSG_BAD_DATE) % {"value": text[:60], "field": key})
