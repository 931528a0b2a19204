"""The package format of QCVN 102:2016/BTTTT (edXML), amended by 1:2022 (Circular
01/2022/TT-BTTTT): reading and writing packages and status messages exchanged between
document-management systems (docs/integration.md, "Document exchange (edXML)").

Pure Python (lxml, no Django), so the province platform simulator uses the very same code.

A package:

    <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
      <edXML:edXMLEnvelope xmlns:edXML="…same namespace…">
        <edXML:edXMLHeader>
          <edXML:MessageHeader> From, To+, DocumentId, Code, PromulgationInfo, DocumentType,
            Subject, Content, SignerInfo, DueDate, ToPlaces, OtherInfo, SteeringType
          <edXML:TraceHeaderList> TraceHeader+, Bussiness (BussinessDocType,
            ReplacementInfoList)
        <edXML:edXMLBody><edXML:edXMLManifest> Reference+ (ContentId, ContentType,
          AttachmentName, Description)
      <AttachmentEncoded> Attachment+ (ContentId, ContentType, AttachmentName,
        ContentTransferEncoded: base64)

A status message has `edXML:Status` in the header (ResponseFor, From, StatusCode,
Description, Timestamp, StaffInfo) and no body.

No XSD of the standard is published in machine-readable form that we could find, so the
structure is checked here element by element (`read`), and every refusal names its reason
(`PackageError.code`, with `params`). The parser is hardened: UTF-8 only, any DTD or entity
declaration refused before parsing (billion laughs, external entities), no network, bounded
size, depth, element count and attachment count (`Limits`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from lxml import etree

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y/%m/%d"
TIME_FORMAT = "%Y/%m/%d %H:%M:%S"

# BussinessDocType of the standard: what the package does to an earlier one.
NEW, REVOKE, UPDATE, REPLACE = "0", "1", "2", "3"
BUSINESS_TYPES = (NEW, REVOKE, UPDATE, REPLACE)

# StatusCode of the standard's status message.
STATUS_CODES = {
    "01": "received",  # đã đến: the receiving software has it, the clerk has not acted
    "02": "refused",  # từ chối tiếp nhận
    "03": "accepted",  # đã tiếp nhận (registered by the clerk)
    "04": "assigned",  # phân công xử lý
    "05": "processing",  # đang xử lý
    "06": "processed",  # hoàn thành
}
CODE_OF_STATUS = {name: code for code, name in STATUS_CODES.items()}

# OtherInfo/Priority: độ khẩn.
PRIORITIES = {
    "0": "thường",
    "1": "khẩn",
    "2": "thượng khẩn",
    "3": "hỏa tốc",
    "4": "hỏa tốc hẹn giờ",
}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_depth: int = 24
    max_elements: int = 5_000
    max_attachments: int = 20
    max_text: int = 4_000  # a header field (subject, names); attachments are apart


class PackageError(Exception):
    """A package or status message that cannot be read: `code` names the reason, `params`
    its figures (the caller turns them into a sentence in the reader's language)."""

    def __init__(self, code: str, **params):
        super().__init__(f"{code} {params}")
        self.code, self.params = code, params


@dataclass(frozen=True)
class Party:
    identifier: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes
    description: str = ""


@dataclass
class Package:
    sender: Party
    recipients: list[Party]
    number: str  # CodeNumber: "15"
    notation: str  # CodeNotation: "2025/NĐ-CP"
    promulgated_on: dt.date
    subject: str
    type_name: str
    document_id: str = ""  # the package's identity; by convention sender,date,number/notation
    type_code: str = ""
    place: str = ""
    content: str = ""
    signer_name: str = ""
    signer_position: str = ""
    signer_competence: str = ""
    due_date: dt.date | None = None
    priority: str = "0"
    steering_type: str = ""
    business_type: str = NEW
    replaces: list[str] = field(default_factory=list)  # DocumentIds this package replaces
    attachments: list[Attachment] = field(default_factory=list)
    sent_at: dt.datetime | None = None

    def __post_init__(self):
        if not self.document_id:
            self.document_id = default_document_id(
                self.sender.identifier, self.promulgated_on, self.symbol
            )

    @property
    def symbol(self) -> str:
        """Số, ký hiệu as written on the document: "15/2025/NĐ-CP"."""
        return f"{self.number}/{self.notation}" if self.number else self.notation


@dataclass
class StatusMessage:
    document_id: str  # ResponseFor/DocumentId: the package this status is about
    original_sender: str  # ResponseFor/OrganId
    sender: Party  # who reports: the recipient of the package
    status_code: str
    description: str = ""
    timestamp: dt.datetime | None = None
    code: str = ""  # ResponseFor/Code: the package's Số, ký hiệu
    staff_department: str = ""
    staff_name: str = ""

    @property
    def status(self) -> str:
        return STATUS_CODES[self.status_code]


def default_document_id(sender: str, on: dt.date, symbol: str) -> str:
    return f"{sender},{on:%Y/%m/%d},{symbol}"


def symbol_of_document_id(document_id: str) -> str:
    """The Số, ký hiệu part of a conventional DocumentId ("" when it is not one)."""
    parts = document_id.split(",", 2)
    return parts[2].strip() if len(parts) == 3 else ""


# --------------------------------------------------------------------------- writing


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent, name: str, text=None, *, plain: bool = False):
    element = etree.SubElement(parent, name if plain else _q(name))
    if text is not None:
        element.text = str(text)
    return element


