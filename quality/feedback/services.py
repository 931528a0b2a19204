"""The public satisfaction survey: protected against stuffing, low scores become findings.

Protection, in layers: a signed form token (the form must have been shown at least a few
seconds and at most two hours before; each token is good for one answer), a honeypot field,
a limit per address (django-ratelimit, in the view) and one answer per application code.
Addresses are kept only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from quality.core.models import AgencySettings
from quality.feedback.models import QUESTIONS, SurveyResponse
from quality.improvement.models import NcSource
from quality.improvement.services import nc_create
from quality.procedures.models import Application

TOKEN_SALT = "eiso.survey"  # noqa: S105 - a signing namespace, not a secret
MIN_SECONDS, MAX_SECONDS = 3, 2 * 3600

MSG_TOKEN = gettext_noop("Phiếu khảo sát đã hết hạn hoặc không hợp lệ; hãy tải lại trang.")
MSG_TOKEN_USED = gettext_noop(
    "Phiếu khảo sát này đã được gửi; mỗi phiếu chỉ gửi được một lần. Cảm ơn ông/bà."
)
TOKEN_CONSTRAINT = "survey_token_once"  # noqa: S105 - a constraint's name
MSG_TOO_FAST = gettext_noop("Gửi quá nhanh; hãy đọc và trả lời các câu hỏi rồi gửi lại.")
MSG_SCORE = gettext_noop("Hãy chọn một mức từ 1 đến 5 cho mỗi câu hỏi.")
MSG_ALREADY = gettext_noop("Hồ sơ %(code)s đã được đánh giá. Cảm ơn ông/bà.")
MSG_SPAM = gettext_noop("Không ghi nhận được phiếu.")


def form_token() -> str:
    """Bound to this agency: a token from one agency's page is useless on another's. A random
    value inside makes every form's token different: each is good for one answer."""
    signer = signing.TimestampSigner(salt=f"{TOKEN_SALT}:{connection.schema_name}")
    return signer.sign(secrets.token_urlsafe(12))


def address_hash(address: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{connection.schema_name}:{address}".encode(), hashlib.sha256
    ).hexdigest()


def _check_token(token: str) -> None:
    signer = signing.TimestampSigner(salt=f"{TOKEN_SALT}:{connection.schema_name}")
    try:
        signer.unsign(token, max_age=MAX_SECONDS)
    except signing.BadSignature as exc:
        raise ValidationError(_(MSG_TOKEN), code="token") from exc
    issued = signing.b62_decode(token.split(":")[1])
    if time.time() - issued < MIN_SECONDS:
        raise ValidationError(_(MSG_TOO_FAST), code="too_fast")


@transaction.atomic
def response_submit(
    *,
    token: str,
    scores: dict,
    comment: str = "",
    application_code: str = "",
    address: str = "",
    honeypot: str = "",
) -> SurveyResponse:
    if honeypot:
        raise ValidationError(_(MSG_SPAM), code="honeypot")
    _check_token(token)
    return response_record(
        scores=scores,
        comment=comment,
        application_code=application_code,
        address=address,
        token_digest=hashlib.sha256(token.encode()).hexdigest(),
    )


@transaction.atomic
def response_record(
    *,
    scores: dict,
    comment: str = "",
    application_code: str = "",
    address: str = "",
    created_at=None,
    token_digest: str = "",
) -> SurveyResponse:
    """Store one answer (scores checked, one per application), open an NC if it is low.

    The public form reaches this through `response_submit`, after its anti-stuffing checks;
    answers collected on paper at the desk can be entered through it directly.
    """
    values = {}
    for name, _question in QUESTIONS:
        try:
            values[name] = int(scores.get(name))
        except (TypeError, ValueError):
            raise ValidationError({name: _(MSG_SCORE)}) from None
        if not 1 <= values[name] <= 5:
            raise ValidationError({name: _(MSG_SCORE)})
    code = (application_code or "").strip()[:100]
    procedure = _procedure_of(code)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                application_code=code,
                procedure=procedure,
                comment=(comment or "").strip()[:2000],
                address_hash=address_hash(address),
                token_digest=token_digest,
                **({"created_at": created_at} if created_at else {}),
                **values,
            )
    except IntegrityError as exc:
        if _constraint_of(exc) == TOKEN_CONSTRAINT:
            raise ValidationError(_(MSG_TOKEN_USED), code="token_used") from exc
        raise ValidationError(
            {"application_code": _(MSG_ALREADY) % {"code": code}}, code="already"
        ) from exc
    _maybe_nonconformity(response)
    return response


def _constraint_of(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _procedure_of(code: str):
    if not code:
        return None

    app = Application.objects.filter(code=code).only("procedure_id").first()
    return app.procedure if app else None


def _maybe_nonconformity(response: SurveyResponse) -> None:
    if response.overall > AgencySettings.load().survey_low_score:
        return

    detail = response.comment or _("(không có ý kiến kèm theo)")
    nc = nc_create(
        actor=None,
        source=NcSource.COMPLAINT,
        source_type="survey",
        source_id=str(response.pk),
        source_ref=response.application_code,
        title=_("Người dân không hài lòng (%(score)s/5)%(app)s")
        % {
            "score": response.overall,
            "app": f" — hồ sơ {response.application_code}" if response.application_code else "",
        },
        description=detail,
    )
    SurveyResponse.objects.filter(pk=response.pk).update(nonconformity=nc)
    response.nonconformity = nc  # the caller's copy says so too


def results(start, end):
    """Averages and counts by procedure and by month, for the period."""
    responses = SurveyResponse.objects.filter(
        created_at__date__gte=start, created_at__date__lte=end
    )
    fields = {f"avg_{name}": Avg(name) for name, _q in QUESTIONS}
    total = responses.aggregate(n=Count("id"), **fields)
    by_procedure = list(
        responses.values("procedure__code", "procedure__name")
        .annotate(n=Count("id"), **fields)
        .order_by("procedure__code")
    )
    by_month = list(
        responses.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"), **fields)
        .order_by("month")
    )
    return {
        "total": total,
        "by_procedure": by_procedure,
        "by_month": by_month,
        "low": responses.filter(overall__lte=AgencySettings.load().survey_low_score).count(),
    }
