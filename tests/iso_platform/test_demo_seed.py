"""The demo seed is idempotent and refuses to run outside DEBUG."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from eiso.console import demo
from eiso.console.demo_pki import DEMO_SIGNING_PASSWORD
from eiso.console.demo_platform import platform_port, platform_prepare
from eiso.testing.exchange_platform import exchange_platform
from evaluation.models import Wave
from evaluation.services.signing import report_sign
from integrations.exchange import tasks as exchange_tasks
from integrations.exchange.models import Delivery, DeliveryStatus, ExchangeMessage
from iso_platform.accounts.models import User
from iso_platform.signing.models import ProvinceCredential, TrustAnchor
from quality.core.models import SignedDocument, SigningCredential
from quality.core.signatures.services import SigningSecrets
from quality.reviews.models import AnnualReport
from quality.reviews.services.annual_report import annual_report_submit
from tenants.models import Agency, Domain


def _seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_db(world, settings, monkeypatch, tmp_path):
    settings.DEBUG = True
    # The demo CA goes to .data/demo-pki/ under `make run`; a test's own folder here.
    monkeypatch.setattr(demo, "demo_pki_directory", lambda: tmp_path / "demo-pki")
    # No simulated platform unless a test starts one (`make run`'s lives under .data/).
    monkeypatch.setattr(demo, "demo_platform_directory", lambda: tmp_path / "exchange-platform")


def test_seed_creates_the_demo_province_then_does_nothing(demo_db):
    first = _seed()
    assert "created Sở Khoa học và Công nghệ" in first
    codes = {code for code, *_rest in demo.AGENCIES}
    assert codes <= set(Agency.objects.values_list("code", flat=True))
    with schema_context("ag_sokhcn"):
        leader = User.objects.get(email="lanhdao@sokhcn.test")
        assert leader.check_password(demo.DEMO_PASSWORD)
    counts = (Agency.objects.count(), Domain.objects.count(), User.objects.count())
    _the_loop_is_there()
    _the_transition_is_half_done()
    _the_rollout_samples_fail_and_pass_as_documented()

    second = _seed()

    assert second.strip() == "demo data already present"
    assert (Agency.objects.count(), Domain.objects.count(), User.objects.count()) == counts


def _pyhanko_validates(pdf: bytes, ca: Path, folder: Path) -> None:
    """The command docs/signatures.md gives for the demo."""
    (folder / "file.pdf").write_bytes(pdf)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "pyhanko"), "sign", "validate", "--pretty-print"]
        + ["--trust", str(ca), "--trust-replace", "file.pdf"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("The signature is judged VALID.") >= 1


def test_the_demo_signs_through_the_real_flows_with_its_own_ca(demo_db, tmp_path):
    _seed()
    ca = tmp_path / "demo-pki" / "ca.pem"
    assert TrustAnchor.objects.filter(is_active=True, note="eISO demo CA").exists()
    with schema_context("ag_sokhcn"):
        leader = User.objects.get(email="lanhdao@sokhcn.test")
        assert SigningCredential.objects.get(owner=leader).title == "Giám đốc"
        assert SigningCredential.objects.filter(owner__isnull=True, is_active=True).exists()
        decision = SignedDocument.objects.get(register__kind="QĐ")
        report = SignedDocument.objects.get(subject_type="auditplan")
        assert [s["kind"] for s in decision.signers] == ["person", "agency"]
        # the annual report, submitted by the leader with the demo password
        draft = AnnualReport.objects.get()
        annual_report_submit(
            actor=leader,
            report=draft,
            signing=SigningSecrets(DEMO_SIGNING_PASSWORD, DEMO_SIGNING_PASSWORD),
        )
        annual = SignedDocument.objects.get(subject_type="annualreport")
    # the province's administrator signs and issues the pilot's evaluation report on the
    # console with the demo credential the seed gave them
    admin = User.objects.get(email=demo.PROVINCE_SIGNER.email)
    assert ProvinceCredential.objects.get(owner=admin, is_active=True).title == "Giám đốc"
    evaluation = report_sign(
        actor=admin,
        wave=Wave.objects.get(order=1),
        sequence=1,
        password=DEMO_SIGNING_PASSWORD,
    )
    for record in (decision, report, annual, evaluation):
        _pyhanko_validates(bytes(record.content), ca, tmp_path)


def test_the_demo_sends_an_issued_decision_through_the_simulated_platform(
    demo_db, settings, tmp_path
):
    """As under `make run`: the simulator runs as a process on the port the runner chose,
    the seed points the province's connection at it and sends sokhcn's decision once; the
    worker's task delivers it and beat's sweep brings the recipient's statuses back."""
    prepared = platform_prepare(tmp_path / "exchange-platform", platform_port(tmp_path / "x"))
    settings.OUTBOUND_ALLOWED_HOSTS = (
        *settings.OUTBOUND_ALLOWED_HOSTS,
        f"127.0.0.1:{prepared.port}",
    )
    options = {"client_id": prepared.client_id, "secret": prepared.secret, "port": prepared.port}
    (tmp_path / "simulator").mkdir()
    with exchange_platform(tmp_path / "simulator", **options) as platform:
        first = _seed()
        assert "sokhcn sent" in first and prepared.url in first
        assert _seed().strip() == "demo data already present"  # sent once
        with schema_context("ag_sokhcn"):
            (log,) = ExchangeMessage.objects.filter(direction="out")
            assert exchange_tasks.exchange_send(log.pk) == "sent"  # the worker's task
            assert exchange_tasks.exchange_sweep() == 4  # beat's sweep polls the statuses
            delivery = Delivery.objects.get(message=log)
        report = platform.report()
    (package,) = report["packages"]
    assert package["document_id"] == log.package_id and package["symbol"] == log.symbol
    assert package["from"] == demo.DEMO_IDENTIFIERS["sokhcn"]
    assert package["to"] == [demo.DEMO_IDENTIFIERS["sotp"]]
    assert package["attachments"] == ["quyet-dinh-ban-hanh.pdf"]
    assert delivery.status == DeliveryStatus.PROCESSED