def _root_and_header():
    root = etree.Element("edXML", nsmap={None: NS})
    # The namespace is declared twice (default and `edXML:`), as every implementation writes it.
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={"edXML": NS})
    header = _sub(envelope, "edXMLHeader")
    return root, envelope, header


def _party(parent, tag: str, party: Party) -> None:
    element = _sub(parent, tag)
    _sub(element, "OrganId", party.identifier)
    _sub(element, "OrganizationInCharge", party.name)
    _sub(element, "OrganName", party.name)


def _message_header(header, package: Package) -> None:
    message = _sub(header, "MessageHeader")
    _party(message, "From", package.sender)
    for recipient in package.recipients:
        _party(message, "To", recipient)
    _sub(message, "DocumentId", package.document_id)
    code = _sub(message, "Code")
    _sub(code, "CodeNumber", package.number)
    _sub(code, "CodeNotation", package.notation)
    promulgation = _sub(message, "PromulgationInfo")
    _sub(promulgation, "Place", package.place)
    _sub(promulgation, "PromulgationDate", package.promulgated_on.strftime(DATE_FORMAT))
    kind = _sub(message, "DocumentType")
    if package.type_code:
        _sub(kind, "Type", package.type_code)
    if package.type_name:
        _sub(kind, "TypeName", package.type_name)
    _sub(message, "Subject", package.subject)
    _sub(message, "Content", package.content)
    signer = _sub(message, "SignerInfo")
    _sub(signer, "Competence", package.signer_competence)
    _sub(signer, "Position", package.signer_position)
    _sub(signer, "FullName", package.signer_name)
    if package.due_date:
        _sub(message, "DueDate", package.due_date.strftime(DATE_FORMAT))
    places = _sub(message, "ToPlaces")
    for recipient in package.recipients:
        _sub(places, "Place", recipient.name or recipient.identifier)
    other = _sub(message, "OtherInfo")
    _sub(other, "Priority", package.priority or "0")
    _sub(other, "PageAmount", "1")
    if package.steering_type:
        _sub(message, "SteeringType", package.steering_type)


