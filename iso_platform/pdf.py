"""The PDF basics every printed page shares (reportlab): the Vietnamese-capable fonts shipped
in iso_platform/fonts and the paragraph styles. Documents, reports, invoices and exports
build on these; official documents (iso_platform.official) use Liberation Serif, which has
the metrics of the Times New Roman that Decree 30/2020/NĐ-CP asks for, under an open licence
(LICENSE-Liberation.txt), so a fresh machine renders them with nothing installed by hand."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(__file__).resolve().parent / "fonts"


@cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold) once per process."""
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))


SERIF = "LiberationSerif"


@cache
def register_serif() -> str:
    """Register Liberation Serif (regular, bold, italic, bold italic) as one family, so that
    <b> and <i> in a paragraph pick the right face; returns the family's name."""
    faces = {"": (0, 0), "-Bold": (1, 0), "-Italic": (0, 1), "-BoldItalic": (1, 1)}
    for suffix, (bold, italic) in faces.items():
        face = f"{SERIF}{suffix}"
        file = FONTS / f"{SERIF}{suffix or '-Regular'}.ttf"
        pdfmetrics.registerFont(TTFont(face, str(file)))
        addMapping(SERIF, bold, italic, face)
    return SERIF


def styles(*, serif: bool = False) -> dict[str, ParagraphStyle]:
    """base, bold, title, center and small, in DejaVu Sans; with `serif`, in Liberation Serif
    (the face of the official documents) a point larger, as a serif reads smaller."""
    if serif:
        font, bold, size = register_serif(), f"{SERIF}-Bold", 10.5
    else:
        register_fonts()
        font, bold, size = "DejaVuSans", "DejaVuSans-Bold", 9.5
    base = ParagraphStyle("base", fontName=font, fontSize=size, leading=size * 1.26)
    return {
        "base": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=bold),
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=15, leading=19, alignment=1
        ),
        "center": ParagraphStyle("center", parent=base, alignment=1),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=size - 1.5, leading=(size - 1.5) * 1.25
        ),
    }
