"""The demo province for `make run`: idempotent, and refused outside DEBUG."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django_tenants.utils import schema_context

from billing.services.seed import billing_seed
from eiso.console.demo_evaluation import ensure_evaluation
from eiso.console.demo_loop import ensure_loop
from eiso.console.demo_pki import (
    AGENCY_FILE,
    DEMO_SIGNING_PASSWORD,
    DemoSigner,
    demo_pki_ensure,
    demo_signer_ensure,
)
from eiso.console.demo_platform import demo_platform_directory, is_simulated, platform_read
from eiso.console.demo_transition import ensure_transition
from insights.services.refresh import agencies_refresh
from integrations.catalogue import source as catalogue_source
from integrations.catalogue.models import CatalogueImport
from integrations.catalogue.models import Channel as CatalogueChannel
from integrations.catalogue.services import import_apply, import_preview
from integrations.exchange.models import Direction, ExchangeMessage, Kind, Recipient
from integrations.exchange.province.models import PlatformConnection
from integrations.exchange.services import outbound as exchange_outbound
from integrations.exchange.services.connection import connection_in_force, connection_update
from iso_platform import outbound
from iso_platform.accounts.models import Role, User
from iso_platform.signing.credentials import province_credential_upload
from iso_platform.signing.models import ProvinceCredential, TrustAnchor
from iso_platform.signing.services import trust_anchor_add
from onboarding.services.packs import pack_install
from quality.core.models import SigningCredential, Unit
from quality.core.signatures.services import credential_pkcs12_upload
from quality.documents.models import Document
from quality.procedures.models import Application, Procedure
from quality.procedures.services.catalogue import StepSpec, VersionSpec, procedure_create
from tenants.models import Agency, AgencyKind, Domain
from tenants.services.province import province_ensure
from tenants.services.provisioning import AgencySpec, agency_provision

DEMO_PASSWORD = "eiso-demo-2026"  # noqa: S105 - demo data, DEBUG only
PROVINCE_NAME = "Tỉnh An Giang (bản trình diễn)"


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    is_agency_admin: bool = False


PROVINCE_USERS = (
    DemoUser("quantri@eiso.test", "Nguyễn Văn Quản", Role.PROVINCE_ADMIN),
    DemoUser("chicuc@eiso.test", "Lê Thị Chi", Role.DEPARTMENT_ANALYST),
)
AGENCIES = (
    # code, name, kind, parent, people (the first one is the agency administrator)
    (
        "sokhcn",
        "Sở Khoa học và Công nghệ",
        AgencyKind.PROVINCIAL_DEPARTMENT,
        None,
        (
            DemoUser("thuky@sokhcn.test", "Trần Thị Thu Hà", Role.ISO_SECRETARY, True),
            DemoUser("lanhdao@sokhcn.test", "Phạm Minh Đức", Role.AGENCY_LEADER),
            DemoUser("chuyenvien@sokhcn.test", "Võ Thị Ánh", Role.STAFF),
            DemoUser("truongphong@sokhcn.test", "Lâm Quốc Việt", Role.UNIT_HEAD),
            DemoUser("danhgia@sokhcn.test", "Bùi Thị Ngọc Lan", Role.INTERNAL_AUDITOR),
        ),
    ),
    (
        "sotp",
        "Sở Tư pháp",
        AgencyKind.PROVINCIAL_DEPARTMENT,
        None,
        (DemoUser("thuky@sotp.test", "Đặng Quốc Bảo", Role.ISO_SECRETARY, True),),
    ),
    (
        "ttphvhcc",
        "Trung tâm Phục vụ hành chính công tỉnh",
        AgencyKind.SERVICE_CENTRE,
        None,
        (DemoUser("thuky@ttphvhcc.test", "Huỳnh Thanh Tâm", Role.ISO_SECRETARY, True),),
    ),
    (
        "myhoahung",
        "UBND xã Mỹ Hòa Hưng",
        AgencyKind.COMMUNE_COMMITTEE,
        None,
        (DemoUser("thuky@myhoahung.test", "Nguyễn Thị Mỹ", Role.ISO_SECRETARY, True),),
    ),
)


def demo_seed(*, reset_passwords: bool = False) -> list[str]:
    """Create what is missing; return human-readable lines of what was done."""
    done = [_ensure_public()]
    done += _ensure_billing()
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        done += [_ensure_user(u, reset_passwords) for u in PROVINCE_USERS]
    for code, name, kind, parent, people in AGENCIES:
        done.append(_ensure_agency(code, name, kind, parent, people[0]))
        agency = Agency.objects.get(code=code)
        _sync_domain(agency)
        with schema_context(agency.schema_name):
            done += [_ensure_user(u, reset_passwords) for u in people]
            done.append(_ensure_units(code))
            done.append(_ensure_pack(agency))
            done.append(_ensure_procedures(code))
        done.append(_ensure_applications(agency))
        done.append(_ensure_exchange(agency))
        done.append(_ensure_signing(agency, people))
        with schema_context(agency.schema_name):
            done.append(_ensure_catalogue(code))
        with schema_context(agency.schema_name):
            done.append(ensure_loop(code))
            done.append(ensure_transition(code))
    done.append(_ensure_province_signing())
    _ensure_statistics()
    done.append(ensure_evaluation())
    done.append(_ensure_platform())
    done.append(_ensure_decision_sent())
    return [line for line in done if line]


# Who holds a demo signing certificate, by e-mail, and the title written in it.
DEMO_SIGNERS = {
    "sokhcn": {
        "lanhdao@sokhcn.test": "Giám đốc",
        "thuky@sokhcn.test": "Thư ký ISO",
        "danhgia@sokhcn.test": "Đánh giá viên nội bộ",
    }
}


# The department's signer on the console: the provincial administrator signs and issues the
# pilot evaluation report (docs/evaluation.md, "Signing and issuing the report").
PROVINCE_SIGNER = DemoSigner("so-khcn-quantri", "Nguyễn Văn Quản", "Giám đốc", "quantri@eiso.test")


def demo_pki_directory() -> Path:
    return Path(settings.BASE_DIR) / ".data" / "demo-pki"


def _ensure_signing(agency: Agency, people) -> str:
    """The demo CA as a province trust anchor, and PKCS#12 credentials for the agency's
    signers and for the agency itself (kept by its administrator), all under one password."""
    titles = DEMO_SIGNERS.get(agency.code)
    if not titles:
        return ""
    signers = [
        DemoSigner(u.email.split("@")[0], u.full_name, titles[u.email], u.email)
        for u in people
        if u.email in titles
    ]
    # One demo agency signs: its CA is the one at .data/demo-pki/ca.pem (docs/signatures.md).
    directory = demo_pki_ensure(demo_pki_directory(), agency.name, signers)
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        _ensure_anchor(directory / "ca.pem")
    with schema_context(agency.schema_name):
        added = [
            _ensure_credential(directory, User.objects.get(email=s.email), s.file) for s in signers
        ]
        admin = User.objects.get(email=people[0].email)
        added.append(_ensure_credential(directory, admin, AGENCY_FILE, for_agency=True))
    if not any(added):
        return ""
    return f"signing certificates for {agency.code} (password {DEMO_SIGNING_PASSWORD})"


def _ensure_province_signing() -> str:
    """A PKCS#12 credential from the demo CA for the provincial administrator, kept on the
    console ("Chữ ký số của tôi"), under the same password as the agencies' ones."""
    directory = demo_pki_directory()
    if not (directory / "ca.pem").exists():
        return ""
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        admin = User.objects.get(email=PROVINCE_SIGNER.email)
        if ProvinceCredential.objects.filter(owner=admin, is_active=True).exists():
            return ""
        path = demo_signer_ensure(directory, PROVINCE_SIGNER, settings.PROVINCE_ISSUER)
        if path is None:
            return f"no console signing certificate: remove {directory} to regenerate the demo CA"
        province_credential_upload(
            actor=admin, data=path.read_bytes(), password=DEMO_SIGNING_PASSWORD
        )
    return f"signing certificate for {admin.email} on the console"


