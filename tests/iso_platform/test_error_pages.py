"""Error pages under DEBUG (`make run`): the site's own 404, never Django's technical page
with every URL pattern, unless a developer asks for it with TECHNICAL_404=true."""

from __future__ import annotations

import pytest
from django.test import Client

TECHNICAL = "Django tried these URL patterns"
OWN = "Không tìm thấy trang"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.TECHNICAL_404 = False
    return settings


@pytest.mark.parametrize("host", ["localhost", "alpha.localhost"])
@pytest.mark.parametrize("path", ["/khong-co-trang-nay/", "/documents/abc/", "/a/b/c/d/"])
def test_an_unknown_address_gets_the_sites_404_page_under_debug(world, debug, host, path):
    response = Client(HTTP_HOST=host).get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert OWN in page
    assert TECHNICAL not in page and "urlpatterns" not in page and "ROOT_URLCONF" not in page


def test_a_views_own_not_found_gets_the_sites_page_under_debug(world, debug, client_for):
    client = client_for(world.agency_a, world.owner_a)
    response = client.get("/documents/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert OWN in page and "Raised by" not in page and TECHNICAL not in page


@pytest.mark.parametrize("host", ["localhost", "alpha.localhost"])
def test_an_unknown_api_address_gets_json_under_debug(world, debug, host):
    response = Client(HTTP_HOST=host).get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy địa chỉ API này."}


def test_a_missing_slash_is_still_redirected_under_debug(world, debug):
    response = Client(HTTP_HOST="alpha.localhost").get("/accounts/login")
    assert response.status_code == 301 and response["Location"] == "/accounts/login/"


def test_technical_404_brings_back_djangos_page_for_developers(world, debug):
    debug.TECHNICAL_404 = True
    response = Client(HTTP_HOST="alpha.localhost").get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert TECHNICAL in response.content.decode()


def test_without_debug_the_setting_changes_nothing(world, settings):
    settings.DEBUG, settings.TECHNICAL_404 = False, True
    response = Client(HTTP_HOST="localhost").get("/khong-co-trang-nay/")
    assert response.status_code == 404 and OWN in response.content.decode()
