"""Files of a revision: type and size checked, SHA-256 kept, text extracted for search."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from pathlib import PurePath

import filetype
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from iso_platform import untrusted
from iso_platform.outbox.services import task_enqueue
from iso_platform.quotas import quota_check
from quality.core.models import AgencySettings
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.models import Revision, RevisionFile, RevisionStatus, TextStatus
from quality.documents.services import signatures
from quality.documents.services.search import document_reindex

logger = logging.getLogger(__name__)

# extension -> (MIME type, what the content must sniff as)
ALLOWED = {
    ".pdf": ("application/pdf", {"application/pdf"}),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/zip",
        },
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
    ),
    ".png": ("image/png", {"image/png"}),
    ".jpg": ("image/jpeg", {"image/jpeg"}),
    ".jpeg": ("image/jpeg", {"image/jpeg"}),
}
MAX_TEXT = 500_000

MSG_FILE_TYPE = gettext_noop(
    "Tệp “%(name)s” không được chấp nhận: chỉ nhận PDF, DOCX, XLSX, PNG, JPG."
)
MSG_FILE_CONTENT = gettext_noop(
    "Nội dung tệp “%(name)s” không phải là %(ext)s như phần mở rộng của nó."
)
MSG_FILE_TOO_LARGE = gettext_noop(
    "Tệp “%(name)s” nặng %(size)s MB, vượt giới hạn %(limit)s MB của cơ quan."
)
MSG_FILE_EMPTY = gettext_noop("Tệp “%(name)s” rỗng.")
MSG_FILES_FROZEN = gettext_noop(
    "Không thêm tệp vào bản đã ban hành hoặc hết hiệu lực; hãy lập phiếu yêu cầu sửa đổi."
)


def safe_name(name: str) -> str:
    base = PurePath(name or "tep").name
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "tep"
    return base[-150:]


def revision_file_add(
    *, actor, revision: Revision, upload, verdict: dict | None = None
) -> RevisionFile:
    """`upload`: a Django UploadedFile (or any file object with .name and .size).
    `verdict`: the signature check already made of these bytes
    (`signatures.pdf_bytes_verify`), kept as the file's verification instead of a new one.

    The file is checked and written first, then the row is created in a transaction; if
    that transaction fails the written file is removed, so storage and database agree.
    """
    if not can(actor, "documents.draft"):
        raise PermissionDenied("documents.draft")
    _check_revision_open(revision)
    name, content_type, digest = upload_check(upload)
    record = RevisionFile(
        revision=revision,
        name=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        uploaded_by=actor,
    )
    upload.seek(0)
    record.file.save(name, upload, save=False)
    # A cycle otherwise: documents.tasks imports this module.
    from quality.documents.tasks import file_text_extract

    try:
        with transaction.atomic():
            _check_revision_open(revision, lock=True)
            record.save()
            audit_record(
                actor=actor,
                action="file_upload",
                subject=revision,
                parent=revision.document,
                changes={"file": name, "sha256": digest, "size": upload.size},
            )
            # Text for search, through the outbox: queued with the file, even if the broker
            # is down right now (extracting twice writes the same text).
            task_enqueue(task=file_text_extract, args=(record.pk,))
            if verdict is not None and content_type == signatures.PDF:
                signatures.file_verification_record(actor=actor, record=record, verdict=verdict)
            elif revision.document.is_external and content_type == signatures.PDF:
                # A legal text is legal only when signed: its signatures are checked at once.
                signatures.file_verification_request(
                    actor=actor, record=record, trigger=signatures.ON_UPLOAD
                )
    except BaseException:
        record.file.storage.delete(record.file.name)
        raise
    return record


def upload_check(upload) -> tuple[str, str, str]:
    """The checks every stored upload passes (documents' files, actions' evidence): type by
    extension and by content, the agency's size limit, the plan's storage. Returns the safe
    name, the MIME type and the SHA-256; raises ValidationError with the reason."""
    name = safe_name(upload.name)
    content_type, digest = _check(upload, name)
    _check_storage_limit(upload.size)
    return name, content_type, digest


def _check_storage_limit(size: int) -> None:
    """A plan with hard limits refuses a file beyond its included storage."""
    quota_check("storage", adding=size)


def _check_revision_open(revision: Revision, lock: bool = False) -> None:
    rows = Revision.objects.select_related("document")
    current = (rows.select_for_update() if lock else rows).get(pk=revision.pk)
    external = current.document.is_external and current.status == RevisionStatus.ISSUED
    if current.status != RevisionStatus.DRAFT and not external:
        raise ValidationError(_(MSG_FILES_FROZEN))


def _check(upload, name: str) -> tuple[str, str]:
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED:
        raise ValidationError({"file": _(MSG_FILE_TYPE) % {"name": name}})
    limit_mb = AgencySettings.load().max_upload_mb
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            {
                "file": _(MSG_FILE_TOO_LARGE)
                % {"name": name, "size": round(upload.size / 1024 / 1024, 1), "limit": limit_mb}
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": _(MSG_FILE_EMPTY) % {"name": name}})
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    content_type, accepted = ALLOWED[extension]
    if kind is None or kind.mime not in accepted:
        raise ValidationError(
            {"file": _(MSG_FILE_CONTENT) % {"name": name, "ext": extension[1:].upper()}}
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    return content_type, digest.hexdigest()


def file_text_extract(*, file_id: int) -> str:
    """Read the text of a PDF, DOCX or XLSX for search (images have none). Idempotent.

    A file over a limit of iso_platform.untrusted (a decompression bomb, too many pages,
    too slow) or damaged is kept as it is: it is only marked "text not extracted", with the
    reason shown on the document page, and is not searchable by its content."""

    record = RevisionFile.objects.select_related("revision").get(pk=file_id)
    RevisionFile.objects.filter(pk=file_id).update(
        text_status=TextStatus.RUNNING, text_started_at=timezone.now()
    )
    text, status, refusal = "", TextStatus.DONE, {}
    try:
        with record.file.open("rb") as handle:
            text = extract_text(handle.read(), PurePath(record.name).suffix.lower())
    except untrusted.Refused as exc:
        logger.warning("text of file %s not extracted: %s", file_id, exc.code)
        status, refusal = TextStatus.NOT_EXTRACTED, exc.as_json()
    except SoftTimeLimitExceeded:
        status, refusal = TextStatus.NOT_EXTRACTED, {"code": "stopped", "params": {}}
    except Exception:  # a damaged file must not stop the upload flow; it is just not searchable
        logger.exception("text extraction failed for file %s", file_id)
        status, refusal = TextStatus.NOT_EXTRACTED, {"code": "damaged", "params": {}}
    RevisionFile.objects.filter(pk=file_id).update(
        text=text[:MAX_TEXT], text_status=status, text_refusal=refusal
    )
    document_reindex(document_id=record.revision.document_id)
    return text


def extract_text(data: bytes, extension: str) -> str:
    """At most MAX_TEXT characters of a file's text. Raises untrusted.Refused."""
    deadline = untrusted.Deadline()
    if extension == ".pdf":
        return _pdf_text(data, deadline)
    if extension == ".docx":
        return _docx_text(data, deadline)
    if extension == ".xlsx":
        return _xlsx_text(data, deadline)
    return ""


