"""The demo's rollout evaluation: a running pilot of three agencies with declared baselines
and a planned wave 1 with its gate. The weekly figures are computed from the seeded data
(the simulated one-stop-shop traffic, the documents and audit trails of `demo_seed`), never
typed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from evaluation.models import GateCriterion, Stage, Wave, WaveAgency
from evaluation.services.baselines import baseline_declare, baselines_measure
from evaluation.services.snapshots import snapshots_refresh
from tenants.models import Agency

PILOT = ("sokhcn", "sotp", "ttphvhcc")
WAVE_1 = ("myhoahung",)
PILOT_WEEKS = 12
# What each pilot agency declared for its paper era (the secretary's form on its host).
DECLARED = {
    "sokhcn": (142, 18, 81.5, 56, 74),
    "sotp": (96, 21, 78.0, 40, 52),
    "ttphvhcc": (210, 15, 86.0, 72, 118),
}
KEYS = ("documents_in_force", "issue_days", "on_time_rate", "annual_report_hours", "paper_forms")


def ensure_evaluation() -> str:
    if Wave.objects.exists():
        snapshots_refresh()
        return ""
    today = timezone.localdate()
    started = today - dt.timedelta(weeks=PILOT_WEEKS)
    agencies = {a.code: a for a in Agency.objects.filter(code__in=PILOT + WAVE_1)}
    with transaction.atomic():
        pilot = Wave.objects.create(
            name="Đợt thí điểm",
            order=1,
            stage=Stage.RUNNING,
            planned_start=started,
            planned_go_live=started + dt.timedelta(weeks=8),
            started_on=started,
        )
        first = Wave.objects.create(
            name="Đợt 1",
            order=2,
            planned_start=today + dt.timedelta(weeks=4),
            planned_go_live=today + dt.timedelta(weeks=12),
        )
        for wave, codes in ((pilot, PILOT), (first, WAVE_1)):
            WaveAgency.objects.bulk_create(
                WaveAgency(wave=wave, agency=agencies[c]) for c in codes if c in agencies
            )
        GateCriterion.objects.create(wave=first, indicator="on_time_rate", threshold=90)
        GateCriterion.objects.create(wave=first, indicator="active_share", threshold=70)
        for code, figures in DECLARED.items():
            if code in agencies:
                baseline_declare(
                    agency=agencies[code],
                    actor=None,
                    values={k: Decimal(str(v)) for k, v in zip(KEYS, figures, strict=True)},
                )
    summary = snapshots_refresh()
    measured = baselines_measure()
    return f"evaluation: 2 waves, {summary.rows} weekly snapshots, {measured} measured baselines"
