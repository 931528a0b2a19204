"""What the console pages of the department's signed documents share: the panel that
lists the signed copies and offers "Ký và phát hành" (template signing/_province_sign.html),
the handling of its form when posted, and the download of a signed copy byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from iso_platform.accounts.permissions import is_province_admin
from iso_platform.audit import export_record
from iso_platform.forms import add_errors
from iso_platform.signing.credentials import province_credential
from iso_platform.signing.forms import ProvinceSignForm
from iso_platform.signing.models import ProvinceCredential, ProvinceSignedDocument
from iso_platform.signing.selectors import province_signed


@dataclass
class SigningPanel:
    records: list[ProvinceSignedDocument]  # each with its `download_url`
    action: str  # where the form posts
    form: ProvinceSignForm
    can_sign: bool
    credential: ProvinceCredential | None


def signing_panel(
    request,
    *,
    subject_type: str,
    subject_id,
    kind: str,
    action: str,
    download: Callable[[ProvinceSignedDocument], str],
    form: ProvinceSignForm | None = None,
) -> SigningPanel:
    records = province_signed(subject_type=subject_type, subject_id=subject_id)
    for record in records:
        record.download_url = download(record)
    can_sign = is_province_admin(request)
    return SigningPanel(
        records=records,
        action=action,
        form=form or ProvinceSignForm(kind=kind),
        can_sign=can_sign,
        credential=province_credential(request.user) if can_sign else None,
    )


def signed_file_response(request, record: ProvinceSignedDocument, name: str) -> HttpResponse:
    """The signed PDF as it was signed (never a new rendering); the download is audited."""
    response = HttpResponse(bytes(record.content), content_type="application/pdf")
    response["X-Content-SHA256"] = record.sha256
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    export_record(request=request, kind="report", filename=f"{name}.pdf")
    return response


def sign_submitted(
    request,
    *,
    kind: str,
    sign: Callable[..., ProvinceSignedDocument],
    done: str,
) -> tuple[ProvinceSignForm, ProvinceSignedDocument | None]:
    """The posted "Ký và phát hành" form: `sign(sequence=, password=)` called when it is
    valid; the signed copy with `done % number` as the success message, or None and the form
    carrying the reason (the page shows it again)."""
    form = ProvinceSignForm(request.POST, kind=kind)
    if not form.is_valid():
        return form, None
    try:
        signed = sign(
            sequence=form.cleaned_data["sequence"], password=form.cleaned_data["password"]
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return form, None
    messages.success(request, done % signed.number)
    return form, signed
