"""The single sign-on journey in Chromium: the agency's sign-in page, the button, the real
provider's own login form, and back on the agency's home page."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from eiso.testing.browser import chromium, live_server
from eiso.testing.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
)
from integrations.sso.models import Link
from iso_platform.accounts.models import User

EMAIL = "trinh-duyet@alpha.test"


@pytest.mark.slow
def test_an_official_signs_in_with_the_province_account_in_a_browser(
    committed,
    oidc_provider,
    settings,
):
    settings.SSO_ISSUER = oidc_provider.url
    settings.SSO_CLIENT_ID, settings.SSO_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OUTBOUND_ALLOWED_HOSTS = (f"127.0.0.1:{oidc_provider.port}",)
    oidc_provider.person_add(EMAIL, name="Cán Bộ Trình Duyệt", agency="alpha", amr=["pwd"])
    try:
        with live_server() as port, chromium() as browser:
            origin = f"http://{committed.agency_a.host}:{port}"
            oidc_provider.eiso_origin_add(origin)
            page = browser.new_page()
            page.goto(f"{origin}/accounts/login/")
            page.get_by_role("link", name="Đăng nhập bằng tài khoản tỉnh").click()
            page.wait_for_url(f"{oidc_provider.url}/login/**")
            page.fill("#id_username", EMAIL)
            page.fill("#id_password", PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(f"{origin}/")
            assert "Sở Alpha" in page.content()
            assert "Cán Bộ Trình Duyệt" in page.content()
    finally:
        with schema_context(committed.agency_a.schema_name):
            Link.objects.filter(user__email=EMAIL).delete()
            User.objects.filter(email=EMAIL).delete()