def _ensure_anchor(ca_pem: Path) -> None:
    from cryptography import x509 as crypto_x509
    from cryptography.hazmat.primitives import hashes

    cert = crypto_x509.load_pem_x509_certificate(ca_pem.read_bytes())
    if not TrustAnchor.objects.filter(fingerprint=cert.fingerprint(hashes.SHA256()).hex()).exists():
        admin = User.objects.get(email=PROVINCE_USERS[0].email)
        trust_anchor_add(actor=admin, data=ca_pem.read_bytes(), note="eISO demo CA")


def _ensure_credential(directory: Path, user, file: str, *, for_agency=False) -> bool:
    owner = {"owner__isnull": True} if for_agency else {"owner": user}
    if SigningCredential.objects.filter(is_active=True, **owner).exists():
        return False
    credential_pkcs12_upload(
        actor=user,
        data=(directory / f"{file}.p12").read_bytes(),
        password=DEMO_SIGNING_PASSWORD,
        for_agency=for_agency,
    )
    return True


def _ensure_statistics() -> None:
    """The department's dashboard shows the demo agencies at once: figures older than an
    hour (or none yet) are recomputed here; afterwards writes keep them fresh."""
    from datetime import timedelta

    from django.utils import timezone

    # The statistics' AgencyStatus (figures), not the agency life-cycle one of tenants.
    from insights.models import AgencyStatus

    codes = [code for code, *_rest in AGENCIES]
    fresh = set(
        AgencyStatus.objects.filter(
            agency__code__in=codes, refreshed_at__gte=timezone.now() - timedelta(hours=1)
        ).values_list("agency__code", flat=True)
    )
    stale = list(Agency.objects.filter(code__in=set(codes) - fresh))
    if stale:
        agencies_refresh(agencies=stale)


