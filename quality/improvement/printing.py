"""The nonconformity and corrective action form (Phiếu ghi nhận sự không phù hợp và hành
động khắc phục) of one record, in the official layout as an internal form.

A form is a record kept under the agency's own procedure, not an administrative document:
Appendix III of Decree 30/2020/NĐ-CP has no abbreviation for it (its "phiếu" are the
transmittal slips PG, PC, PB), so it takes no number from the register of outgoing
documents; it prints the record's code (SKPH-12) instead. Dated the day the record was
closed; dots while it is open.
"""

from __future__ import annotations

from django.utils import timezone, translation

from iso_platform.official import Heading, OfficialDocument, Paragraph, Signer, Table
from quality.core.official import official_issuer
from quality.improvement.models import NcSource, Nonconformity, RootCauseMethod

FORM_KIND = "PHIẾU"
FORM_NAME = "ghi nhận sự không phù hợp và hành động khắc phục"
# The fishbone's groups as printed (the page's labels are translated; the form is Vietnamese)
FISHBONE = {
    "con_nguoi": "Con người",
    "phuong_phap": "Phương pháp",
    "may_moc": "Máy móc, thiết bị",
    "vat_lieu": "Vật liệu, hồ sơ đầu vào",
    "do_luong": "Đo lường, kiểm soát",
    "moi_truong": "Môi trường làm việc",
}


def _day(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return f"{value:%d/%m/%Y}"


def _name(user) -> str:
    return user.full_name if user is not None else ""


def _facts(nc: Nonconformity) -> Table:
    source = NcSource(nc.source).label
    if nc.source_ref:
        source = f"{source} ({nc.source_ref})"
    return Table(
        [
            ["Nội dung", "Thông tin"],
            ["Nguồn phát hiện", str(source)],
            ["Mức độ", str(nc.get_severity_display())],
            ["Đơn vị liên quan", nc.unit.name if nc.unit_id else nc.unit_name],
            ["Ngày phát hiện", _day(nc.detected_at)],
            ["Người ghi nhận", _name(nc.created_by)],
            ["Người chịu trách nhiệm xử lý", _name(nc.owner)],
        ]
    )


def _analysis(nc: Nonconformity) -> list:
    if not nc.root_cause_method:
        return [Paragraph("Chưa phân tích nguyên nhân.")]
    detail = nc.root_cause_detail or {}
    body = [Paragraph(f"Phương pháp: {RootCauseMethod(nc.root_cause_method).label}.")]
    if nc.root_cause_method == RootCauseMethod.FIVE_WHYS:
        whys = detail.get("whys") or []
        body += [Paragraph(f"Tại sao {i}: {why}") for i, why in enumerate(whys, start=1)]
    else:
        for group, causes in (detail.get("groups") or {}).items():
            if causes:
                listed = "; ".join(str(c) for c in causes)
                body.append(Paragraph(f"{FISHBONE.get(group, group)}: {listed}"))
    return [*body, Paragraph(f"Nguyên nhân gốc rễ: {nc.root_cause or '(chưa xác định)'}")]


def _actions(nc: Nonconformity) -> list:
    actions = nc.all_actions().select_related("owner", "verified_by").order_by("due_on", "id")
    rows = [
        [
            str(i),
            a.title,
            _name(a.owner),
            _day(a.due_on),
            str(a.get_status_display()) + (f": {a.done_note}" if a.done_note else ""),
            " ".join(filter(None, [_name(a.verified_by), _day(a.verified_at)])),
        ]
        for i, a in enumerate(actions, start=1)
    ]
    if not rows:
        return [Paragraph("Chưa có hành động khắc phục.")]
    header = ["TT", "Hành động", "Người thực hiện", "Thời hạn", "Kết quả", "Xác nhận"]
    return [Table([header, *rows])]


def _verification(nc: Nonconformity) -> list:
    if nc.verified_at is None:
        due = _day(nc.verification_due_on)
        return [Paragraph(f"Chưa kiểm tra hiệu lực{f' (hạn {due})' if due else ''}.")]
    return [
        Paragraph(f"Kết quả: {nc.verification_note or '(không ghi)'}"),
        Paragraph(f"Người kiểm tra: {_name(nc.verified_by)}, ngày {_day(nc.verified_at)}."),
    ]


def _signer(nc: Nonconformity) -> Signer:
    if nc.verified_by_id:
        return Signer(position="Người kiểm tra hiệu lực", name=_name(nc.verified_by))
    return Signer(position="Người chịu trách nhiệm xử lý", name=_name(nc.owner))


def nonconformity_form(nc: Nonconformity) -> OfficialDocument:
    with translation.override("vi"):  # the labels of choices: the form is in Vietnamese
        return _form(nc)


def _form(nc: Nonconformity) -> OfficialDocument:
    correction = nc.correction or "Chưa có."
    if nc.corrected_at:
        correction += f" (ngày {_day(nc.corrected_at)})"
    body = [
        Heading("1. Mô tả sự không phù hợp"),
        Paragraph(nc.title),
        Paragraph(nc.description),
        _facts(nc),
        Heading("2. Khắc phục tức thời"),
        Paragraph(correction),
        Heading("3. Phân tích nguyên nhân"),
        *_analysis(nc),
        Heading("4. Hành động khắc phục"),
        *_actions(nc),
        Heading("5. Kiểm tra hiệu lực"),
        *_verification(nc),
    ]
    if nc.is_closed:
        body.append(Paragraph(f"Đã đóng ngày {_day(nc.closed_at)}. {nc.close_reason}".strip()))
    return OfficialDocument(
        issuer=official_issuer(),
        kind=FORM_KIND,
        subject=FORM_NAME,
        reference=f"Mã hồ sơ: {nc.code}",
        body=body,
        recipients=[nc.unit.name] if nc.unit_id else [],
        signer=_signer(nc),
        issued_on=timezone.localtime(nc.closed_at).date() if nc.is_closed else None,
    )
