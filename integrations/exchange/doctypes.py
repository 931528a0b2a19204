"""The kind of document a package carries (edXML `MessageHeader/DocumentType`): the one
table between eISO's kinds and the package's element, read both ways.

eISO names the kinds of administrative documents by the abbreviations of Decree
30/2020/NĐ-CP, Appendix III (`iso_platform.official.DOCUMENT_KINDS`: QĐ Quyết định, CV Công
văn, TB Thông báo, BC Báo cáo…). An edXML package names its kind in `DocumentType` with
`TypeName` (the kind in words) and `Type` (a code), and some senders add `TypeDetail`.

What is confirmed and what is not (docs/integration.md, "Document types"): `TypeName` in
words is what every implementation we could read writes and reads. The `Type` codes are
not: the code list of QCVN 102:2016 and of its 2022 amendment could not be read, and public
implementations disagree (one writes `Type` 1 for "Công văn", another 18 "as the C# SDK
does"). So eISO writes `TypeName` and no `Type`, recognises an incoming kind by its name,
and keeps the raw `Type` and `TypeName` of every package as received. `CODES` is where the
numeric codes go once the code list is confirmed: nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from iso_platform.official.document import DOCUMENT_KINDS
from iso_platform.text import fold

# Confirmed numeric `Type` codes, abbreviation -> code. Empty until the standard's code list
# can be read (see above): a guessed code would misfile every package of a system that
# reads it.
CODES: dict[str, str] = {}

# Names of a kind other than Appendix III's own, as senders write them (folded to compare).
ALIASES: dict[str, str] = {
    "cong van hanh chinh": "CV",
    "giay moi hop": "GM",
}


@dataclass(frozen=True)
class DocumentType:
    """A package's kind: eISO's abbreviation ("" when unknown) and what the package says."""

    abbreviation: str
    type_code: str
    type_name: str

    @property
    def known(self) -> bool:
        return bool(self.abbreviation)


def outgoing(abbreviation: str) -> DocumentType:
    """What eISO writes for one of its kinds. KeyError for a kind Appendix III lacks."""
    return DocumentType(abbreviation, CODES.get(abbreviation, ""), DOCUMENT_KINDS[abbreviation])


_BY_NAME = {
    **{fold(name): abbreviation for abbreviation, name in DOCUMENT_KINDS.items()},
    **ALIASES,
}


def incoming(type_code: str, type_name: str) -> DocumentType:
    """The kind of a package as received: known by its name, else by a confirmed code;
    unknown otherwise — never an error, the raw code and name are kept as they came."""
    code, name = (type_code or "").strip(), " ".join((type_name or "").split())
    by_code = {value: abbreviation for abbreviation, value in CODES.items()}
    abbreviation = _BY_NAME.get(fold(name)) or (by_code.get(code, "") if code else "")
    return DocumentType(abbreviation, code, name)
