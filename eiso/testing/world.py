"""The people and agencies every test can count on, built once per test session.

Three people in the style of healthchecks' Alice, Bob and Charlie: an owner of
agency A, a member of agency A, and a user of agency B; plus the provincial
administrator and a department analyst on the console.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django_tenants.utils import schema_context

from iso_platform.accounts.models import Role, User
from tenants.models import Agency, AgencyKind, AgencyStatus, Domain
from tenants.services import pool
from tenants.services.provisioning import AgencySpec, agency_provision

PASSWORD = "mat-khau-thu-nghiem-1"  # noqa: S105 - test data


@dataclass
class World:
    public: Agency
    province_admin: User
    analyst: User
    agency_a: Agency
    owner_a: User
    member_a: User
    agency_b: Agency
    user_b: User
    leader_a: User = None
    reader_a: User = None

    def fresh(self) -> World:
        """Copies reloaded from the database: a test may change its objects freely."""
        agencies = Agency.objects.in_bulk([self.public.pk, self.agency_a.pk, self.agency_b.pk])

        def user(agency, person):
            with schema_context(agency.schema_name):
                return User.objects.get(pk=person.pk)

        a, b, public = (
            agencies[self.agency_a.pk],
            agencies[self.agency_b.pk],
            agencies[self.public.pk],
        )
        return World(
            public,
            user(public, self.province_admin),
            user(public, self.analyst),
            a,
            user(a, self.owner_a),
            user(a, self.member_a),
            b,
            user(b, self.user_b),
            user(a, self.leader_a),
            user(a, self.reader_a),
        )


def build_world() -> World:
    public = Agency.objects.create(
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        code="public",
        name="Tỉnh Thử nghiệm",
        kind=AgencyKind.PROVINCE,
        status=AgencyStatus.ACTIVE,
    )
    Domain.objects.create(domain=settings.BASE_DOMAIN, tenant=public, is_primary=True)
    province_admin = User.objects.create_user(
        "quantri@tinh.test", PASSWORD, full_name="Quản Trị Tỉnh", role=Role.PROVINCE_ADMIN
    )
    analyst = User.objects.create_user(
        "phantich@tinh.test", PASSWORD, full_name="Phân Tích Viên", role=Role.DEPARTMENT_ANALYST
    )
    pool.pool_refill(target=2)
    agency_a, owner_a = _agency("alpha", "Sở Alpha", "owner@alpha.test", "Chủ Alpha")
    agency_b, user_b = _agency("beta", "Sở Beta", "user@beta.test", "Người Beta")
    with schema_context(agency_a.schema_name):
        member_a = User.objects.create_user(
            "member@alpha.test", PASSWORD, full_name="Thành Viên Alpha", role=Role.STAFF
        )
        leader_a = User.objects.create_user(
            "leader@alpha.test", PASSWORD, full_name="Lãnh Đạo Alpha", role=Role.AGENCY_LEADER
        )
        reader_a = User.objects.create_user(
            "reader@alpha.test", PASSWORD, full_name="Chỉ Xem Alpha", role=Role.READ_ONLY
        )
    return World(
        public,
        province_admin,
        analyst,
        agency_a,
        owner_a,
        member_a,
        agency_b,
        user_b,
        leader_a,
        reader_a,
    )


def _agency(code, name, email, admin_name):
    result = agency_provision(
        spec=AgencySpec(
            code=code,
            name=name,
            kind=AgencyKind.PROVINCIAL_DEPARTMENT,
            admin_email=email,
            admin_name=admin_name,
        ),
        admin_password=PASSWORD,
        method="pool",
    )
    return result.agency, result.admin
