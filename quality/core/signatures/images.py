"""The signature and seal images: PNG only, small, and really decodable (the image ends up
drawn into every signed PDF, so a hostile file must not get that far)."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, UnidentifiedImageError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 4_000_000
MSG_NOT_PNG = gettext_noop("Ảnh chữ ký hoặc con dấu phải là tệp PNG đọc được.")
MSG_TOO_BIG = gettext_noop("Ảnh chữ ký hoặc con dấu lớn hơn %(kb)s KB.")


def image_check(data: bytes | None, *, field: str) -> bytes | None:
    if not data:
        return None
    limit = settings.SIGNING_IMAGE_MAX_KB
    if len(data) > limit * 1024:
        raise ValidationError({field: _(MSG_TOO_BIG) % {"kb": limit}}, code="image_size")
    if not data.startswith(PNG_MAGIC):
        raise ValidationError({field: _(MSG_NOT_PNG)}, code="image_format")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or image.width * image.height > MAX_PIXELS:
                raise ValueError("not a small PNG")
            image.load()
    except (UnidentifiedImageError, ValueError, OSError, Image.DecompressionBombError):
        raise ValidationError({field: _(MSG_NOT_PNG)}, code="image_format") from None
    return data
