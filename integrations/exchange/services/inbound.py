"""Packages and status messages that reach this agency (uploaded by the clerk, pushed to the
inbound endpoint, or fetched from the platform).

A package addressed to this agency becomes an external document (quality.documents) with
the attached PDF as its file, in ONE transaction with its exchange-log line; the same package
twice is one document; a package that replaces an earlier text marks that document replaced.
Everything refused (unreadable or hostile XML, another agency's package, an unknown
recipient, a PDF whose signature does not verify) leaves a log line with the reason, nothing
else, and a notice to the clerks.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integrations.exchange import edxml
from integrations.exchange.models import Direction, ExchangeMessage, Kind, LogStatus
from integrations.exchange.services import outbound
from iso_platform.accounts.models import User
from iso_platform.current import current_agency
from quality.core.permissions import CAPABILITIES
from quality.core.services import notify_once
from quality.documents.models import DocType, Document, LegalStatus, SignatureCheck
from quality.documents.services.documents import document_create, external_status_set
from quality.documents.services.files import revision_file_add
from quality.documents.services.signatures import pdf_bytes_verify
from tenants.models import Agency

logger = logging.getLogger(__name__)
REFUSED_KEEP = 1024 * 1024

READ_ERRORS = {
    "empty": gettext_noop("Tệp gói tin rỗng."),
    "too_big": gettext_noop("Gói tin nặng %(size)s byte, vượt giới hạn %(limit)s byte."),
    "encoding": gettext_noop("Gói tin phải mã hoá UTF-8 (gói tin khai báo “%(encoding)s”)."),
    "dtd": gettext_noop(
        "Gói tin có khai báo DTD hoặc thực thể XML (DOCTYPE, ENTITY): không được phép vì có thể "
        "dùng để tấn công (billion laughs, thực thể ngoài)."
    ),
    "syntax": gettext_noop("Gói tin không phải XML hợp lệ: %(detail)s"),
    "depth": gettext_noop("Gói tin lồng nhau quá %(limit)s cấp."),
    "elements": gettext_noop("Gói tin có quá %(limit)s phần tử XML."),
    "root": gettext_noop("Gói tin không theo định dạng edXML (phần tử gốc là “%(tag)s”)."),
    "missing": gettext_noop("Gói tin thiếu phần tử bắt buộc “%(element)s”."),
    "repeated": gettext_noop("Phần tử “%(element)s” xuất hiện nhiều lần trong gói tin."),
    "too_long": gettext_noop("Phần tử “%(element)s” dài quá %(limit)s ký tự."),
    "date": gettext_noop("Ngày “%(value)s” của “%(element)s” không đúng dạng năm/tháng/ngày."),
    "business_type": gettext_noop("Loại nghiệp vụ “%(value)s” không có trong quy chuẩn."),
    "attachments": gettext_noop("Gói tin có quá %(limit)s tệp đính kèm."),
    "attachment_missing": gettext_noop(
        "Tệp đính kèm “%(content_id)s” được khai báo nhưng không có trong gói tin."
    ),
    "attachment_undeclared": gettext_noop(
        "Tệp đính kèm “%(content_id)s” không được khai báo trong danh mục của gói tin."
    ),
    "attachment_empty": gettext_noop("Tệp đính kèm “%(name)s” rỗng."),
    "base64": gettext_noop("Nội dung tệp đính kèm “%(name)s” không phải base64 hợp lệ."),
    "status_code": gettext_noop("Mã trạng thái “%(value)s” không có trong quy chuẩn."),
}
MSG_NO_IDENTIFIER = gettext_noop(
    "Cơ quan chưa có mã định danh điện tử: hãy nhờ quản trị viên của tỉnh khai báo trước khi "
    "nhận văn bản liên thông."
)
MSG_OTHER_AGENCY = gettext_noop(
    "Gói tin gửi cho cơ quan khác (%(codes)s), không phải cơ quan này (%(own)s)."
)
MSG_UNKNOWN_RECIPIENT = gettext_noop(
    "Mã định danh nơi nhận (%(codes)s) không thuộc cơ quan nào trong hệ thống."
)
MSG_NO_PDF = gettext_noop("Gói tin không có tệp PDF của văn bản.")
MSG_SIGNATURE = gettext_noop("Chữ ký số của tệp “%(name)s” không hợp lệ: %(detail)s")
MSG_PDF_UNREADABLE = gettext_noop("Không kiểm tra được chữ ký số của tệp “%(name)s”: %(detail)s")
MSG_NOT_STORED = gettext_noop("Không lưu được văn bản: %(detail)s")
MSG_DUPLICATE = gettext_noop("Gói tin này đã được nhận trước đó.")
MSG_REPLACED_MISSING = gettext_noop(
    "Văn bản ghi là thay thế “%(ids)s” nhưng không tìm thấy văn bản đó trong tài liệu bên ngoài."
)
MSG_REPLACED = gettext_noop("Đã đánh dấu văn bản %(number)s bị thay thế.")
MSG_NO_CLERK = gettext_noop("Cơ quan chưa có ai giữ vai trò quản lý tài liệu để nhận văn bản.")
MSG_STATUS_UNKNOWN = gettext_noop(
    "Thông điệp trạng thái cho gói tin “%(id)s” mà cơ quan này không gửi tới %(code)s."
)
MSG_NOTICE_IN = gettext_noop("Văn bản đến qua liên thông: %(symbol)s")
MSG_NOTICE_REFUSED = gettext_noop("Gói tin liên thông bị từ chối")


class Refusal(Exception):
    def __init__(self, reason: str, **fields):
        super().__init__(reason)
        self.reason, self.fields = reason, fields


def limits() -> edxml.Limits:
    return edxml.Limits(max_bytes=settings.EXCHANGE_PACKAGE_MAX_MB * 1024 * 1024)


def read_error_text(error: edxml.PackageError) -> str:
    return _(READ_ERRORS.get(error.code, READ_ERRORS["root"])) % {"tag": "?", **error.params}


# --------------------------------------------------------------------------- entry point


def message_receive(*, data: bytes, channel: str, actor=None) -> ExchangeMessage:
    """Whatever arrived: a package or a status message. Returns its exchange-log line."""
    try:
        message = edxml.read(data, limits())
    except edxml.PackageError as error:
        return _refuse(data, channel, actor, read_error_text(error), kind=Kind.PACKAGE)
    if isinstance(message, edxml.StatusMessage):
        return status_receive(status=message, data=data, channel=channel)
    return package_receive(package=message, data=data, channel=channel, actor=actor)


def package_receive(
    *, package: edxml.Package, data: bytes, channel: str, actor=None
) -> ExchangeMessage:
    fields = _package_fields(package)
    try:
        _check_recipient(package)
        duplicate = _duplicate_of(package)
        if duplicate is not None:
            return _log(
                data,
                channel,
                actor,
                LogStatus.DUPLICATE,
                _(MSG_DUPLICATE),
                **{**fields, "document": duplicate.document, "file": duplicate.file},
            )
        pdf = _main_pdf(package)
        verdict = _verify(pdf)
        actor = actor or _receiving_clerk()
        return _import(package, data, channel, actor, fields, (pdf, verdict))
    except Refusal as refusal:
        return _refuse(data, channel, actor, refusal.reason, **{**fields, **refusal.fields})


# --------------------------------------------------------------------------- checks


def _package_fields(package: edxml.Package) -> dict:
    return {
        "kind": Kind.PACKAGE,
        "package_id": package.document_id[:300],
        "sender_code": package.sender.identifier[:40],
        "sender_name": package.sender.name[:255],
        "recipient_codes": ", ".join(r.identifier for r in package.recipients)[:500],
        "symbol": package.symbol[:120],
        "subject": package.subject[:1000],
        # As received, known kind or not (doctypes: the kind is read from them).
        "type_code": package.type_code[:20],
        "type_name": package.type_name[:100],
    }


def _check_recipient(package: edxml.Package) -> None:
    agency = current_agency()
    own = agency.identifier if agency else ""
    if not own:
        raise Refusal(_(MSG_NO_IDENTIFIER))
    codes = [r.identifier for r in package.recipients]
    # A merged agency's identifier leads here too (Agency.objects.by_identifier).
    answering = [Agency.objects.by_identifier(code) for code in codes]
    if any(found is not None and found.pk == agency.pk for found in answering):
        return
    listed = ", ".join(codes)
    if any(found is not None for found in answering):
        raise Refusal(_(MSG_OTHER_AGENCY) % {"codes": listed, "own": own})
    raise Refusal(_(MSG_UNKNOWN_RECIPIENT) % {"codes": listed})


def _duplicate_of(package: edxml.Package) -> ExchangeMessage | None:
    return ExchangeMessage.objects.filter(
        direction=Direction.IN,
        kind=Kind.PACKAGE,
        status=LogStatus.IMPORTED,
        sender_code=package.sender.identifier,
        package_id=package.document_id,
    ).first()


def _is_pdf(attachment: edxml.Attachment) -> bool:
    return attachment.data.startswith(b"%PDF-") and (
        attachment.content_type == "application/pdf" or attachment.name.lower().endswith(".pdf")
    )


def _main_pdf(package: edxml.Package) -> edxml.Attachment:
    for attachment in package.attachments:
        if _is_pdf(attachment):
            return attachment
    raise Refusal(_(MSG_NO_PDF))


def _verify(pdf: edxml.Attachment) -> dict:
    """The signature check of the text's PDF; anything but valid refuses the package.

    The verdict of a package that is imported becomes its file's `FileVerification` (the
    document's, shown by the log through the file); a refused package never has a file, so
    its log line keeps the verdict that refused it (`ExchangeMessage.verification`)."""
    verdict = pdf_bytes_verify(pdf.data)
    if verdict["status"] == SignatureCheck.REFUSED:
        detail = verdict["message"]
        raise Refusal(
            _(MSG_PDF_UNREADABLE) % {"name": pdf.name, "detail": detail},
            verification=_kept(pdf, verdict),
        )
    if verdict["status"] != SignatureCheck.VALID:
        failing = [s for s in verdict["signatures"] if s["status"] != SignatureCheck.VALID]
        detail = "; ".join(s["message"] for s in failing) or verdict["message"]
        raise Refusal(
            _(MSG_SIGNATURE) % {"name": pdf.name, "detail": detail},
            verification=_kept(pdf, verdict),
        )
    return verdict


def _kept(pdf: edxml.Attachment, verdict: dict) -> dict:
    # What the refusal's evidence needs: which file, the verdict and each signature.
    keys = ("status", "message", "signatures", "refusal", "trust_fingerprints")
    return {"file": pdf.name, **{key: verdict[key] for key in keys}}


def _receiving_clerk() -> User:
    """Who registers what arrives through the endpoint: the agency's administrator if they
    manage documents, else the first person who does (the audit trail names them)."""
    roles = CAPABILITIES["documents.manage"]
    clerk = (
        User.objects.filter(is_active=True, role__in=roles)
        .order_by("-is_agency_admin", "pk")
        .first()
    )
    if clerk is None:
        raise Refusal(_(MSG_NO_CLERK))
    return clerk


# --------------------------------------------------------------------------- import


def _code_for(package: edxml.Package) -> str:
    folded = unicodedata.normalize("NFKD", package.symbol.replace("Đ", "D").replace("đ", "d"))
    folded = re.sub(r"[^A-Za-z0-9./-]", "", folded.encode("ascii", "ignore").decode()).upper()
    return folded[:60] or "VB." + hashlib.sha256(package.document_id.encode()).hexdigest()[:8]


def _free_code(package: edxml.Package) -> str:
    code = _code_for(package)
    if not Document.objects.filter(code__iexact=code).exists():
        return code
    suffix = hashlib.sha256(package.document_id.encode()).hexdigest()[:6].upper()
    return f"{code[:52]}.{suffix}"


def _import(package, data: bytes, channel: str, actor, fields: dict, checked) -> ExchangeMessage:
    """`checked`: the main PDF and its verdict, kept as that file's verification."""
    written: list = []
    try:
        with transaction.atomic():
            document, main = _document_create(package, actor, written, checked)
            note = _replace_earlier(package, document, actor)
            log = _log(
                data,
                channel,
                actor,
                LogStatus.IMPORTED,
                note,
                document=document,
                file=main,
                **fields,
            )
            written.append(log.package_file)
            _notify(log, _(MSG_NOTICE_IN) % {"symbol": package.symbol}, package.subject)
            return log
    except IntegrityError:
        # The same package imported at the same moment by another request: one document.
        _delete(written)
        duplicate = _duplicate_of(package)
        if duplicate is None:
            raise
        return _log(
            data,
            channel,
            actor,
            LogStatus.DUPLICATE,
            _(MSG_DUPLICATE),
            **{**fields, "document": duplicate.document, "file": duplicate.file},
        )
    except ValidationError as exc:
        _delete(written)
        detail = " ".join(exc.messages)
        raise Refusal(_(MSG_NOT_STORED) % {"detail": detail}) from None
    except BaseException:
        _delete(written)
        raise


