"""Checks the risks area runs when the agency's settings change."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from quality.risks.models import Risk, RiskStatus


def matrix_shrink_check(fields: dict) -> None:
    """A smaller risk matrix must still hold every open risk's scores."""
    size = fields.get("risk_matrix_size")
    if size is None:
        return
    used = Risk.objects.exclude(status=RiskStatus.CLOSED).aggregate(
        likelihood=Max("likelihood"), impact=Max("impact")
    )
    largest = max(used["likelihood"] or 0, used["impact"] or 0)
    if size < largest:
        raise ValidationError(
            {
                "risk_matrix_size": _(
                    "Còn rủi ro đang theo dõi có điểm %(n)s: ma trận không nhỏ hơn %(n)s x %(n)s "
                    "được (hãy đánh giá lại các rủi ro đó trước)."
                )
                % {"n": largest}
            }
        )