DESK, SCIENCE, OFFICE, STANDARDS = (
    "Bộ phận một cửa",
    "Phòng Quản lý khoa học",
    "Văn phòng Sở",
    "Chi cục Tiêu chuẩn Đo lường Chất lượng",
)
# Demo codes (KHCN-xx), not national procedure codes.
DEMO_PROCEDURES = {
    "sokhcn": (
        (
            "KHCN-01",
            "Cấp Giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
            "Hoạt động khoa học và công nghệ",
            5,
            None,
            ((DESK, 4), (SCIENCE, 20), (OFFICE, 8), (DESK, 4)),
        ),
        (
            "KHCN-02",
            "Cấp giấy phép tiến hành công việc bức xạ (thiết bị X-quang chẩn đoán y tế)",
            "An toàn bức xạ và hạt nhân",
            10,
            None,
            ((DESK, 4), (SCIENCE, 52), (OFFICE, 12), (DESK, 4)),
        ),
        (
            "KHCN-03",
            "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ",
            "Hoạt động khoa học và công nghệ",
            5,
            None,
            ((DESK, 4), (SCIENCE, 24), (DESK, 4)),
        ),
        (
            "KHCN-04",
            "Tiếp nhận bản công bố hợp quy",
            "Tiêu chuẩn, đo lường, chất lượng",
            5,
            None,
            ((DESK, 4), (STANDARDS, 24), (DESK, 4)),
        ),
        (
            "KHCN-05",
            "Xác nhận hàng hoá sử dụng trực tiếp cho nghiên cứu khoa học",
            "Hoạt động khoa học và công nghệ",
            None,
            8,
            ((DESK, 1), (SCIENCE, 5), (DESK, 1)),
        ),
    ),
}
# The other pilots, smaller: the Department of Justice's budgets use the whole legal limit
# (and its traffic overruns them more often, DEMO_APPLICATIONS), the service centre's
# leave room.
JUDICIAL, NOTARY, CENTRE_DESK, SPECIALIST = (
    "Phòng Hành chính tư pháp",
    "Phòng Bổ trợ tư pháp",
    "Quầy tiếp nhận Trung tâm",
    "Cán bộ chuyên môn được cử",
)
DEMO_PROCEDURES |= {
    "sotp": (
        (
            "TP-01",
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
            "Lý lịch tư pháp",
            10,
            None,
            ((DESK, 4), (JUDICIAL, 50), (OFFICE, 16), (DESK, 4)),
        ),
        (
            "TP-02",
            "Đăng ký hoạt động Văn phòng công chứng",
            "Công chứng",
            10,
            None,
            ((DESK, 4), (NOTARY, 48), (OFFICE, 18), (DESK, 4)),
        ),
    ),
    "ttphvhcc": (
        (
            "HCC-01",
            "Tiếp nhận và trả kết quả hồ sơ liên thông đăng ký kinh doanh",
            "Đăng ký kinh doanh",
            3,
            None,
            ((CENTRE_DESK, 2), (SPECIALIST, 6), (CENTRE_DESK, 2)),
        ),
        (
            "HCC-02",
            "Tiếp nhận hồ sơ cấp giấy phép xây dựng",
            "Xây dựng",
            15,
            None,
            ((CENTRE_DESK, 2), (SPECIALIST, 40), (CENTRE_DESK, 2)),
        ),
    ),
}
STEP_NAMES = {
    DESK: "Tiếp nhận / trả kết quả",
    SCIENCE: "Thẩm định hồ sơ",
    OFFICE: "Trình lãnh đạo ký",
    STANDARDS: "Xem xét hồ sơ công bố",
    JUDICIAL: "Thẩm định, xác minh",
    NOTARY: "Thẩm định hồ sơ",
    CENTRE_DESK: "Tiếp nhận / trả kết quả",
    SPECIALIST: "Giải quyết hồ sơ",
}