def _trace(header, package: Package) -> None:
    trace = _sub(header, "TraceHeaderList")
    step = _sub(trace, "TraceHeader")
    _sub(step, "OrganId", package.sender.identifier)
    moment = (package.sent_at or dt.datetime.now(TZ)).astimezone(TZ)
    _sub(step, "Timestamp", moment.strftime(TIME_FORMAT))
    business = _sub(trace, "Bussiness")  # the standard's spelling
    _sub(business, "BussinessDocType", package.business_type)
    if package.replaces:
        listing = _sub(business, "ReplacementInfoList")
        for document_id in package.replaces:
            _sub(_sub(listing, "ReplacementInfo"), "DocumentId", document_id)


def write_package(package: Package) -> bytes:
    root, envelope, header = _root_and_header()
    _message_header(header, package)
    _trace(header, package)
    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest", plain=False)
    manifest.set("version", "1.0")
    encoded = _sub(root, "AttachmentEncoded")
    for index, attachment in enumerate(package.attachments, start=1):
        content_id = f"{index:03d}.{attachment.name}"
        reference = etree.SubElement(manifest, _q("Reference"), nsmap={"xlink": XLINK})
        reference.set(f"{{{XLINK}}}href", f"cid:{content_id}")
        _sub(reference, "ContentId", f"cid:{content_id}")
        _sub(reference, "ContentType", attachment.content_type)
        _sub(reference, "AttachmentName", attachment.name)
        _sub(reference, "Description", attachment.description)
        item = _sub(encoded, "Attachment")
        _sub(item, "ContentId", content_id)
        _sub(item, "ContentType", attachment.content_type)
        _sub(item, "AttachmentName", attachment.name)
        _sub(item, "ContentTransferEncoded", base64.b64encode(attachment.data).decode("ascii"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def write_status(status: StatusMessage) -> bytes:
    root, _envelope, header = _root_and_header()
    element = _sub(header, "Status")
    response = _sub(element, "ResponseFor")
    _sub(response, "OrganId", status.original_sender)
    _sub(response, "Code", status.code)
    _sub(response, "DocumentId", status.document_id)
    _party(element, "From", status.sender)
    _sub(element, "StatusCode", status.status_code)
    _sub(element, "Description", status.description)
    moment = (status.timestamp or dt.datetime.now(TZ)).astimezone(TZ)
    _sub(element, "Timestamp", moment.strftime(TIME_FORMAT))
    staff = _sub(element, "StaffInfo")
    _sub(staff, "Department", status.staff_department)
    _sub(staff, "Staff", status.staff_name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --------------------------------------------------------------------------- reading

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_FORBIDDEN = ("<!DOCTYPE", "<!ENTITY")


def _precheck(data: bytes, limits: Limits) -> None:
    if not data or not data.strip():
        raise PackageError("empty")
    if len(data) > limits.max_bytes:
        raise PackageError("too_big", size=len(data), limit=limits.max_bytes)
    declared = _DECLARATION.match(data)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding not in ("utf-8", "utf8"):
        raise PackageError("encoding", encoding=encoding)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PackageError("encoding", encoding="?") from None
    # Refused before the parser sees them: no DTD means no entity expansion of any kind.
    for marker in _FORBIDDEN:
        if marker in text:
            raise PackageError("dtd")


def _parse(data: bytes, limits: Limits):
    _precheck(data, limits)
    depth = count = 0
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        # Attachments are long base64 texts; the size, depth and count bounds are ours.
        huge_tree=True,
    )
    root = None
    try:
        for event, element in events:
            if event == "start":
                depth, count = depth + 1, count + 1
                if depth > limits.max_depth:
                    raise PackageError("depth", limit=limits.max_depth)
                if count > limits.max_elements:
                    raise PackageError("elements", limit=limits.max_elements)
                root = element if root is None else root
            else:
                depth -= 1
    except etree.XMLSyntaxError as exc:
        raise PackageError("syntax", detail=str(exc)[:200]) from None
    if root is None or root.getroottree().docinfo.doctype:
        raise PackageError("dtd")
    return root


def _one(parent, name: str, *, required: bool = True, where: str = ""):
    found = parent.findall(_q(name)) if parent is not None else []
    if not found:
        found = parent.findall(name) if parent is not None else []
    if len(found) > 1:
        raise PackageError("repeated", element=name)
    if not found:
        if required:
            raise PackageError("missing", element=f"{where}{name}")
        return None
    return found[0]


def _many(parent, name: str) -> list:
    return list(parent.findall(_q(name))) + list(parent.findall(name))


def _text(parent, name: str, limits: Limits, *, required: bool = False, where: str = "") -> str:
    element = _one(parent, name, required=required, where=where)
    value = (element.text or "").strip() if element is not None else ""
    if required and not value:
        raise PackageError("missing", element=f"{where}{name}")
    if len(value) > limits.max_text:
        raise PackageError("too_long", element=name, limit=limits.max_text)
    return value


def _date(value: str, element: str) -> dt.date:
    for fmt in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    raise PackageError("date", element=element, value=value[:40])


def _moment(value: str) -> dt.datetime | None:
    for fmt in (TIME_FORMAT, "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(value[:19], fmt).replace(tzinfo=TZ)
        except ValueError:
            continue
    return None


def _read_party(element, limits: Limits, where: str) -> Party:
    identifier = _text(element, "OrganId", limits, required=True, where=where)
    return Party(
        identifier="".join(identifier.split()).upper(), name=_text(element, "OrganName", limits)
    )


def _envelope_header(root):
    if root.tag not in (_q("edXML"), "edXML"):
        raise PackageError("root", tag=str(root.tag)[:80])
    envelope = _one(root, "edXMLEnvelope")
    return envelope, _one(envelope, "edXMLHeader", where="edXMLEnvelope/")


def read(data: bytes, limits: Limits | None = None) -> Package | StatusMessage:
    """A package or a status message, or PackageError saying what is wrong."""
    limits = limits or Limits()
    root = _parse(data, limits)
    envelope, header = _envelope_header(root)
    if _one(header, "Status", required=False) is not None:
        return _read_status(_one(header, "Status"), limits)
    message = _one(header, "MessageHeader", where="edXMLHeader/")
    package = _read_header(message, limits)
    _read_business(header, package, limits)
    package.attachments = _read_attachments(root, envelope, limits)
    return package


def _read_header(message, limits: Limits) -> Package:
    sender = _read_party(_one(message, "From", where="MessageHeader/"), limits, "From/")
    recipients = [_read_party(to, limits, "To/") for to in _many(message, "To")]
    if not recipients:
        raise PackageError("missing", element="MessageHeader/To")
    code = _one(message, "Code", where="MessageHeader/")
    promulgation = _one(message, "PromulgationInfo", where="MessageHeader/")
    kind = _one(message, "DocumentType", where="MessageHeader/")
    signer = _one(message, "SignerInfo", required=False)
    other = _one(message, "OtherInfo", required=False)
    type_name, type_code = _text(kind, "TypeName", limits), _text(kind, "Type", limits)
    if not (type_name or type_code):
        raise PackageError("missing", element="DocumentType/TypeName")
    due = _text(message, "DueDate", limits)
    priority = _text(other, "Priority", limits) if other is not None else ""
    return Package(
        sender=sender,
        recipients=recipients,
        number=_text(code, "CodeNumber", limits),
        notation=_text(code, "CodeNotation", limits, required=True, where="Code/"),
        promulgated_on=_date(
            _text(promulgation, "PromulgationDate", limits, required=True), "PromulgationDate"
        ),
        place=_text(promulgation, "Place", limits),
        document_id=_text(message, "DocumentId", limits),
        type_code=type_code,
        type_name=type_name,
        subject=_text(message, "Subject", limits, required=True, where="MessageHeader/"),
        content=_text(message, "Content", limits),
        signer_name=_text(signer, "FullName", limits) if signer is not None else "",
        signer_position=_text(signer, "Position", limits) if signer is not None else "",
        signer_competence=_text(signer, "Competence", limits) if signer is not None else "",
        due_date=_date(due, "DueDate") if due else None,
        priority=priority if priority in PRIORITIES else "0",
        steering_type=_text(message, "SteeringType", limits),
    )


def _read_business(header, package: Package, limits: Limits) -> None:
    trace = _one(header, "TraceHeaderList", required=False)
    business = _one(trace, "Bussiness", required=False) if trace is not None else None
    if business is None:
        return
    kind = _text(business, "BussinessDocType", limits) or NEW
    if kind not in BUSINESS_TYPES:
        raise PackageError("business_type", value=kind[:10])
    package.business_type = kind
    listing = _one(business, "ReplacementInfoList", required=False)
    if listing is not None:
        package.replaces = [
            _text(info, "DocumentId", limits, required=True, where="ReplacementInfo/")
            for info in _many(listing, "ReplacementInfo")
        ]
    if kind == REPLACE and not package.replaces:
        raise PackageError("missing", element="Bussiness/ReplacementInfoList")


def _read_attachments(root, envelope, limits: Limits) -> list[Attachment]:
    body = _one(envelope, "edXMLBody", required=False)
    manifest = _one(body, "edXMLManifest", required=False) if body is not None else None
    declared = {}
    for reference in _many(manifest, "Reference") if manifest is not None else []:
        content_id = _text(reference, "ContentId", limits, required=True, where="Reference/")
        declared[content_id.removeprefix("cid:")] = reference
    encoded = _one(root, "AttachmentEncoded", required=False)
    items = _many(encoded, "Attachment") if encoded is not None else []
    if len(items) > limits.max_attachments:
        raise PackageError("attachments", limit=limits.max_attachments)
    found = [_read_attachment(item, declared, limits) for item in items]
    missing = set(declared) - {content_id for content_id, _a in found}
    if missing:
        raise PackageError("attachment_missing", content_id=sorted(missing)[0][:80])
    return [attachment for _content_id, attachment in found]


def _read_attachment(item, declared: dict, limits: Limits) -> tuple[str, Attachment]:
    content_id = _text(item, "ContentId", limits, required=True, where="Attachment/")
    content_id = content_id.removeprefix("cid:")
    reference = declared.get(content_id)
    if reference is None:
        raise PackageError("attachment_undeclared", content_id=content_id[:80])
    name = _text(item, "AttachmentName", limits) or _text(reference, "AttachmentName", limits)
    kind = _text(item, "ContentType", limits) or _text(reference, "ContentType", limits)
    payload = _one(item, "ContentTransferEncoded", where="Attachment/")
    try:
        data = base64.b64decode("".join((payload.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise PackageError("base64", name=name[:120]) from None
    if not data:
        raise PackageError("attachment_empty", name=name[:120])
    return content_id, Attachment(
        name=name or content_id,
        content_type=kind or "application/octet-stream",
        data=data,
        description=_text(reference, "Description", limits),
    )


def _read_status(element, limits: Limits) -> StatusMessage:
    response = _one(element, "ResponseFor", where="Status/")
    code = _text(element, "StatusCode", limits, required=True, where="Status/")
    if code not in STATUS_CODES:
        raise PackageError("status_code", value=code[:10])
    staff = _one(element, "StaffInfo", required=False)
    return StatusMessage(
        document_id=_text(response, "DocumentId", limits, required=True, where="ResponseFor/"),
        original_sender=_text(response, "OrganId", limits),
        code=_text(response, "Code", limits),
        sender=_read_party(_one(element, "From", where="Status/"), limits, "Status/From/"),
        status_code=code,
        description=_text(element, "Description", limits),
        timestamp=_moment(_text(element, "Timestamp", limits)),
        staff_department=_text(staff, "Department", limits) if staff is not None else "",
        staff_name=_text(staff, "Staff", limits) if staff is not None else "",
    )