class _Text:
    """Collects parts of text until MAX_TEXT characters: search needs no more."""

    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, part: str) -> bool:
        """False once full: stop reading."""
        self.parts.append(part)
        self.size += len(part) + 1
        return self.size <= MAX_TEXT

    def __str__(self):
        return "\n".join(self.parts)[:MAX_TEXT]


def _pdf_text(data: bytes, deadline: untrusted.Deadline) -> str:
    import pypdf
    from pypdf.errors import LimitReachedError

    reader, config = untrusted.pdf_reader(data, limits=untrusted.DOCUMENT)
    text = _Text()
    with pypdf.apply_configuration(config):
        for page in reader.pages:
            deadline.check()
            try:
                part = page.extract_text() or ""
            except LimitReachedError as exc:
                limit = round(untrusted.DOCUMENT.max_stream / untrusted.MB)
                raise untrusted.Refused("stream", limit=limit) from exc
            if not text.add(part):
                break
    return str(text)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)


def _docx_text(data: bytes, deadline: untrusted.Deadline) -> str:
    """Paragraphs of the main part, streamed (lxml iterparse, each paragraph dropped once
    read), so memory stays flat whatever the size of the XML."""
    from lxml import etree

    text = _Text()
    with untrusted.zip_open(data, untrusted.DOCUMENT) as archive:
        part = _docx_main_part(archive)
        with untrusted.member_open(archive, part) as stream:
            events = etree.iterparse(
                stream,
                events=("end",),
                tag=(f"{W}p", f"{W}tbl"),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            try:
                for count, (_event, element) in enumerate(events):
                    if count % 500 == 0:
                        deadline.check()
                    if element.tag == f"{W}p" and not text.add(
                        "".join(element.itertext(f"{W}t", with_tail=False))
                    ):
                        break
                    _drop_read(element)
            except etree.XMLSyntaxError as exc:
                raise untrusted.Refused("damaged") from exc
    return str(text)


def _drop_read(element) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None and parent.tag == f"{W}body":
        while element.getprevious() is not None:
            del parent[0]


def _docx_main_part(archive) -> str:
    """The main document part named by the package's relationships (word/document.xml
    for nearly every producer)."""
    from lxml import etree

    try:
        rels = etree.fromstring(
            untrusted.member_read(archive, "_rels/.rels", cap=untrusted.MB),
            etree.XMLParser(resolve_entities=False, no_network=True),
        )
    except (KeyError, etree.XMLSyntaxError) as exc:
        raise untrusted.Refused("damaged") from exc
    for rel in rels:
        if rel.get("Type") == OFFICE_DOCUMENT:
            name = (rel.get("Target") or "").lstrip("/")
            if name in archive.namelist():
                return name
    raise untrusted.Refused("damaged")


def _xlsx_text(data: bytes, deadline: untrusted.Deadline) -> str:
    text = _Text()
    rows = untrusted.xlsx_rows(data, limits=untrusted.DOCUMENT, sheets=None, deadline=deadline)
    try:
        for _sheet, _number, values in rows:
            for value in values:
                if value is not None and not text.add(str(value)):
                    return str(text)
    finally:
        rows.close()
    return str(text)


def revision_files_copy(*, source: Revision, target: Revision, written: list[str]) -> int:
    """Copy the files of `source` onto the new draft `target`, each to the target's own path.

    Files are stored per revision (the path holds the revision id), so the draft gets its own
    copies: replacing or removing one never touches the revision it came from. Runs inside
    the caller's transaction; the paths written are appended to `written` so the caller can
    remove them if that transaction fails.
    """
    count = 0
    for original in source.files.all():
        copy = RevisionFile(
            revision=target,
            name=original.name,
            content_type=original.content_type,
            size=original.size,
            sha256=original.sha256,
            uploaded_by=original.uploaded_by,
            text=original.text,  # the same bytes: the same text and the same verdict
            text_status=original.text_status,
            text_refusal=original.text_refusal,
        )
        with original.file.open("rb") as handle:
            copy.file.save(original.name, File(handle, name=original.name), save=False)
        written.append(copy.file.name)
        copy.save()
        if hasattr(original, "verification"):
            # The copy is checked again: the verdict depends on the day and the trust list.
            signatures.file_verification_request(
                actor=None, record=copy, trigger=signatures.ON_COPY
            )
        count += 1
    return count