def _ensure_procedures(code: str) -> str:
    import datetime as dt
    from decimal import Decimal

    specs = DEMO_PROCEDURES.get(code, ())
    if not specs or Procedure.objects.exists():
        return ""
    actor = User.objects.filter(is_agency_admin=True).first()
    for proc_code, name, field, days, hours, steps in specs:
        procedure_create(
            actor=actor,
            code=proc_code,
            name=name,
            field=field,
            version=VersionSpec(
                effective_from=dt.date(2025, 7, 1),
                limit_days=days,
                limit_hours=Decimal(hours) if hours else None,
                cutoff_applies=days is not None,
                steps=[StepSpec(STEP_NAMES[unit], Decimal(h), unit) for unit, h in steps],
            ),
        )
    return f"created {len(specs)} procedures in {code}"


# National codes of the demo procedures, in the national structure but made up for the demo.
DEMO_NATIONAL_CODES = {f"KHCN-0{n}": f"1.01070{n}" for n in range(1, 6)}
DEMO_CATALOGUE = {"sokhcn": "demo-sokhcn-2025.json"}


def _ensure_catalogue(code: str) -> str:
    """The 2025 national catalogue of the demo procedures (our own data, in the layout eISO
    reads) imported once: it shortens one limit and adds a fee, so the import's change view
    and the step-budget warning have something to show."""
    name = DEMO_CATALOGUE.get(code)
    if not name or CatalogueImport.objects.exists():
        return ""
    for local, national in DEMO_NATIONAL_CODES.items():
        Procedure.objects.filter(code=local, national_code="").update(national_code=national)
    path = Path(catalogue_source.__file__).parent / "data" / name
    actor = User.objects.filter(is_agency_admin=True).first()
    row = import_preview(
        actor=actor,
        catalogue=catalogue_source.catalogue_read(name, path.read_bytes()),
        channel=CatalogueChannel.DEMO,
        source_label=name,
    )
    import_apply(actor=actor, catalogue_import=row)
    return f"imported the national procedure catalogue in {code}"


