"""People who arrive in another agency through a merge or a split (credentials.py says what
never comes along).

The provincial administrator chooses, by name, who keeps working in the receiving agency:
those people arrive active, without a usable password, without two-factor devices and
without the old agency's rights, and get an invitation (a set-password e-mail) from the
receiving agency. Everyone else the moved rows name (an author, an owner, an auditor)
arrives as an inactive record, so that the history still says who did what; nobody can
sign in with it. A person whose e-mail the receiving agency already has stays that
agency's account (nothing of the old one is taken).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context

from iso_platform.accounts.invitations import invitation_issue, invitation_send_on_commit
from iso_platform.accounts.models import User
from tenants.services.datamove.engine.applying import Applied
from tenants.services.datamove.engine.common import Plan

MSG_PEOPLE_UNKNOWN = gettext_noop(
    "Có người được chọn không thuộc cơ quan nguồn hoặc đã bị khoá: %(who)s."
)
MSG_PEOPLE_TWICE = gettext_noop("Một người không thể vừa được chuyển vừa được sao chép.")

# What happens to each person named in a preview (the report's "people" rows).
INVITED = "invited"  # chosen: arrives active, without a password, and is invited
MATCHED = "matched"  # the receiving agency has this e-mail already: its account is kept
RECORD = "record"  # named by moved rows only: an inactive record, no sign-in


def people_resolve(*, schema: str, ids=(), emails=()) -> dict[int, str]:
    """{id: e-mail} of the chosen people of `schema` (active ones only). Raises a Vietnamese
    ValidationError naming whoever is unknown there."""

    ids = {int(i) for i in ids}
    wanted = {e.strip().lower() for e in emails if e.strip()}
    with schema_context(schema):
        found = dict(User.objects.filter(is_active=True, pk__in=ids).values_list("pk", "email")) | {
            pk: email
            for pk, email in User.objects.filter(is_active=True)
            .filter(email__in=wanted)
            .values_list("pk", "email")
        }
    missing = [str(i) for i in ids - set(found)]
    missing += sorted(wanted - {e.lower() for e in found.values()})
    if missing:
        raise ValidationError(
            _(MSG_PEOPLE_UNKNOWN) % {"who": ", ".join(missing[:10])}, code="people"
        )
    return found


def people_report(plan: Plan, carried: set[int] | None = None) -> list[dict]:
    """One row per person of the source that the operation names, with what happens to them."""

    mapped = plan.mapped.get("accounts_user", {})
    with schema_context(plan.source):
        qs = User.objects.order_by("email")
        if carried is not None:
            qs = qs.filter(pk__in=carried)
        rows = list(qs.values_list("pk", "email", "full_name"))
    report = []
    for pk, email, name in rows:
        if pk in mapped:
            outcome = MATCHED
        elif pk in plan.people:
            outcome = INVITED
        else:
            outcome = RECORD
        report.append({"id": pk, "email": email, "name": name, "outcome": outcome})
    return report


def people_invite_arrivals(*, plan: Plan, applied: Applied, invited_by: str) -> list[str]:
    """Invite, in the receiving agency, the chosen people that arrived there as new accounts
    (inside the operation's transaction; the e-mails leave after commit). Run before
    plan_cleanup (it reads the id map)."""

    if not plan.people:
        return []
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT new FROM {applied.maps['accounts_user']} "  # noqa: S608 - a temp table
            "WHERE moved AND old = ANY(%s)",
            [sorted(plan.people)],
        )
        new_ids = [row[0] for row in cur.fetchall()]
    invited = []
    with schema_context(plan.target):
        for user in User.objects.filter(pk__in=new_ids, is_active=True).order_by("email"):
            invitation_send_on_commit(invitation_issue(user, invited_by=invited_by))
            invited.append(user.email)
    return invited


def people_summary(report: list[dict], invited: list[str]) -> dict:
    """What the operations log keeps about people (e-mails of who was chosen, counts)."""
    return {
        "invited": invited,
        "matched": [p["email"] for p in report if p["outcome"] == MATCHED],
        "records": sum(1 for p in report if p["outcome"] == RECORD),
    }


def admins_invite(*, schema: str, invited_by: str = "") -> list[str]:
    """After an import or a restore nobody has a usable password: invite the agency's active
    administrators (they re-invite the others from their team page). Inside the caller's
    transaction; the e-mails leave after commit."""

    invited = []
    with schema_context(schema):
        for user in User.objects.filter(is_active=True, is_agency_admin=True).order_by("pk"):
            invitation_send_on_commit(invitation_issue(user, invited_by=invited_by))
            invited.append(user.email)
    return invited