def test_seed_keeps_a_changed_password_unless_asked(demo_db):
    _seed()
    with schema_context("ag_sotp"):
        user = User.objects.get(email="thuky@sotp.test")
        user.set_password("doi-mat-khau-khac-2026")
        user.save()
    _seed()
    with schema_context("ag_sotp"):
        assert User.objects.get(email="thuky@sotp.test").check_password("doi-mat-khau-khac-2026")
    _seed(reset_passwords=True)
    with schema_context("ag_sotp"):
        assert User.objects.get(email="thuky@sotp.test").check_password(demo.DEMO_PASSWORD)


def test_seed_refuses_without_debug(world, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused with DEBUG off"):
        _seed()
    assert not Agency.objects.filter(code="sokhcn").exists()


def _the_loop_is_there():
    """The loop demo: audit -> minor NC -> root cause -> two actions, one verified and one
    overdue and escalated; a review with every input compiled; an annual report."""
    from quality.audits.models import Finding
    from quality.core.models import Notification
    from quality.feedback.models import SurveyResponse
    from quality.improvement.models import Action
    from quality.objectives.models import Measurement
    from quality.reviews.models import AnnualReport, ManagementReview

    with schema_context("ag_sokhcn"):
        finding = Finding.objects.get(grade="minor")
        nc = finding.nonconformity
        assert nc.source == "audit" and nc.root_cause and nc.root_cause_method == "five_whys"
        statuses = sorted(nc.actions.values_list("status", flat=True))
        assert statuses == ["open", "verified"]
        late = nc.actions.get(status="open")
        assert late.escalation_level == 2
        assert Notification.objects.filter(
            key=f"action:{late.pk}:escalate:2", user__email="lanhdao@sokhcn.test"
        ).exists()
        review = ManagementReview.objects.get()
        keys = [section["key"] for section in review.inputs["sections"]]
        iso_932 = {"a", "b", "c.1", "c.2", "c.3", "c.4", "c.5", "c.6", "c.7", "d", "d.1", "e", "f"}
        assert {f"9.3.2.{k}" for k in iso_932} == set(keys) and review.inputs_compiled_at
        assert SurveyResponse.objects.count() > 20
        assert Measurement.objects.filter(computed=True).exists()
        assert AnnualReport.objects.get().figures["audits_done"] == 1
        assert Action.objects.filter(kind="risk", status="verified").exists()
    _the_training_records_are_there()


def _the_training_records_are_there():
    from quality.competence import selectors
    from quality.competence.models import Attempt, Qualification, TrainingSession
    from quality.reviews.models import ManagementReview

    with schema_context("ag_sokhcn"):
        sessions = TrainingSession.objects.order_by("held_on")
        assert sessions.count() == 2 and sessions.first().evaluated_on is not None
        assert sessions.first().attendances.filter(result="effective").count() == 2
        expiring = Qualification.objects.get(user__email="danhgia@sokhcn.test")
        assert expiring in selectors.expiring()  # its reminder is due
        assert sorted(Attempt.objects.values_list("score", "passed")) == [(67, False), (100, True)]
        review = ManagementReview.objects.get()
        section = {s["key"]: s for s in review.inputs["sections"]}["9.3.2.d.1"]
        assert "Cán bộ được đào tạo" in section["summary"]


def _the_rollout_samples_fail_and_pass_as_documented():
    """docs/running.md: the two-error sample names lines 8 and 21; the fixed one is valid
    against the demo province (its parents exist there)."""
    from pathlib import Path

    from onboarding.services.rollout.checking import rollout_check
    from onboarding.services.rollout.parsing import rollout_parse

    samples = Path(demo.__file__).resolve().parents[2] / "onboarding" / "samples"
    bad = rollout_check(
        rollout_parse(
            content=(samples / "trien-khai-30-co-quan-2-loi.csv").read_bytes(), file_name="a.csv"
        ).rows
    )
    assert len(bad) == 30
    assert {row.line for row in bad if row.errors} == {8, 21}
    good = rollout_check(
        rollout_parse(
            content=(samples / "trien-khai-30-co-quan.csv").read_bytes(), file_name="b.csv"
        ).rows
    )
    assert len(good) == 30 and not [row.line for row in good if row.errors]


def _the_transition_is_half_done():
    from insights.models import AgencyStatus
    from quality.improvement.models import Action
    from quality.risks.models import ClimateDecision, ContextIssue
    from quality.transition.models import GapQuestion

    with schema_context("ag_sokhcn"):
        assert ClimateDecision.objects.get().relevant
        assert ContextIssue.objects.filter(kind="party", climate_related=True).exists()
        questions = GapQuestion.objects.all()
        assert questions.count() == 5 and questions.exclude(status="open").count() == 3
        assert Action.objects.filter(kind="transition").count() == 3
    status = AgencyStatus.objects.get(agency__code="sokhcn")
    assert (status.iso_edition, status.transition_target) == ("2015+A1:2024", "2026")
    assert (status.transition_questions, status.transition_answered) == (5, 3)
    assert status.transition_closed == 1 and status.transition_actions == 3
