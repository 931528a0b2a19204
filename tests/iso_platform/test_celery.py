"""A real Celery worker (a subprocess on the test database and Redis) runs tenant-aware tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from eiso.testing.workers import purge_queued_tasks, stop_process_group
from iso_platform.accounts.models import Invitation, User
from iso_platform.accounts.services import user_create
from iso_platform.accounts.tasks import send_invitation
from tenants.models import Agency, ProvisioningJob

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _test_database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@/{db['NAME']}?host={db['HOST']}"
        if (db["HOST"].startswith("/"))
        else (f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    )


@pytest.fixture(scope="module")
def mailbox_dir(django_db_setup, tmp_path_factory):
    mail_dir = tmp_path_factory.mktemp("mail")
    environment = dict(
        os.environ,
        DEBUG="true",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        EMAIL_URL=f"filemail://{mail_dir}",
        AGENCY_POOL_SIZE="0",
    )
    log = (tmp_path_factory.mktemp("worker") / "worker.log").open("w")
    purge_queued_tasks()  # what earlier tests queued without a worker is not ours
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "eiso",
            "worker",
            "-l",
            "INFO",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole
    )
    try:
        yield mail_dir
    finally:
        stop_process_group(process)


def _wait(predicate, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _complete_message(folder, to: str) -> str:
    """The first e-mail to `to` that the worker has finished writing (the file backend ends
    each message with a line of 79 dashes; the file exists, empty, before that). Other tests
    of the module share the mailbox, in any order."""
    for path in folder.iterdir():
        text = path.read_text()
        if "-" * 79 in text and to in text:
            return text
    return ""


def test_the_agency_schema_travels_with_the_task(committed, mailbox_dir):
    world = committed
    with schema_context(world.agency_a.schema_name):
        invited = user_create(
            email="moi@alpha.test", full_name="Người Mới", role="staff", in_public=False
        )
        # Queued from agency A's context: the worker must run it in A's schema.
        send_invitation.delay(invited.pk)
    try:
        assert _wait(lambda: _complete_message(mailbox_dir, "moi@alpha.test")), "no e-mail"
        message = _complete_message(mailbox_dir, "moi@alpha.test")
        assert "http://alpha.localhost/accounts/set-password/" in message
        assert "Sở Alpha" in message
    finally:
        with schema_context(world.agency_a.schema_name):
            Invitation.objects.filter(user_id=invited.pk).delete()
            User.objects.filter(pk=invited.pk).delete()


def test_provisioning_through_the_api_runs_on_the_worker(committed, mailbox_dir, client_for):
    from tenants.services import pool

    pool.spare_build()
    admin = client_for("localhost", committed.province_admin)
    response = admin.post(
        "/api/v1/agencies/",
        {
            "code": "nhan-vien",
            "name": "Sở Nội vụ",
            "kind": "provincial_department",
            "admin_email": "thuky@noivu.test",
            "admin_name": "Lý Thị Hoa",
        },
        content_type="application/json",
    )
    assert response.status_code == 202
    job_id = response.json()["id"]

    assert _wait(lambda: ProvisioningJob.objects.get(pk=job_id).is_finished)
    job = ProvisioningJob.objects.get(pk=job_id)
    assert job.status == "succeeded", job.error
    assert Agency.objects.get(code="nhan-vien").status == "active"
    assert Client(HTTP_HOST="nhan-vien.localhost").get("/accounts/login/").status_code == 200


def test_every_beat_entry_names_a_registered_task():
    """A typo or a task renamed in one place only would be silently never run."""
    from django.conf import settings

    from eiso.celery import app

    app.loader.import_default_modules()
    registered = set(app.tasks)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= registered, scheduled - registered
    # the fan-outs the operations guide promises
    assert {
        "integrations.apply_all",
        "integrations.pull_all",
        "integrations.overdue_all",
        "integrations.stats_reconcile_all",
        "onboarding.rollout_resume",
        "tenants.lifecycle_operations_resume",
        "tenants.provisioning_jobs_resume",
        "tenants.pool_refill",
    } <= scheduled
