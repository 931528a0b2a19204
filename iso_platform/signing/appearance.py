"""What a signature looks like on the page (Decree 30/2020, Appendix I, electronic documents).

A person's signature: the image of their handwritten signature (PNG, transparent background)
centred in the signature area, with their name and position, e-mail and organisation from
the certificate, and the time of signing in Vietnam time. An agency's signature: the image
of its seal over the left third of the person's signature area, with the agency's name and
the time. Text is set in Liberation Serif (metric-compatible with Times New Roman, with all
Vietnamese diacritics) as an embedded OpenType subset.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509
from django.utils import timezone
from django.utils.translation import gettext as _
from fontTools import ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from iso_platform.signing.errors import SigningError

FONT = Path(__file__).resolve().parent.parent / "fonts" / "LiberationSerif-Regular.ttf"
MAX_IMAGE_PIXELS = 4000 * 4000
BLUE = (0.0, 0.2, 0.6)  # the decree asks for the signature information in blue


@functools.cache
def _font_bytes() -> bytes:
    """Liberation Serif with 1000 units per em. pyHanko writes the font's glyph widths into
    the PDF as they are, and PDF reads them as thousandths of an em: Liberation's 2048 units
    would space the letters twice too wide. Scaled in memory, once per process."""
    font = ttLib.TTFont(str(FONT))
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class SerifFont(GlyphAccumulatorFactory):
    """pyHanko's OpenType font engine on the scaled Liberation Serif."""

    font_file: str = str(FONT)

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_font_bytes()),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


def signed_at_text(moment: dt.datetime) -> str:
    """ "ký lúc 14:05 ngày 06/12/2026", in Vietnam time."""
    local = timezone.localtime(moment)
    return _("ký lúc %(time)s ngày %(date)s") % {
        "time": local.strftime("%H:%M"),
        "date": local.strftime("%d/%m/%Y"),
    }


def subject_value(cert: x509.Certificate, field: str) -> str:
    value = cert.subject.native.get(field, "")
    return value[0] if isinstance(value, list) else (value or "")


def certificate_email(cert: x509.Certificate) -> str:
    names = cert.subject_alt_name_value
    for name in names or ():
        if name.name == "rfc822_name":
            return name.native
    return subject_value(cert, "email_address")


def person_lines(cert: x509.Certificate, name: str, title: str, moment: dt.datetime) -> list[str]:
    lines = [_("Người ký: %(name)s") % {"name": name or subject_value(cert, "common_name")}]
    title = title or subject_value(cert, "title")
    if title:
        lines.append(_("Chức vụ: %(title)s") % {"title": title})
    organisation = subject_value(cert, "organization_name")
    if organisation:
        lines.append(_("Cơ quan: %(organisation)s") % {"organisation": organisation})
    email = certificate_email(cert)
    if email:
        lines.append(_("Thư điện tử: %(email)s") % {"email": email})
    lines.append(signed_at_text(moment))
    return lines


def agency_lines(cert: x509.Certificate, name: str, moment: dt.datetime) -> list[str]:
    agency = name or subject_value(cert, "organization_name") or subject_value(cert, "common_name")
    return [agency, signed_at_text(moment)]


def png_image(data: bytes) -> Image.Image:
    """A PNG the signer uploaded, opened within bounds (a small file can decode huge)."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG" or image.width * image.height > MAX_IMAGE_PIXELS:
            raise SigningError("image", f"{image.format} {image.width}x{image.height}")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise SigningError("image") from None
    return image


def stamp_style(lines: list[str], image: bytes | None, *, seal: bool, height: float):
    """A pyHanko stamp style: the text at the bottom, the image above it (signature) or
    behind it (seal)."""
    font_size = 6 if seal else 7
    leading = font_size + 2
    text_height = leading * len(lines) + 4
    background = PdfImage(png_image(image)) if image else None
    image_margin = Margins(bottom=0 if seal else min(int(text_height), int(height * 0.6)))
    return TextStampStyle(
        stamp_text="\n".join(line.replace("%", "%%") for line in lines),
        text_box_style=TextBoxStyle(
            font=SerifFont(font_size=font_size),
            font_size=font_size,
            leading=leading,
            text_color=BLUE,
        ),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(left=2, right=2, bottom=2),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=0,
        background=background,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MAX,
            margins=image_margin,
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
        background_opacity=1.0,
    )
