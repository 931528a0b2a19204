"""An agency adopts a newer pack version item by item, never overwriting its own edits.

For each item of the newest release compared with the version the agency holds:
- new item: adopting creates it as a draft document;
- changed item, the agency's document still the untouched template draft: the draft is
  updated in place (nothing of theirs to lose);
- changed item, the document edited or issued: adopting opens a change request and a new
  draft revision carrying the template's text; the revision in force stays until the agency
  approves the draft through the normal life cycle (so they can merge their own changes);
  an edited draft is never replaced: the new text is shown to copy by hand, or the item is
  marked as handled;
- removed item: shown only; nothing of the agency's is ever deleted.
Declining records the version so the item stops showing until a later version changes it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from onboarding.models import Checklist, PackInstall, PackItemState
from onboarding.services.checklist import checklist_refresh_on_commit
from onboarding.services.packs import pack_install, pack_load, release_content, render
from quality.core.permissions import can
from quality.core.services import audit_record
from quality.documents.models import Document, DocumentStatus, RevisionStatus
from quality.documents.services import documents as svc
from tenants.models import Agency

MSG_NO_CHANGE = gettext_noop("Mục này không có thay đổi nào để áp dụng.")
MSG_EDITED_DRAFT = gettext_noop(
    "Bản dự thảo “%(code)s” đã được cơ quan sửa: eISO không ghi đè. Hãy chép phần cần thiết "
    "từ nội dung mẫu mới, rồi đánh dấu đã xử lý."
)
MSG_CODE_TAKEN = gettext_noop(
    "Cơ quan đã có tài liệu mã “%(code)s”; đổi mã tài liệu đó trước khi thêm mục mẫu."
)
MSG_OPEN_DRAFT = gettext_noop(
    "“%(code)s” đang có bản dự thảo chưa ban hành; hoàn tất hoặc huỷ bản đó trước."
)


@dataclass
class Change:
    item_key: str
    change: str  # added, changed, removed
    title: str
    new: dict | None
    old: dict | None
    document: Document | None
    edited: bool
    diff_html: str = ""

    @property
    def can_adopt(self) -> bool:
        return self.change in ("added", "changed") and not (
            self.change == "changed" and self.edited and self._draft_only
        )

    @property
    def _draft_only(self) -> bool:
        return self.document is not None and self.document.status == DocumentStatus.DRAFT


def _require(actor) -> None:
    if not can(actor, "documents.manage"):
        raise PermissionDenied("documents.manage")


def _agency_name() -> str:
    agency = getattr(connection, "tenant", None)
    if agency is None or not hasattr(agency, "name"):
        agency = Agency.objects.filter(schema_name=connection.schema_name).first()
    return agency.name if agency else ""


def installed_packs() -> list[str]:
    return sorted(set(PackInstall.objects.values_list("pack", flat=True)))


def _states(key: str) -> dict[str, PackItemState]:
    """Item states of a pack, backfilled for agencies installed before states existed."""
    states = {
        s.item_key: s for s in PackItemState.objects.filter(pack=key).select_related("document")
    }
    install = PackInstall.objects.filter(pack=key).order_by("version").first()
    if install is None:
        return states
    missing = [
        PackItemState(
            pack=key, item_key=d.pack_key.split(":", 1)[1], version=install.version, document=d
        )
        for d in Document.objects.filter(pack_key__startswith=f"{key}:")
        if d.pack_key.split(":", 1)[1] not in states
    ]
    if missing:
        PackItemState.objects.bulk_create(missing, ignore_conflicts=True)
        states = {
            s.item_key: s for s in PackItemState.objects.filter(pack=key).select_related("document")
        }
    return states


def _untouched(document: Document, old: dict | None, year: int) -> bool:
    """Still exactly the template's first draft: never issued, text as the pack gave it."""
    if old is None or document.status != DocumentStatus.DRAFT:
        return False
    revision = document.latest_revision
    if revision is None or revision.number != 1:
        return False
    name = _agency_name()
    return revision.body == render(old["body"], agency_name=name, year=year) and (
        revision.title == render(old["title"], agency_name=name, year=year)
    )


def pending(key: str) -> tuple[dict, list[Change]]:
    """The newest release of `key` and what in it differs from what this agency holds."""
    newest = release_content(key)
    states = _states(key)
    name = _agency_name()
    changes = []
    for item in newest["documents"]:
        state = states.get(item["key"])
        if state is not None and (
            state.version >= newest["version"] or state.declined_version == newest["version"]
        ):
            continue
        old = _item_of(key, state.version, item["key"]) if state else None
        document = state.document if state else None
        if state is None:
            change = "added"
        elif old is not None and all(
            old.get(f) == item.get(f) for f in ("doc_type", "code", "title", "body")
        ):
            continue  # unchanged between the versions
        else:
            change = "changed"
        year = document.created_at.year if document else timezone.localdate().year
        edited = document is not None and not _untouched(document, old, year)
        diff = ""
        if change == "changed":
            current = (
                document.latest_revision.body
                if document and document.latest_revision
                else render((old or {}).get("body", ""), agency_name=name, year=year)
            )
            diff = difflib.HtmlDiff(wrapcolumn=70).make_table(
                current.splitlines(),
                render(item["body"], agency_name=name, year=year).splitlines(),
                _("Đang có"),
                _("Mẫu phiên bản %(v)s") % {"v": newest["version"]},
                context=True,
                numlines=1,
            )
        changes.append(
            Change(item["key"], change, item["title"], item, old, document, edited, diff)
        )
    keys = {i["key"] for i in newest["documents"]}
    changes += [
        Change(k, "removed", s.document.title if s.document else k, None, None, s.document, False)
        for k, s in states.items()
        if k not in keys and s.declined_version != newest["version"]
    ]
    return newest, changes


