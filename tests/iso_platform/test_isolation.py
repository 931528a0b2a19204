"""Every route of both URL confs, walked from the resolvers (a new route cannot escape):

- anonymous visitors get a sign-in redirect, 401 or 403, never data;
- a session made on agency B is worthless on agency A (and on the console);
- the department analyst cannot reach what only the provincial administrator may do.

Routes open to anonymous visitors are listed explicitly, with the reason.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tenants.models import ProvisioningJob

# route name -> why anonymous visitors may open it
OPEN_ROUTES = {
    "accounts:login": "the sign-in page",
    "accounts:set_password": "the invitation link itself is the credential",
    "accounts:set_password_done": "a static confirmation",
    "set_language": "the vi/en switch",
    "api-schema": "the API description, no data (vendors build against it)",
    "api-docs": "the API description, no data",
    "survey:form": "the citizens' satisfaction survey: no sign-in by design, rate-limited",
    "metrics": "bearer token, not a session (Prometheus; 404 unless METRICS_TOKEN is set)",
}
ADMIN_ONLY = {
    "console:agency_create",
    "console:job_detail",
    "console:agency_suspend",
    "console:agency_resume",
    "api:agency-suspend",
    "api:agency-resume",
    "api:provisioning-job-detail",
    "onboarding_console:admin_invitation_resend",
    "onboarding_console:admin_invitation_revoke",
}


def walk(urlconf, prefix="", namespace=""):
    for entry in get_resolver(urlconf).url_patterns if isinstance(urlconf, str) else urlconf:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry


def concrete(route: str, job_id) -> str:
    samples = {
        "<slug:code>": "alpha",
        "<uuid:pk>": str(job_id),
        "<uidb64>": "MQ",
        "<token>": "abc-123",
        "<int:pk>": "1",
        "<int:rev>": "1",
        "<int:cr>": "1",
        "<int:ack>": "1",
        "<int:file>": "1",
        "<str:event_id>": "e1",
        "<str:action>": "revoke",
        "<str:key>": "framework-101",
        "<str:item>": "policy",
    }
    for placeholder, value in samples.items():
        route = route.replace(placeholder, value)
    assert "<" not in route, f"no sample value for {route}: add one to this test"
    return "/" + route.lstrip("^").rstrip("$")


def routes(urlconf):
    return sorted({(name, route) for name, route, _ in walk(urlconf)})


PUBLIC_ROUTES = routes(settings.PUBLIC_SCHEMA_URLCONF)
TENANT_ROUTES = routes(settings.ROOT_URLCONF)


def _admin_views(urlconf) -> set[str]:
    """Console views built on ProvinceAdminRequiredMixin: a new one is checked unasked."""
    from iso_platform.console.permissions import ProvinceAdminRequiredMixin

    return {
        name
        for name, _route, entry in walk(urlconf)
        if issubclass(getattr(entry.callback, "view_class", object), ProvinceAdminRequiredMixin)
    }


ADMIN_ONLY = ADMIN_ONLY | _admin_views(settings.PUBLIC_SCHEMA_URLCONF)


def refused(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.fixture
def job(world):
    return ProvisioningJob.objects.create(
        code="x", name="X", kind="other", admin_email="a@x.test", admin_name="A"
    )


@pytest.mark.parametrize("name,route", TENANT_ROUTES)
def test_agency_routes_refuse_anonymous_and_other_agencies(world, client_for, job, name, route):
    url = concrete(route, job.pk)
    anonymous = Client(HTTP_HOST=world.agency_a.host)
    intruder = client_for(world.agency_b, world.user_b)
    stolen = intruder.cookies[settings.SESSION_COOKIE_NAME].value
    anonymous_with_b_session = Client(HTTP_HOST=world.agency_a.host)
    anonymous_with_b_session.cookies[settings.SESSION_COOKIE_NAME] = stolen
    for method in ("get", "post"):
        for client in (anonymous, anonymous_with_b_session):
            response = getattr(client, method)(url)
            if name in OPEN_ROUTES:
                assert response.status_code < 500
                assert b"user@beta.test" not in response.content
            else:
                assert refused(response), f"{method.upper()} {url} answered {response.status_code}"


@pytest.mark.parametrize("name,route", PUBLIC_ROUTES)
def test_console_routes_refuse_anonymous_and_agency_sessions(world, client_for, job, name, route):
    url = concrete(route, job.pk)
    agency_session = (
        client_for(world.agency_a, world.owner_a).cookies[settings.SESSION_COOKIE_NAME].value
    )
    with_agency_cookie = Client(HTTP_HOST="localhost")
    with_agency_cookie.cookies[settings.SESSION_COOKIE_NAME] = agency_session
    for client in (Client(HTTP_HOST="localhost"), with_agency_cookie):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if name in OPEN_ROUTES:
                assert response.status_code < 500
            else:
                assert refused(response), f"{method.upper()} {url} answered {response.status_code}"


@pytest.mark.parametrize("name,route", [r for r in PUBLIC_ROUTES if r[0] in ADMIN_ONLY])
def test_admin_only_console_routes_refuse_the_analyst(world, client_for, job, name, route):
    url = concrete(route, job.pk)
    analyst = client_for("localhost", world.analyst)
    for method in ("get", "post"):
        response = getattr(analyst, method)(url)
        assert response.status_code in (403, 405), f"{method.upper()} {url}"


def test_every_admin_only_name_exists():
    names = {name for name, _route in PUBLIC_ROUTES}
    assert names >= ADMIN_ONLY
    assert set(OPEN_ROUTES) <= names | {name for name, _route in TENANT_ROUTES}


def test_an_agency_user_sees_only_their_agency_in_the_api(world, client_for):
    me_a = client_for(world.agency_a, world.owner_a).get("/api/v1/me/").json()
    me_b = client_for(world.agency_b, world.user_b).get("/api/v1/me/").json()
    assert (me_a["agency_code"], me_a["email"]) == ("alpha", "owner@alpha.test")
    assert (me_b["agency_code"], me_b["email"]) == ("beta", "user@beta.test")


def test_object_ids_of_another_agency_are_not_found(world, client_for):
    # Console objects are addressed by agency code or job id; an unknown one is a 404.
    admin = client_for("localhost", world.province_admin)
    assert admin.get(f"/agencies/jobs/{uuid.uuid4()}/").status_code == 404
    assert admin.get("/agencies/khongco/").status_code == 404
    assert admin.get("/api/v1/agencies/khongco/").status_code == 404