def _document_create(package: edxml.Package, actor, written: list, checked):
    document = document_create(
        actor=actor,
        doc_type=DocType.EXTERNAL,
        code=_free_code(package),
        title=package.subject[:500],
        body=package.content,
        legal={
            "legal_number": package.symbol[:100],
            "issuer": (package.sender.name or package.sender.identifier)[:255],
            "signed_on": package.promulgated_on,
        },
    )
    revision = document.current_revision
    pdf, verdict = checked
    main = None
    for attachment in package.attachments:
        upload = ContentFile(attachment.data, name=attachment.name)
        # The main PDF keeps the verdict made on receipt; other PDFs are checked as any
        # legal text's file is.
        known = verdict if attachment is pdf else None
        record = revision_file_add(actor=actor, revision=revision, upload=upload, verdict=known)
        written.append(record.file)
        main = record if attachment is pdf else main
    return document, main


def _replace_earlier(package: edxml.Package, document: Document, actor) -> str:
    if not package.replaces:
        return ""
    earlier = ExchangeMessage.objects.filter(
        direction=Direction.IN,
        kind=Kind.PACKAGE,
        status=LogStatus.IMPORTED,
        package_id__in=package.replaces,
        document__isnull=False,
    ).values_list("document_id", flat=True)
    symbols = [edxml.symbol_of_document_id(i) for i in package.replaces]
    old = Document.objects.filter(doc_type=DocType.EXTERNAL).exclude(pk=document.pk)
    targets = list(old.filter(pk__in=list(earlier))) or list(
        old.filter(legal_number__in=[s for s in symbols if s])
    )
    if not targets:
        return _(MSG_REPLACED_MISSING) % {"ids": ", ".join(package.replaces)}
    for target in targets:
        if target.legal_status != LegalStatus.REPLACED:
            external_status_set(
                actor=actor, document=target, status=LegalStatus.REPLACED, replaced_by=document
            )
    return _(MSG_REPLACED) % {"number": ", ".join(t.legal_number or t.code for t in targets)}


