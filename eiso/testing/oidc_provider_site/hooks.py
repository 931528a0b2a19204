"""How the tests configure the provider: claims per person, and two clients that behave
badly on purpose (an ID token for another audience, one already expired).

People's extra claims (agency, acr, amr) are in `claims.json` of the data directory, read at
each token, so that a test can change them while the provider runs."""

import json
import os
from pathlib import Path

WRONG_AUDIENCE_SUFFIX = "-wrong-aud"
EXPIRED_SUFFIX = "-expired"


def _extra(user) -> dict:
    path = Path(os.environ["OIDC_TEST_DIR"]) / "claims.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(user.username, {})
    except FileNotFoundError:
        return {}


def userinfo(claims, user):
    claims["name"] = user.get_full_name() or user.username
    claims["email"] = user.email
    claims["email_verified"] = True
    return claims


def id_token(id_token, user, token, request, **kwargs):
    id_token.update(_extra(user))
    client_id = token.client.client_id
    if client_id.endswith(WRONG_AUDIENCE_SUFFIX):
        id_token["aud"] = "another-service"
    if client_id.endswith(EXPIRED_SUFFIX):
        id_token["exp"] = id_token["iat"] - 3600
    return id_token
