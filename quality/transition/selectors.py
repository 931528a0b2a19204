"""Reads of the transition: progress of the gap assessment and its plan of actions."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from quality.core.editions import edition_get
from quality.improvement.models import Action, ActionKind, ActionStatus
from quality.transition.models import Assessment, GapQuestion, GapStatus

DONE_ACTIONS = (ActionStatus.VERIFIED, ActionStatus.CANCELLED)


def current_assessment() -> Assessment | None:
    return Assessment.objects.order_by("-created_at").first()


def plan_actions(assessment: Assessment):
    ids = [str(pk) for pk in assessment.questions.values_list("pk", flat=True)]
    return Action.objects.filter(
        kind=ActionKind.TRANSITION, source_type="gap_question", source_id__in=ids
    )


def progress(assessment: Assessment) -> dict:
    """Questions answered, and questions closed: met, or a gap whose actions are all done
    (verified or cancelled). The percentage is of closed questions."""
    counts = dict(assessment.questions.values_list("status").annotate(n=Count("id")).order_by())
    total = sum(counts.values())
    open_by_question = set(
        plan_actions(assessment)
        .exclude(status__in=DONE_ACTIONS)
        .values_list("source_id", flat=True)
    )
    with_actions = set(plan_actions(assessment).values_list("source_id", flat=True))
    gaps = assessment.questions.filter(status__in=[GapStatus.PARTIAL, GapStatus.GAP])
    gaps_closed = sum(
        1
        for pk in gaps.values_list("pk", flat=True)
        if str(pk) in with_actions and str(pk) not in open_by_question
    )
    closed = counts.get(GapStatus.MET, 0) + gaps_closed
    actions = plan_actions(assessment).aggregate(
        total=Count("id"), done=Count("id", filter=Q(status__in=DONE_ACTIONS))
    )
    return {
        "questions": total,
        "answered": total - counts.get(GapStatus.OPEN, 0),
        "closed": closed,
        "percent": round(100 * closed / total) if total else 0,
        "actions": actions["total"],
        "actions_done": actions["done"],
        "overdue": timezone.localdate() > assessment.deadline and closed < total,
    }


def transition_summary() -> str:
    """One sentence for the management review and the annual report ("" if none)."""
    assessment = current_assessment()
    if assessment is None:
        return ""
    p = progress(assessment)
    return (
        f"Chuyển đổi sang {edition_get(assessment.target_edition).name}: đã đánh giá "
        f"{p['answered']}/{p['questions']} nội dung thay đổi, hoàn thành {p['percent']}%; "
        f"kế hoạch {p['actions']} hành động, đã xong {p['actions_done']}; "
        f"hạn {assessment.deadline:%d/%m/%Y}."
    )


def question_rows(assessment: Assessment):
    return GapQuestion.objects.filter(assessment=assessment).prefetch_related("evidence")