def _delete(files) -> None:
    for stored in files:
        if stored and stored.name:
            try:
                stored.storage.delete(stored.name)
            except OSError:
                logger.warning("exchange: could not remove %s", stored.name, exc_info=True)


# --------------------------------------------------------------------------- log and notices


def _log(data: bytes, channel: str, actor, status: str, reason: str, **fields) -> ExchangeMessage:
    digest = hashlib.sha256(data).hexdigest()
    log = ExchangeMessage(
        direction=Direction.IN,
        status=status,
        reason=reason,
        channel=channel,
        digest=digest,
        size=len(data),
        actor=actor if getattr(actor, "pk", None) else None,
        **{"kind": Kind.PACKAGE, **fields},
    )
    if status != LogStatus.DUPLICATE:
        # Kept whole: the source of the document, and the evidence of a refusal.
        log.package_file.save(f"{digest}.xml", ContentFile(data), save=False)
    log.save()
    return log


def _refuse(data: bytes, channel: str, actor, reason: str, **fields) -> ExchangeMessage:
    with transaction.atomic():
        # The start of a refused body is kept as evidence, never a flood of it.
        log = _log(data[:REFUSED_KEEP], channel, actor, LogStatus.REFUSED, reason, **fields)
        _notify(log, _(MSG_NOTICE_REFUSED), reason)
    logger.info("exchange: refused a package in %s: %s", connection.schema_name, reason)
    return log


