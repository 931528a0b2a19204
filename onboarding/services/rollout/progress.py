"""Reading back: a batch's progress and the downloadable template."""

from __future__ import annotations

from django.utils import translation

from iso_platform import spreadsheets
from onboarding.province.models import RolloutBatch, RolloutStatus
from onboarding.services.rollout.common import TEMPLATE_HEADER
from tenants.models import AgencyKind


def rollout_progress(batch: RolloutBatch) -> int:
    """Per cent of the rows to create that are finished (created or failed)."""
    if batch.status in (RolloutStatus.SUCCEEDED, RolloutStatus.FAILED):
        return 100
    if not batch.valid_rows:
        return 0
    return min(100, round(100 * (batch.done_rows + batch.failed_rows) / batch.valid_rows))


def rollout_template_csv() -> bytes:
    """The downloadable template: UTF-8 with BOM (Excel opens it with the accents right)."""
    with translation.override("vi"):
        department = str(AgencyKind.PROVINCIAL_DEPARTMENT.label)
    rows = [
        ["so-vi-du", "Sở Ví Dụ", department, "", "Nguyễn Văn An", "an.nv@so-vi-du.gov.vn", ""],
        [
            "chi-cuc-vi-du",
            "Chi cục Ví Dụ",
            AgencyKind.OTHER.value,
            "so-vi-du",
            "Trần Thị Bình",
            "binh.tt@chi-cuc-vi-du.gov.vn",
            "co-ban",
        ],
    ]
    return spreadsheets.csv_bytes(rows, header=TEMPLATE_HEADER)
