"""Printable reports (audit reports, review minutes, the annual report) as PDF and DOCX.

A report is plain data (type and subject, lines, sections of paragraphs and tables, signer,
recipients, its number once issued); `official_document` turns it into an official document
(iso_platform.official) with the agency's names from its settings, and `to_pdf` and
`to_docx` render that one document, so the two files always say the same thing and both
follow the layout of Decree 30/2020/NĐ-CP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from iso_platform.audit import export_record
from iso_platform.official import (
    Heading,
    Issuer,
    OfficialDocument,
    Paragraph,
    Signer,
    Table,
    render_docx,
    render_pdf,
)
from quality.core.official import current_agency, official_issuer, official_signer, outgoing_entry
from quality.core.signatures.selectors import signed_copy


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[str]] | None = None  # first row is the header


@dataclass
class Report:
    title: str
    lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    signatures: list[tuple[str, str]] = field(default_factory=list)  # (role, name)
    kind: str = "BC"  # iso_platform.official.DOCUMENT_KINDS
    subject: str = ""  # trích yếu; empty: the title
    recipients: list[str] = field(default_factory=list)
    number: str = ""  # from the register once issued; empty: a draft ("Số: .../BC-...")
    issued_on: dt.date | None = None
    issuer: Issuer | None = None  # None: the current agency's (its settings)
    signer: Signer | None = None  # None: the last of `signatures`, else the agency's signer

    @property
    def agency_name(self) -> str:
        agency = current_agency()
        return agency.name if agency is not None else ""

    def numbered_from(self, subject) -> Report:
        """Carry the register's number and date for `subject`, when it has been issued."""
        entry = outgoing_entry(subject=subject, kind=self.kind)
        if entry is not None:
            self.number, self.issued_on = entry.number, entry.issued_on
        return self


def _signer(report: Report) -> Signer:
    if report.signer is not None:
        return report.signer
    if report.signatures:
        role, name = report.signatures[-1]
        return Signer(position=role, name=name)
    return official_signer()


def _body(report: Report) -> list:
    body = [Paragraph(line) for line in report.lines]
    for section in report.sections:
        body.append(Heading(section.heading))
        body += [Paragraph(p) for p in section.paragraphs if p]
        if section.table:
            body.append(Table([[str(cell) for cell in row] for row in section.table]))
    return body


def official_document(report: Report) -> OfficialDocument:
    return OfficialDocument(
        issuer=report.issuer or official_issuer(),
        kind=report.kind,
        subject=report.subject or report.title,
        body=_body(report),
        recipients=report.recipients,
        signer=_signer(report),
        number=report.number,
        issued_on=report.issued_on,
    )


def to_pdf(report: Report) -> bytes:
    return render_pdf(official_document(report))


def to_docx(report: Report) -> bytes:
    return render_docx(official_document(report))


def file_response(report: Report, fmt: str, filename: str, *, request=None):
    """The report as a download; with `request`, the download goes into the audit trail."""
    return document_response(official_document(report), fmt, filename, request=request)


def document_response(doc: OfficialDocument, fmt: str, filename: str, *, request=None):
    """An official document as a PDF or DOCX download (404 for another format); with
    `request`, the download goes into the audit trail."""
    from django.http import Http404, HttpResponse

    signed = signed_copy(number=doc.number, issued_on=doc.issued_on) if fmt == "pdf" else None
    if signed is not None:
        # Issued and signed: the signed copy as it was signed, never a new rendering. The
        # DOCX stays the editable form of the text.
        response = HttpResponse(bytes(signed.content), content_type="application/pdf")
        response["X-Content-SHA256"] = signed.sha256
    elif fmt == "pdf":
        response = HttpResponse(render_pdf(doc), content_type="application/pdf")
    elif fmt == "docx":
        response = HttpResponse(
            render_docx(doc),
            content_type=(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            ),
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    if request is not None:
        export_record(request=request, kind="report", filename=f"{filename}.{fmt}")
    return response
