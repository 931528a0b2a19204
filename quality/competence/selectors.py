"""Reads of competence and awareness: who lacks what (the gap), one person's record, the
training register, the share of staff trained, and awareness per campaign."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from iso_platform.accounts.models import AGENCY_ROLES, Role, User
from quality.core.models import Unit
from quality.documents.models import Acknowledgement, RevisionStatus

from .models import (
    Attempt,
    Attendance,
    AwarenessMethod,
    Campaign,
    Competence,
    Qualification,
    Result,
    TrainingSession,
)

EXPIRY_NOTICE_DAYS = 30  # a qualification's reminder comes this many days before it expires


def staff():
    """The people whose competence the agency keeps: active, with an agency role other than
    read-only (a read-only account is often a service or an observer)."""
    return User.objects.filter(is_active=True, role__in=AGENCY_ROLES - {Role.READ_ONLY})


def held_competences(user_ids, today: dt.date) -> dict[int, set[int]]:
    """{person: competence ids} shown by a valid qualification or an effective training."""
    held: dict[int, set[int]] = {}
    qualified = Qualification.objects.filter(user_id__in=user_ids, competence__isnull=False).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    for user_id, competence_id in qualified.values_list("user_id", "competence_id"):
        held.setdefault(user_id, set()).add(competence_id)
    trained = Attendance.objects.filter(
        user_id__in=user_ids, result=Result.EFFECTIVE, session__competence__isnull=False
    )
    for user_id, competence_id in trained.values_list("user_id", "session__competence_id"):
        held.setdefault(user_id, set()).add(competence_id)
    return held


@dataclass
class Gap:
    person: User
    missing: list[Competence] = field(default_factory=list)


def required_of(person: User, competences, unit_ids: set[int]) -> list[Competence]:
    return [
        c
        for c in competences
        if (not c.role or c.role == person.role) and (c.unit_id is None or c.unit_id in unit_ids)
    ]


def gaps(today: dt.date | None = None) -> list[Gap]:
    """Every member of staff who lacks at least one required competence (four queries)."""
    today = today or timezone.localdate()
    competences = list(Competence.objects.filter(is_active=True))
    people = list(staff().order_by("full_name").prefetch_related("units"))
    held = held_competences([p.pk for p in people], today)
    found = []
    for person in people:
        units = {u.pk for u in person.units.all()}
        missing = [
            c
            for c in required_of(person, competences, units)
            if c.pk not in held.get(person.pk, ())
        ]
        if missing:
            found.append(Gap(person, missing))
    return found


def person_record(person: User, today: dt.date | None = None) -> dict:
    """What the "Hồ sơ đào tạo cá nhân" shows: trainings, qualifications, awareness, gaps."""
    today = today or timezone.localdate()
    competences = list(Competence.objects.filter(is_active=True))
    units = list(Unit.objects.filter(members=person))
    required = required_of(person, competences, {u.pk for u in units})
    held = held_competences([person.pk], today).get(person.pk, set())
    return {
        "person": person,
        "units": units,
        "attendances": list(
            Attendance.objects.filter(user=person)
            .select_related("session", "session__competence")
            .order_by("-session__held_on", "-id")
        ),
        "qualifications": list(
            Qualification.objects.filter(user=person).select_related("competence")
        ),
        "required": [(c, c.pk in held) for c in required],
        "awareness": awareness_of(person),
        "today": today,
    }


def awareness_of(person: User) -> list[dict]:
    """Per campaign, the person's record: confirmed reading (when) or latest quiz score."""
    rows = []
    for campaign in Campaign.objects.select_related("document").order_by("-created_at"):
        if campaign.method == AwarenessMethod.QUIZ:
            attempt = campaign.attempts.filter(user=person).order_by("-answered_at").first()
            done = attempt is not None and attempt.passed
            rows.append({"campaign": campaign, "attempt": attempt, "done": done})
        else:
            ack = (
                Acknowledgement.objects.filter(
                    user=person,
                    revision__document_id=campaign.document_id,
                    revision__status=RevisionStatus.ISSUED,
                )
                .order_by("-distributed_at")
                .first()
            )
            done = ack is not None and ack.acknowledged_at is not None
            rows.append({"campaign": campaign, "acknowledgement": ack, "done": done})
    return rows


def campaign_progress(campaign: Campaign) -> dict:
    """How many of the staff have the awareness record of this campaign."""
    return campaigns_progress([campaign])[campaign.pk]