# code -> (applications, over the last days, the simulator's seed, share of applications
# overrunning their step budgets): every pilot agency has traffic, so the evaluation's
# effect figures differ by agency and the Department of Justice lags (docs/evaluation.md).
DEMO_APPLICATIONS = {
    "sokhcn": (400, 150, 2026, 0.15),
    "sotp": (120, 100, 2027, 0.35),
    "ttphvhcc": (200, 100, 2028, 0.15),
}


def _ensure_applications(agency: Agency) -> str:
    """A few months of one-stop-shop traffic, through the real integration API."""
    count, days, seed, slow_share = DEMO_APPLICATIONS.get(agency.code, (0, 0, 0, 0))
    with schema_context(agency.schema_name):
        if not count or Application.objects.exists():
            return ""
    call_command(
        "simulate_one_stop_shop",
        agency=agency.code,
        applications=count,
        days=days,
        seed=seed,
        slow_share=slow_share,
        stdout=_Quiet(),
    )
    return f"simulated {count} applications over {days} days in {agency.code}"


DEMO_EXCHANGE = ("sokhcn",)


def _ensure_exchange(agency: Agency) -> str:
    """A legal text of the provincial People's Committee arrives through the simulated
    platform: an external document with its signature status (signed with a demo key whose
    CA the demo puts on the province trust list)."""
    if agency.code not in DEMO_EXCHANGE:
        return ""
    with schema_context(agency.schema_name):
        if ExchangeMessage.objects.filter(direction="in").exists():
            return ""
        names = {entry[0]: entry[1] for entry in AGENCIES}
        for code, identifier in DEMO_IDENTIFIERS.items():
            if code != agency.code and code in names:
                Recipient.objects.get_or_create(
                    identifier=identifier, defaults={"name": names[code]}
                )
    call_command(
        "simulate_province_platform",
        agency=agency.code,
        send_legal_text=True,
        trust_demo_root=True,
        stdout=_Quiet(),
    )
    return f"a legal text arrived at {agency.code} through the simulated exchange platform"


# What sokhcn sends through the simulated platform: the decision that issued the document
# of its improvement loop (eiso/console/demo_loop.py), to Sở Tư pháp.
DEMO_SENDING = ("sokhcn", "QT.ISO.20", "sotp")


def _ensure_platform() -> str:
    """The province's connection points at the simulated platform `make run` started, when
    nothing else is configured (or it is the simulator of an earlier run, on another port)."""
    platform = platform_read(demo_platform_directory())
    if platform is None or not _allowed(platform.url):
        return ""
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        row = PlatformConnection.load()
        if row.url and not is_simulated(row.url, row.client_id):
            return ""
        current = connection_in_force()
        wanted = (platform.url, platform.token_url, platform.client_id, platform.secret)
        if (
            current
            and (current.url, current.token_url, current.client_id, current.client_secret) == wanted
        ):
            return ""
        connection_update(
            actor=User.objects.get(email=PROVINCE_USERS[0].email),
            url=platform.url,
            token_url=platform.token_url,
            client_id=platform.client_id,
            client_secret=platform.secret,
            enabled=row.enabled or not row.url,
        )
    return f"the province's exchange connection points at the simulated platform {platform.url}"


def _allowed(url: str) -> bool:
    """`make run` allows its simulator's port; a process it did not start (a test, a seed
    run by hand after `make run` stopped) finds it refused and leaves the connection alone."""
    try:
        outbound.url_check(url)
    except outbound.OutboundRefused:
        return False
    return True