def _notify(log: ExchangeMessage, title: str, body: str) -> None:
    people = User.objects.filter(is_active=True, role__in=CAPABILITIES["documents.manage"])
    for person in people:
        notify_once(
            user=person,
            key=f"exchange:{log.pk}",
            title=title,
            body=body[:2000],
            url=f"/integrations/exchange/{log.pk}/",
        )


# --------------------------------------------------------------------------- status messages


def status_receive(*, status: edxml.StatusMessage, data: bytes, channel: str) -> ExchangeMessage:
    """A status message about a package this agency sent: the delivery moves forward."""
    fields = {
        "kind": Kind.STATUS,
        "package_id": status.document_id[:300],
        "sender_code": status.sender.identifier[:40],
        "sender_name": status.sender.name[:255],
        "symbol": status.code[:120],
        "status_code": status.status_code,
        "subject": status.description[:1000],
    }
    with transaction.atomic():
        applied = outbound.delivery_status_apply(status=status)
        if applied is None:
            reason = _(MSG_STATUS_UNKNOWN) % {
                "id": status.document_id,
                "code": status.sender.identifier,
            }
            log = _log(data, channel, None, LogStatus.REFUSED, reason, **fields)
        else:
            log = _log(data, channel, None, LogStatus.APPLIED, applied, **fields)
    return log