def campaigns_progress(campaigns) -> dict[int, dict]:
    """`campaign_progress` of many campaigns in four queries, whatever their number."""
    people = staff()
    total = people.count()
    quizzes = [c.pk for c in campaigns if c.method == AwarenessMethod.QUIZ]
    documents = [c.document_id for c in campaigns if c.method != AwarenessMethod.QUIZ]
    passed = dict(
        Attempt.objects.filter(campaign_id__in=quizzes, passed=True, user__in=people)
        .values("campaign_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
        .values_list("campaign_id", "n")
    )
    attempts = dict(
        Attempt.objects.filter(campaign_id__in=quizzes)
        .values("campaign_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("campaign_id", "n")
    )
    confirmed = dict(
        Acknowledgement.objects.filter(
            revision__document_id__in=documents,
            revision__status=RevisionStatus.ISSUED,
            acknowledged_at__isnull=False,
            user__in=people,
        )
        .values("revision__document_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
        .values_list("revision__document_id", "n")
    )
    progress = {}
    for campaign in campaigns:
        if campaign.method == AwarenessMethod.QUIZ:
            done, tries = passed.get(campaign.pk, 0), attempts.get(campaign.pk, 0)
        else:
            done = tries = confirmed.get(campaign.document_id, 0)
        progress[campaign.pk] = {"total": total, "done": done, "attempts": tries}
    return progress


def campaign_acknowledgements(campaign: Campaign):
    """Who was sent the campaign's document (its issued revision), and who confirmed."""
    return (
        Acknowledgement.objects.filter(
            revision__document_id=campaign.document_id, revision__status=RevisionStatus.ISSUED
        )
        .select_related("user")
        .order_by("user__full_name")
    )


def trained_share(year: int) -> dict:
    """Members of staff who attended at least one session held in `year`, of all staff."""
    people = staff()
    attended = Attendance.objects.filter(session__held_on__year=year, user_id=OuterRef("pk"))
    counts = people.aggregate(total=Count("pk"), trained=Count("pk", filter=Exists(attended)))
    total, trained = counts["total"], counts["trained"]
    rate = (Decimal(100 * trained) / total).quantize(Decimal("0.1")) if total else None
    return {"total": total, "trained": trained, "rate": rate}


def expiring(today: dt.date | None = None, days: int = EXPIRY_NOTICE_DAYS):
    """Qualifications expired or expiring within `days`, soonest first, of people still
    working here: a person who left (or moved to another agency in a split, which keeps
    their record here too) is no longer this agency's to watch."""
    today = today or timezone.localdate()
    return (
        Qualification.objects.filter(
            expires_on__isnull=False,
            expires_on__lte=today + dt.timedelta(days=days),
            user__is_active=True,
        )
        .select_related("user", "competence")
        .order_by("expires_on", "id")
    )


def sessions_between(start: dt.date, end: dt.date):
    return (
        TrainingSession.objects.filter(held_on__gte=start, held_on__lte=end)
        .select_related("competence", "material")
        .annotate(
            attendees=Count("attendances"),
            effective=Count("attendances", filter=Q(attendances__result=Result.EFFECTIVE)),
            not_effective=Count("attendances", filter=Q(attendances__result=Result.NOT_EFFECTIVE)),
        )
        .order_by("held_on", "id")
    )


def register_rows(year: int) -> list[list]:
    """The training register of a year: one row per attendance (the spreadsheet)."""
    rows = []
    attendances = (
        Attendance.objects.filter(session__held_on__year=year)
        .select_related("session", "user", "session__competence")
        .order_by("session__held_on", "session_id", "user__full_name")
    )
    for n, a in enumerate(attendances, start=1):
        s = a.session
        rows.append(
            [
                n,
                s.held_on,
                s.title,
                s.get_kind_display(),
                s.trainer,
                s.hours,
                s.competence.title if s.competence else "",
                a.user.full_name,
                a.user.email,
                a.get_result_display(),
                a.note,
                s.evaluated_on,
            ]
        )
    return rows


REGISTER_HEADER = [
    "STT",
    "Ngày",
    "Nội dung đào tạo",
    "Hình thức",
    "Giảng viên, đơn vị đào tạo",
    "Số giờ",
    "Năng lực",
    "Họ và tên",
    "Thư điện tử",
    "Kết quả",
    "Ghi chú",
    "Ngày đánh giá hiệu quả",
]
