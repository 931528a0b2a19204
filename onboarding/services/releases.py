"""Pack releases on the province console: the file packs published as version 1, new versions
uploaded (JSON), compared with the version before, and published for agencies to adopt.

Runs in the public schema. A release's content is frozen once published: agencies compare
what they hold with it item by item (services.adoption).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from onboarding.province.models import PackRelease
from onboarding.services.packs import file_pack_keys, pack_load
from quality.documents.models import DocType
from tenants.models import AGENCY_KINDS_FOR_NEW

MAX_BYTES = 5 * 1024 * 1024
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,58}[a-z0-9]$")

MSG_JSON = gettext_noop("Tệp không phải JSON hợp lệ (UTF-8): %(error)s")
MSG_TOO_BIG = gettext_noop("Tệp lớn quá 5 MB.")
MSG_KEY = gettext_noop("Mã bộ tài liệu “%(key)s” không hợp lệ (chữ thường, số, dấu chấm, gạch).")
MSG_VERSION = gettext_noop(
    "Phiên bản phải là số nguyên lớn hơn phiên bản đã công bố gần nhất (%(latest)s)."
)
MSG_TITLE = gettext_noop("Cần tên bộ tài liệu (title).")
MSG_KINDS = gettext_noop("Loại cơ quan không hợp lệ: %(kinds)s.")
MSG_ITEM = gettext_noop("Mục %(n)s: %(problem)s")
MSG_ITEM_FIELDS = gettext_noop("cần key, doc_type, code, title và body")
MSG_ITEM_TYPE = gettext_noop("loại tài liệu “%(type)s” không hợp lệ")
MSG_ITEM_DUP = gettext_noop("key “%(key)s” bị trùng")
MSG_NO_ITEMS = gettext_noop("Bộ tài liệu cần ít nhất một tài liệu (documents).")
MSG_PUBLISHED = gettext_noop("Phiên bản này đã công bố; không sửa được nữa.")
MSG_BASE = gettext_noop("Không có bộ tài liệu “%(key)s” để kế thừa.")


def release_sync_files() -> int:
    """Publish each file pack's version as a release if it is not there yet (idempotent)."""
    created = 0
    for key in file_pack_keys():
        pack = pack_load(key)
        _release, was_created = PackRelease.objects.get_or_create(
            key=key,
            version=pack["version"],
            defaults={
                "title": pack["title"],
                "kinds": pack.get("kinds", []),
                "content": pack,
                "notes": pack.get("note", ""),
                "published_at": timezone.now(),
            },
        )
        created += was_created
    return created


def latest(key: str) -> PackRelease | None:
    return (
        PackRelease.objects.filter(key=key, published_at__isnull=False).order_by("-version").first()
    )


def release_upload(*, actor, data: bytes) -> PackRelease:
    """Check an uploaded pack version and keep it as an unpublished release."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_(MSG_TOO_BIG))
    try:
        pack = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(_(MSG_JSON) % {"error": exc}) from exc
    pack = _resolve(pack)
    errors = _problems(pack)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        release, _created = PackRelease.objects.update_or_create(
            key=pack["key"],
            version=pack["version"],
            published_at__isnull=True,
            defaults={
                "title": pack["title"].strip(),
                "kinds": pack.get("kinds", []),
                "content": pack,
                "notes": str(pack.get("note", "")).strip(),
                "published_by": actor,
            },
        )
    return release


def _resolve(pack) -> dict:
    if not isinstance(pack, dict):
        raise ValidationError(_(MSG_NO_ITEMS))
    base_key = pack.get("extends")
    if not base_key:
        return pack
    base = latest(base_key)
    if base is None:
        raise ValidationError(_(MSG_BASE) % {"key": base_key})
    items = {i["key"]: i for i in base.content["documents"]}
    for item in pack.get("documents", []):
        if isinstance(item, dict) and "key" in item:
            items[item["key"]] = item
    return {
        **{k: v for k, v in pack.items() if k != "extends"},
        "based_on": base_key,
        "documents": list(items.values()),
        "record_series": base.content.get("record_series", []) + pack.get("record_series", []),
    }


def _problems(pack: dict) -> list[str]:
    problems = []
    key = pack.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        problems.append(_(MSG_KEY) % {"key": key})
    newest = latest(key) if isinstance(key, str) else None
    version = pack.get("version")
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or (newest is not None and version <= newest.version)
        or (isinstance(version, int) and version < 1)
    ):
        problems.append(_(MSG_VERSION) % {"latest": newest.version if newest else 0})
    if not str(pack.get("title", "")).strip():
        problems.append(_(MSG_TITLE))
    kinds = pack.get("kinds", [])
    bad = (
        [k for k in kinds if k not in AGENCY_KINDS_FOR_NEW] if isinstance(kinds, list) else [kinds]
    )
    if bad:
        problems.append(_(MSG_KINDS) % {"kinds": ", ".join(map(str, bad))})
    items = pack.get("documents")
    if not isinstance(items, list) or not items:
        problems.append(_(MSG_NO_ITEMS))
        return problems
    seen = set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(f), str) and item.get(f).strip()
            for f in ("key", "doc_type", "code", "title", "body")
        ):
            problems.append(_(MSG_ITEM) % {"n": n, "problem": _(MSG_ITEM_FIELDS)})
            continue
        if item["doc_type"] not in DocType.values:
            problems.append(
                _(MSG_ITEM) % {"n": n, "problem": _(MSG_ITEM_TYPE) % {"type": item["doc_type"]}}
            )
        if item["key"] in seen:
            problems.append(
                _(MSG_ITEM) % {"n": n, "problem": _(MSG_ITEM_DUP) % {"key": item["key"]}}
            )
        seen.add(item["key"])
    return problems


@dataclass(frozen=True)
class ItemDiff:
    key: str
    change: str  # added, changed, removed, same
    title: str
    old: dict | None
    new: dict | None


def release_diff(old: dict | None, new: dict) -> list[ItemDiff]:
    """Item by item: added, changed (title, code or body), removed, same."""
    before = {i["key"]: i for i in (old or {}).get("documents", [])}
    after = {i["key"]: i for i in new.get("documents", [])}
    fields = ("doc_type", "code", "title", "body")
    diffs = []
    for key, item in after.items():
        previous = before.get(key)
        if previous is None:
            change = "added"
        elif any(previous.get(f) != item.get(f) for f in fields):
            change = "changed"
        else:
            change = "same"
        diffs.append(ItemDiff(key, change, item["title"], previous, item))
    diffs += [
        ItemDiff(key, "removed", item["title"], item, None)
        for key, item in before.items()
        if key not in after
    ]
    return diffs


@transaction.atomic
def release_publish(*, actor, release: PackRelease) -> PackRelease:
    release = PackRelease.objects.select_for_update().get(pk=release.pk)
    if release.published_at is not None:
        raise ValidationError(_(MSG_PUBLISHED))
    newest = latest(release.key)
    if newest is not None and release.version <= newest.version:
        raise ValidationError(_(MSG_VERSION) % {"latest": newest.version})
    release.published_at, release.published_by = timezone.now(), actor
    release.save(update_fields=["published_at", "published_by"])
    return release
