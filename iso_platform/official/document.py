"""The data of an official document and the decree's ways of writing its number and date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Appendix I, item 1 (Quốc hiệu và Tiêu ngữ), spelled as in the decree.
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Appendix III of the decree: the abbreviations of the kinds of administrative documents
# (the symbol in "Số: 12/BC-SKHCN"). A letter (công văn) has none: its symbol is the agency's.
DOCUMENT_KINDS: dict[str, str] = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "GM": "Giấy mời",
    "CV": "Công văn",
}
LETTER = "CV"
DRAFT_NUMBER = "..."

# The QMS's internal forms (phiếu, biểu mẫu): records kept under the agency's own procedures,
# not administrative documents. Appendix III has no abbreviation for them (its "phiếu" are the
# transmittal slips: phiếu gửi PG, phiếu chuyển PC, phiếu báo PB), so a form takes no number
# from the register: it prints its record's reference instead ("Mã hồ sơ: SKPH-12").
FORMS: dict[str, str] = {"PHIẾU": "Phiếu"}


def number_format(*, sequence: int | None, kind: str, abbreviation: str) -> str:
    """'05/BC-SKHCN' (a number below 10 takes a leading zero); a draft's number is dots. A
    letter's symbol is the agency's abbreviation alone ('12/SKHCN')."""
    number = DRAFT_NUMBER if sequence is None else f"{sequence:02d}"
    symbol = abbreviation if kind == LETTER else f"{kind}-{abbreviation}"
    return f"{number}/{symbol}"


def date_line(place: str, on: dt.date | None) -> str:
    """'An Giang, ngày 06 tháng 01 năm 2026': days below 10 and the months January and
    February take a leading zero (so that nobody can add a digit); a draft's date is dots."""
    place = place or "......"
    if on is None:
        return f"{place}, ngày ... tháng ... năm ..."
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


@dataclass(frozen=True)
class Issuer:
    """Who issues: the governing body above the agency (may be empty), the agency's official
    name, its abbreviation in document symbols, and the place name of the date line."""

    agency: str
    abbreviation: str
    place: str = ""
    governing_body: str = ""


@dataclass(frozen=True)
class Signer:
    """The signature block: the authority line when one signs for someone else ('KT. GIÁM
    ĐỐC', 'TM. ỦY BAN NHÂN DÂN'), the signer's position and name."""

    position: str
    name: str = ""
    authority: str = ""


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    rows: list[list[str]]  # the first row is the header

    @property
    def font_size(self) -> float:
        """Smaller type for wider tables, so that no word is cut inside a narrow column
        (the decree sets the body's size, not a table's)."""
        columns = max(len(row) for row in self.rows)
        return 12 if columns <= 4 else 11 if columns <= 6 else 9


@dataclass(frozen=True)
class Centered:
    """A line centred in bold: the authority that issues a decision ('GIÁM ĐỐC SỞ ...', in
    capitals) and the word that enacts its articles ('QUYẾT ĐỊNH:')."""

    text: str


@dataclass(frozen=True)
class Basis:
    """A line of the legal basis ('Căn cứ ...;', 'Theo đề nghị của ...'), in italics."""

    text: str


@dataclass(frozen=True)
class Article:
    """An article of a decision: its label in bold ('Điều 1.'), then its text."""

    label: str
    text: str


Block = Heading | Paragraph | Table | Centered | Basis | Article


@dataclass
class OfficialDocument:
    issuer: Issuer
    kind: str  # a key of DOCUMENT_KINDS
    subject: str  # trích yếu
    body: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer: Signer | None = None
    sequence: int | None = None  # None: a draft, numbered when issued
    number: str = ""  # the number as registered ('12/BC-SKHCN'); wins over `sequence`
    issued_on: dt.date | None = None
    archive: str = ""  # the drafting unit kept on file beside the clerical office (VT)
    reference: str = ""  # a form's line in place of the number ('Mã hồ sơ: SKPH-12')

    def __post_init__(self):
        if self.kind not in DOCUMENT_KINDS and self.kind not in FORMS:
            raise ValueError(f"unknown document kind {self.kind!r}")

    @property
    def is_form(self) -> bool:
        return self.kind in FORMS

    @property
    def number_line(self) -> str:
        """'Số: 12/BC-SKHCN' under the agency; a form's reference, which is not a number."""
        return self.reference if self.is_form else f"Số: {self.number_text}"

    @property
    def number_text(self) -> str:
        if self.is_form:
            return ""
        return self.number or number_format(
            sequence=self.sequence, kind=self.kind, abbreviation=self.issuer.abbreviation
        )

    @property
    def is_letter(self) -> bool:
        return self.kind == LETTER

    @property
    def type_name(self) -> str:
        """Tên loại văn bản, in capitals (a letter has none)."""
        if self.is_form:
            return f"{FORMS[self.kind]} {self.subject}".upper()
        return "" if self.is_letter else DOCUMENT_KINDS[self.kind].upper()

    @property
    def title_lines(self) -> list[str]:
        """The centred title: type and trích yếu; a form's name on one line; a letter none
        (its subject follows 'V/v' under the number)."""
        if self.is_letter:
            return []
        return [self.type_name] if self.is_form else [self.type_name, self.subject]

    @property
    def recipient_lines(self) -> list[str]:
        """'Nơi nhận' as the decree lists it: one a line, each after a dash and ending with a
        semicolon, the archive last ('- Lưu: VT, ...') and ending with a full stop."""
        lines = [f"- {r.rstrip(';.')};" for r in self.recipients if r.strip()]
        lines.append(f"- Lưu: VT, {self.archive}." if self.archive else "- Lưu: VT.")
        return lines