def _ensure_decision_sent() -> str:
    """Once: an issued ISO decision of sokhcn leaves as a package, through the simulated
    platform only (never to a platform the province configured itself)."""
    code, document_code, to = DEMO_SENDING
    target = connection_in_force()
    if target is None or not is_simulated(target.url, target.client_id):
        return ""
    agency = Agency.objects.get(code=code)
    with schema_context(agency.schema_name):
        sent = ExchangeMessage.objects.filter(direction=Direction.OUT, kind=Kind.PACKAGE)
        document = Document.objects.filter(code=document_code).first()
        if sent.exists() or document is None:
            return ""
        names = {entry[0]: entry[1] for entry in AGENCIES}
        Recipient.objects.get_or_create(
            identifier=DEMO_IDENTIFIERS[to], defaults={"name": names[to]}
        )
        log = exchange_outbound.package_send(
            actor=User.objects.get(email=f"thuky@{code}.test"),
            document=document,
            what=exchange_outbound.ISSUE,
            recipients=[DEMO_IDENTIFIERS[to]],
        )
    return f"{code} sent {log.symbol} to {to} through the simulated exchange platform"


class _Quiet:
    def write(self, _text):
        return None

    def flush(self):
        return None


DEMO_UNITS = {
    "sokhcn": (
        ("VP", "Văn phòng Sở", ("thuky@sokhcn.test",)),
        ("QLCN", "Phòng Quản lý công nghệ và Đổi mới sáng tạo", ("chuyenvien@sokhcn.test",)),
        ("TDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng", ()),
    ),
}


def _ensure_units(code: str) -> str:

    created = 0
    for unit_code, name, members in DEMO_UNITS.get(code, ()):
        unit, was_created = Unit.objects.get_or_create(code=unit_code, defaults={"name": name})
        if was_created:
            unit.members.set(User.objects.filter(email__in=members))
            created += 1
    return f"created {created} units in {code}" if created else ""


def _ensure_pack(agency: Agency) -> str:
    """Agencies seeded before the template pack existed get it now (idempotent)."""

    installed = pack_install(agency_name=agency.name, kind=agency.kind)
    return (
        f"installed the template pack in {agency.code} ({installed} documents)"
        if (installed)
        else ""
    )


def _ensure_public() -> str:
    public, created = province_ensure(name=PROVINCE_NAME)
    return f"created the province ({public.host})" if created else ""


def _ensure_billing() -> list[str]:
    """The default plans and a subscription for every agency already there (billing_seed);
    agencies provisioned afterwards get theirs from provisioning."""

    return [f"billing: {line}" for line in billing_seed()]


def _sync_domain(agency: Agency) -> None:
    """Follow BASE_DOMAIN if it changed since the last seed."""
    domain = agency.domains.filter(is_primary=True).first()
    if domain is None:
        Domain.objects.create(domain=agency.host, tenant=agency, is_primary=True)
    elif domain.domain != agency.host:
        domain.domain = agency.host
        domain.save(update_fields=["domain"])


# National identifiers for document exchange, in the real structure but made up for the demo
# (the province's real list comes from the national agency code register).
DEMO_IDENTIFIERS = {
    "sokhcn": "000.00.12.H13",
    "sotp": "000.00.09.H13",
    "ttphvhcc": "000.00.30.H13",
    "myhoahung": "000.11.05.H13",
}


def _ensure_agency(code, name, kind, parent, admin: DemoUser) -> str:
    if Agency.objects.filter(code=code).exists():
        Agency.objects.filter(code=code, identifier="").update(
            identifier=DEMO_IDENTIFIERS.get(code, "")
        )
        return ""
    result = agency_provision(
        spec=AgencySpec(
            code=code,
            name=name,
            kind=kind,
            admin_email=admin.email,
            admin_name=admin.full_name,
            parent_code=parent,
            identifier=DEMO_IDENTIFIERS.get(code, ""),
        ),
        admin_password=DEMO_PASSWORD,
    )
    return f"created {name} at {result.agency.url} ({result.method}, {result.duration_ms} ms)"


def _ensure_user(person: DemoUser, reset_password: bool) -> str:
    user = User.objects.filter(email=person.email).first()
    if user is None:
        User.objects.create_user(
            person.email,
            DEMO_PASSWORD,
            full_name=person.full_name,
            role=person.role,
            is_agency_admin=person.is_agency_admin,
        )
        return f"created user {person.email}"
    if reset_password:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return ""
