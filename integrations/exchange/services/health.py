"""What the province sees of exchange trouble, written by the agencies' tasks.

A failed hand-over shows on the sending agency's exchange log; the province, which owns the
connection, learns of it here: every request to the platform (a sending attempt, a poll of
status messages) records its outcome on the one `PlatformHealth` row, and every sending
attempt records how many of its agency's packages still wait (`AgencyBacklog`). Both are
public-schema rows written with single statements, so the console page, the health page and
`/metrics` read two small tables and never enter an agency's schema.

When every request has failed for `NOTICE_AFTER`, the province administrators get one e-mail;
the next success ends the run of failures and the next run gets its own.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Count, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name, schema_context

from integrations.exchange.models import Sending
from integrations.exchange.province.models import AgencyBacklog, PlatformHealth
from iso_platform.accounts.models import Role
from iso_platform.current import current_agency

logger = logging.getLogger(__name__)

NOTICE_AFTER = dt.timedelta(hours=1)
# Agencies poll every two minutes: a healthy platform need not be written each time.
SUCCESS_WRITE_EVERY = dt.timedelta(minutes=1)
FAILURE_WRITE_EVERY = dt.timedelta(seconds=30)

MSG_NOTICE_TITLE = gettext_noop("Liên thông văn bản: nền tảng của tỉnh không nhận yêu cầu")
MSG_NOTICE_BODY = gettext_noop(
    "Mọi yêu cầu của eISO tới nền tảng liên thông của tỉnh đều thất bại từ %(since)s. "
    "Lỗi gần nhất: %(error)s\n\nGói tin của các cơ quan vẫn được giữ và sẽ được gửi lại khi "
    "kết nối hoạt động. Hiện có %(waiting)s gói tin đang chờ ở %(agencies)s cơ quan. Hãy mở "
    "trang kết nối liên thông văn bản, bấm “Kiểm tra kết nối” và sửa cấu hình hoặc báo đơn vị "
    "vận hành nền tảng."
)


def _public():
    return schema_context(get_public_schema_name())


def outcome_record(*, error: str = "", status: int | None = None, now=None) -> None:
    """One request to the platform ended: success when `error` is empty."""
    now = now or timezone.now()
    with _public():
        PlatformHealth.objects.bulk_create([PlatformHealth(pk=1)], ignore_conflicts=True)
        row = PlatformHealth.objects.filter(pk=1)
        if not error:
            row.filter(
                Q(failing_since__isnull=False)
                | Q(last_success_at__isnull=True)
                | Q(last_success_at__lt=now - SUCCESS_WRITE_EVERY)
            ).update(last_success_at=now, failing_since=None, notified_at=None)
            return
        row.filter(
            Q(failing_since__isnull=True)
            | Q(last_failure_at__isnull=True)
            | Q(last_failure_at__lt=now - FAILURE_WRITE_EVERY)
        ).update(
            last_failure_at=now,
            last_error=error[:1000],
            last_http_status=status,
            failing_since=Coalesce(F("failing_since"), Value(now)),
        )
        # One notice per run of failures: the one update that claims it sends it.
        claimed = row.filter(
            notified_at__isnull=True, failing_since__lte=now - NOTICE_AFTER
        ).update(notified_at=now)
        if claimed:
            _notice(PlatformHealth.load())


def backlog_refresh(*, now=None) -> None:
    """The current agency's packages still waiting, copied to the province's table."""
    agency = current_agency()
    if agency is None:
        return
    waiting = Sending.objects.filter(done_at__isnull=True)
    figures = waiting.aggregate(n=Count("pk"), oldest=Min("message__at"))
    error = (
        waiting.exclude(last_error="")
        .order_by("-next_attempt_at")
        .values_list("last_error", flat=True)
        .first()
    )
    row = AgencyBacklog(
        agency_id=agency.pk,
        waiting=figures["n"],
        oldest_at=figures["oldest"],
        last_error=error or "",
        updated_at=now or timezone.now(),
    )
    with _public():
        AgencyBacklog.objects.bulk_create(
            [row],
            update_conflicts=True,
            unique_fields=["agency"],
            update_fields=["waiting", "oldest_at", "last_error", "updated_at"],
        )


def _notice(health: PlatformHealth) -> None:
    people = get_user_model().objects.filter(role=Role.PROVINCE_ADMIN, is_active=True)
    emails = [e for e in people.values_list("email", flat=True) if e]
    totals = AgencyBacklog.objects.filter(waiting__gt=0).aggregate(
        waiting=Coalesce(Sum("waiting"), 0), agencies=Count("pk")
    )
    body = _(MSG_NOTICE_BODY) % {
        "since": timezone.localtime(health.failing_since).strftime("%H:%M %d/%m/%Y"),
        "error": health.last_error,
        **totals,
    }
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    page = f"{settings.SITE_SCHEME}://{settings.BASE_DOMAIN}{port}/exchange/"
    logger.warning("exchange: the platform has failed since %s; notice sent", health.failing_since)
    if not emails:
        return
    try:
        send_mail(f"[eISO] {_(MSG_NOTICE_TITLE)}", f"{body}\n\n{page}\n", None, emails)
    except OSError:
        logger.exception("exchange: the notice of a failing platform was not e-mailed")