def _item_of(key: str, version: int, item_key: str) -> dict | None:
    try:
        content = release_content(key, version)
    except LookupError:
        content = pack_load(key) if pack_load(key)["version"] == version else {"documents": []}
    return next((i for i in content["documents"] if i["key"] == item_key), None)


@transaction.atomic
def item_adopt(*, actor, key: str, item_key: str) -> Document:
    _require(actor)
    newest, changes = pending(key)
    change = next((c for c in changes if c.item_key == item_key), None)
    if change is None or change.change not in ("added", "changed"):
        raise ValidationError(_(MSG_NO_CHANGE))
    name, year = _agency_name(), timezone.localdate().year
    item = change.new
    if change.change == "added":
        document = _create(actor, key, item, name, year)
    else:
        document = _update(actor, change, item, name, year)
    PackItemState.objects.update_or_create(
        pack=key,
        item_key=item_key,
        defaults={
            "version": newest["version"],
            "document": document,
            "adopted_at": timezone.now(),
            "declined_version": None,
        },
    )
    audit_record(
        actor=actor,
        action="pack_adopt",
        subject=document,
        changes={
            "pack": key,
            "item": item_key,
            "version": newest["version"],
            "change": change.change,
        },
    )
    return document


def _create(actor, key, item, name, year) -> Document:

    code = render(item["code"], agency_name=name, year=year)
    if Document.objects.filter(code=code).exists():
        raise ValidationError(_(MSG_CODE_TAKEN) % {"code": code})
    document = svc.document_create(
        actor=actor,
        doc_type=item["doc_type"],
        code=code,
        title=render(item["title"], agency_name=name, year=year),
        body=render(item["body"], agency_name=name, year=year),
    )
    Document.objects.filter(pk=document.pk).update(pack_key=f"{key}:{item['key']}")
    return document


def _update(actor, change: Change, item, name, year) -> Document:

    document = change.document
    body = render(item["body"], agency_name=name, year=year)
    title = render(item["title"], agency_name=name, year=year)
    if not change.edited:  # the untouched template draft: update it in place
        svc.revision_update(actor=actor, revision=document.latest_revision, title=title, body=body)
        return document
    if document.status == DocumentStatus.DRAFT:
        raise ValidationError(_(MSG_EDITED_DRAFT) % {"code": document.code})
    if document.revisions.filter(status=RevisionStatus.DRAFT).exists():
        raise ValidationError(_(MSG_OPEN_DRAFT) % {"code": document.code})
    request = svc.change_request_create(
        actor=actor,
        document=document,
        reason=_("Bộ tài liệu mẫu được cập nhật"),
        proposal=_("Áp dụng nội dung mẫu mới; giữ lại các điều chỉnh riêng của cơ quan."),
    )
    revision = svc.change_request_accept(actor=actor, request=request, drafter=actor)
    svc.revision_update(actor=actor, revision=revision, title=title, body=body)
    return document


@transaction.atomic
def item_decline(*, actor, key: str, item_key: str) -> None:
    """Mark an item of the newest version as handled without changing any document."""
    _require(actor)
    newest = release_content(key)
    state = PackItemState.objects.filter(pack=key, item_key=item_key).first()
    if state is None:
        PackItemState.objects.create(
            pack=key, item_key=item_key, version=0, declined_version=newest["version"]
        )
    else:
        state.declined_version = newest["version"]
        state.save(update_fields=["declined_version"])
    audit_record(
        actor=actor,
        action="pack_decline",
        subject=Checklist.load(),
        changes={"pack": key, "item": item_key, "version": newest["version"]},
    )


@transaction.atomic
def pack_choose(*, actor, key: str) -> int:
    """Confirm the agency's pack (installing it if it is not there): a checklist step."""
    _require(actor)
    created = pack_install(agency_name=_agency_name(), key=key)
    checklist = Checklist.load()
    checklist.pack_chosen_at = timezone.now()
    checklist.save(update_fields=["pack_chosen_at"])
    audit_record(
        actor=actor,
        action="pack_choose",
        subject=checklist,
        changes={"pack": key, "documents": created},
    )

    checklist_refresh_on_commit()  # the province's rollout page follows at once
    return created
