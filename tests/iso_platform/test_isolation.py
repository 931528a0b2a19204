"""Agency isolation, beyond the route walk.

The walk of every route and every API operation (anonymous visitors, other agencies,
provincial users, the read-only role, another agency's ids) is the isolation matrix:
tests/iso_platform/test_isolation_matrix.py. Routes open to anonymous visitors are listed
there (OPEN_ROUTES), with the reason.
"""

from __future__ import annotations

import uuid


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
