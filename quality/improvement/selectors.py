"""Reads of the nonconformity register: its filters, its groups, a record's application.

The register's page, its "every record of this group" bulk selection and its downloads
filter the same way, through `nc_register`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from quality.improvement.models import OPEN_ACTION_STATUSES, NcSource, NcStatus, Nonconformity
from quality.procedures.models import Application, Procedure


def nc_register(data: dict, *, grouped: bool = True) -> QuerySet:
    """The register filtered by a valid NcFilterForm's data; `grouped=False` leaves out the
    group filters (source, procedure), so the groups can be counted over the rest."""
    rows = Nonconformity.objects.all()
    status = data.get("status", "")
    if status == "":
        rows = rows.exclude(status=NcStatus.CLOSED)
    elif status != "all":
        rows = rows.filter(status=status)
    if data.get("unassigned"):
        rows = rows.filter(owner__isnull=True)
    if (data.get("q") or "").strip():
        q = data["q"].strip()
        rows = rows.filter(
            Q(title__icontains=q) | Q(description__icontains=q) | Q(source_ref__icontains=q)
        )
    if grouped and data.get("source"):
        rows = rows.filter(source=data["source"])
    if grouped and data.get("procedure"):
        rows = of_procedure(rows, data["procedure"])
    return rows


def of_procedure(rows: QuerySet, procedure) -> QuerySet:
    codes = Application.objects.filter(procedure=procedure).values("code")
    return rows.filter(source_type="application", source_id__in=codes)


def with_open_actions(rows: QuerySet) -> QuerySet:
    """Count of open actions per record, its own and the shared ones that cover it."""
    own = Count("actions", filter=Q(actions__status__in=OPEN_ACTION_STATUSES), distinct=True)
    shared = Count(
        "shared_actions",
        filter=Q(shared_actions__status__in=OPEN_ACTION_STATUSES),
        distinct=True,
    )
    return rows.annotate(open_actions=own + shared)


@dataclass
class Group:
    key: str  # the filter's parameter: "source" or "procedure"
    value: str
    label: str
    count: int


def nc_groups(rows: QuerySet) -> dict[str, list[Group]]:
    """Counts per source and per procedure (of the applications the records were opened
    for), most first: three queries whatever the number of records."""
    labels = dict(NcSource.choices)
    by_source = [
        Group("source", value, str(labels.get(value, value)), n)
        for value, n in rows.order_by()
        .values_list("source")
        .annotate(n=Count("id"))
        .order_by("-n", "source")
    ]
    procedure_of = Application.objects.filter(code=OuterRef("source_id")).values("procedure_id")
    counted = (
        rows.filter(source_type="application")
        .order_by()
        .annotate(procedure=Subquery(procedure_of[:1]))
        .filter(procedure__isnull=False)
        .values_list("procedure")
        .annotate(n=Count("id"))
    )
    counts = dict(counted)
    procedures = Procedure.objects.in_bulk(list(counts))
    by_procedure = sorted(
        (
            Group("procedure", str(pk), str(procedures[pk]), n)
            for pk, n in counts.items()
            if pk in procedures
        ),
        key=lambda g: (-g.count, g.label),
    )
    return {"source": by_source, "procedure": by_procedure}


def nc_application(nc: Nonconformity) -> Application | None:
    """The application a system-recorded nonconformity was opened for, with its procedure."""
    if not nc.application_code:
        return None
    return Application.objects.select_related("procedure").filter(code=nc.application_code).first()
