"""A real OpenID Connect provider on loopback for the single sign-on tests
(tests/functional/test_sso.py, tests/e2e/test_sso_journey.py).

oidc-provider-mock (built on Authlib's server side) serves discovery, JWKS, an authorization
form (authorize or deny) and a token endpoint from a thread on 127.0.0.1. Per-user claims are
set through its HTTP API (PUT /users/<sub>). For the tokens a provider must never send, a
test-only hook on its token endpoint re-signs the ID token it issued after changing it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import flask
import oidc_provider_mock
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "portal-test"
CLIENT_SECRET = "a-client-secret-for-tests"  # noqa: S105


class LoopbackProvider:
    """oidc-provider-mock serving on 127.0.0.1, with `tamper` applied to the ID tokens its
    token endpoint issues: claims to replace (None removes one) and "_key": "other" to sign
    with a key the provider never published."""

    def __init__(self) -> None:
        self.app = oidc_provider_mock.app(require_nonce=True)
        self.tamper: dict = {}
        self.other_key = RSAKey.generate_key(2048, private=True)
        self.app.after_request(self._tamper_token)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _tamper_token(self, response):
        if flask.request.path != "/oauth2/token" or response.status_code != 200:
            return response
        if not self.tamper:
            return response
        body = response.get_json()
        header_b64, payload_b64, _sig = body["id_token"].split(".")
        header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
        claims = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
        changes = dict(self.tamper)
        use_other = changes.pop("_key", None) == "other"
        for name, value in changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        own = flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True)
        key = self.other_key if use_other else RSAKey.import_key(own)
        signed = {"alg": "RS256", **({"kid": header["kid"]} if "kid" in header else {})}
        body["id_token"] = jwt.encode(signed, claims, key)
        response.set_data(json.dumps(body))
        return response

    def set_user(self, sub: str, **claims) -> None:
        answer = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        assert answer.status_code == 204, answer.text


@contextmanager
def running_provider() -> Iterator[LoopbackProvider]:
    """The provider serving from a thread until the block ends."""
    running = LoopbackProvider()
    thread = threading.Thread(target=running.server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()
        thread.join(5)


def register(provider: LoopbackProvider, party, *, actor) -> None:
    """Register the provider as `party`'s, switched on, as an admin would (the caller commits)."""
    from portal.accounts import sso

    sso.forget_cached()
    sso._last_refetch.clear()
    provider.tamper = {}
    sso.save_provider(
        party,
        issuer=provider.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        email_claim="email",
        enabled=True,
        actor=actor,
    )
