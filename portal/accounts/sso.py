"""Single sign-on: "Logga in med ditt konto hos <part>" through the party's OpenID Connect
provider (OpenID Connect Core 1.0, the authorization code flow).

1. `start()`: the provider's discovery document (`/.well-known/openid-configuration`, cached)
   gives its endpoints. A random state, nonce and PKCE verifier (S256) are kept in the session
   under the state, and the browser goes to the provider's authorization endpoint.
2. `finish()`: the provider sends the browser back with ?code&state (or ?error). The state must
   be one this browser started, within SSO_PENDING_TTL. The code is exchanged at the token
   endpoint with the verifier and the client secret. The ID token must be signed by one of the
   provider's keys (its JWKS, cached, fetched anew once when a token does not verify), name the
   provider as issuer and our client id as audience, be neither expired nor issued in the
   future (SSO_LEEWAY_SECONDS either way), and carry our nonce.
3. `sign_in()`: the account of (issuer, sub), created or linked just in time.

Authlib's OAuth2Session makes the requests (PKCE, client authentication, timeouts); joserfc
(Authlib's JOSE library) verifies the token. Every failure is an `SsoError` with a Swedish
message for the login page and a short reason for the security event; none is a 500.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from email_validator import EmailNotValidError, validate_email
from flask import current_app, session
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select

from portal import audit
from portal.accounts import mfa
from portal.accounts.models import ExternalIdentity, IdentityProvider, Role, User
from portal.accounts.services import find_user_by_email, normalise_email, set_roles
from portal.extensions import db
from portal.links import external_url
from portal.reference.models import Party
from portal.types import utcnow

SECRET_SEAL = b"sk-portal oidc client secret"
PENDING = "_sso_pending"  # the session key: {state: {party, nonce, verifier, next, at}}
MAX_PENDING = 5  # logins started in other tabs and not finished
SCOPE = "openid email profile"
# Asymmetric signatures only: never "none", and no HMAC keyed with the client secret.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
JWKS_REFETCH_SECONDS = 60  # at most one extra key fetch a minute per provider

# --- what the person reads ---------------------------------------------------------------

UNAVAILABLE = _l(
    "Det gick inte att nå inloggningstjänsten hos %(party)s just nu. Försök igen om en stund "
    "eller logga in med lösenord."
)
CANCELLED = _l("Inloggningen hos %(party)s avbröts. Du är inte inloggad.")
# A provider's error answer without (or with another browser's) state: not tied to a party.
CANCELLED_ANYWHERE = _l("Inloggningen avbröts. Du är inte inloggad.")
STALE = _l("Inloggningen tog för lång tid eller avbröts. Försök igen.")
REFUSED_TOKEN = _l(
    "Inloggningen hos %(party)s kunde inte bekräftas, så du är inte inloggad. Försök igen. "
    "Om det inte går, kontakta en administratör."
)
NO_EMAIL = _l(
    "Inloggningstjänsten hos %(party)s lämnade ingen e-postadress. Kontakta en administratör."
)
UNVERIFIED = _l(
    "Det finns redan ett konto med adressen %(email)s, men inloggningstjänsten hos %(party)s "
    "har inte bekräftat adressen. Logga in med lösenord, eller be en administratör om hjälp."
)
OTHER_PARTY = _l(
    "Kontot med adressen %(email)s hör till en annan part. Logga in med lösenord, eller be en "
    "administratör om hjälp."
)
EMAIL_TAKEN = _l(
    "Din e-postadress hos %(party)s har ändrats till %(email)s, men den adressen har redan "
    "ett annat konto i portalen. Kontakta en administratör."
)
DEACTIVATED = _l("Ditt konto i portalen är avstängt. Kontakta en administratör.")


class SsoError(Exception):
    """A login through a provider that did not go through: `reason` for the security event,
    `message` for the login page, `user` when the account is known."""

    def __init__(self, reason: str, message, *, user: User | None = None, party: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.user = user
        self.party = party


# --- the providers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    party_id: int
    party_name: str
    issuer: str
    client_id: str
    client_secret: str
    email_claim: str = "email"
    enabled: bool = True
    from_config: bool = False

    def fail(self, reason: str, message, **values) -> SsoError:
        """`message`, one of the lazy texts above, in the request's language."""
        return SsoError(
            reason, message % {"party": self.party_name, **values}, party=self.party_name
        )


def seal_secret(secret: str) -> str:
    return mfa.seal(secret, SECRET_SEAL)


def _from_row(row: IdentityProvider) -> Provider:
    return Provider(
        party_id=row.party_id,
        party_name=row.party.name,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret=(mfa.unseal(row.client_secret, SECRET_SEAL) or "")
        if row.client_secret
        else "",
        email_claim=row.email_claim or "email",
        enabled=row.enabled,
    )


def configured_from_environment() -> dict[int, Provider]:
    """OIDC_PROVIDERS: a JSON list of {"party": name or short name, "issuer", "client_id",
    "client_secret", "email_claim" (default "email"), "enabled" (default true)}. An entry that
    names no party or lacks a field is left out, with a warning in the log."""
    raw = current_app.config.get("OIDC_PROVIDERS") or ""
    if not raw.strip():
        return {}
    try:
        entries = json.loads(raw)
    except ValueError:
        current_app.logger.warning("OIDC_PROVIDERS is not valid JSON; no provider taken from it")
        return {}
    found: dict[int, Provider] = {}
    for entry in entries if isinstance(entries, list) else []:
        try:
            name = str(entry["party"])
            party = db.session.scalar(
                select(Party).where((Party.name == name) | (Party.short_name == name))
            )
            if party is None:
                raise KeyError(name)
            found[party.id] = Provider(
                party_id=party.id,
                party_name=party.name,
                issuer=str(entry["issuer"]),
                client_id=str(entry["client_id"]),
                client_secret=str(entry["client_secret"]),
                email_claim=str(entry.get("email_claim") or "email"),
                enabled=bool(entry.get("enabled", True)),
                from_config=True,
            )
        except (KeyError, TypeError) as error:
            current_app.logger.warning("OIDC_PROVIDERS: an entry left out (%s)", error)
    return found


def configured() -> dict[int, Provider]:
    """Every registered provider by party id; the configuration wins over the admin page."""
    rows = db.session.scalars(select(IdentityProvider)).all()
    return {**{row.party_id: _from_row(row) for row in rows}, **configured_from_environment()}


def enabled_provider(party_id: int) -> Provider | None:
    provider = configured().get(party_id)
    party = db.session.get(Party, party_id)
    if provider is None or not provider.enabled or party is None or party.has_left:
        return None
    return provider


def login_choices() -> list[Provider]:
    """The providers the login page offers, by party name."""
    parties = {p.id: p for p in db.session.scalars(select(Party))}
    return sorted(
        (
            p
            for p in configured().values()
            if p.enabled and p.party_id in parties and not parties[p.party_id].has_left
        ),
        key=lambda p: p.party_name,
    )


def redirect_uri() -> str:
    """The one address every provider sends the browser back to (registered there)."""
    return external_url("accounts.sso_callback")


# --- registering a provider (the admin's party page) -------------------------------------


def save_provider(
    party: Party,
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_claim: str,
    enabled: bool,
    actor: User,
) -> IdentityProvider:
    """Register or change the party's provider. An empty `client_secret` keeps the stored one;
    the secret itself never reaches the audit trail, only that it changed."""
    row = db.session.scalar(select(IdentityProvider).where(IdentityProvider.party_id == party.id))
    created = row is None
    if row is None:
        row = IdentityProvider(party=party, client_secret="")
        db.session.add(row)
    values = {
        "issuer": issuer.strip(),
        "client_id": client_id.strip(),
        "email_claim": email_claim.strip() or "email",
        "enabled": enabled,
    }
    changes = audit.diff(row, values)
    if client_secret:
        row.client_secret = seal_secret(client_secret)
        changes["client_secret"] = ["…", "…"] if not created else [None, "…"]
    if created or changes:
        db.session.flush()
        audit.record(
            "sso_provider_registered" if created else "sso_provider_changed",
            party,
            actor=actor,
            changes=changes,
        )
    return row


# --- talking to the provider -------------------------------------------------------------

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str, *, fresh: bool = False) -> Any:
    """A provider's document, cached for SSO_CACHE_SECONDS (`fresh` fetches it anew)."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(url)
    if cached and not fresh and cached[0] > now:
        return cached[1]
    response = requests.get(
        url,
        timeout=current_app.config["SSO_HTTP_TIMEOUT"],
        headers={"Accept": "application/json"},
    )
    response.raise_for_status()
    data = response.json()
    with _cache_lock:
        _cache[url] = (now + current_app.config["SSO_CACHE_SECONDS"], data)
    return data


def forget_cached() -> None:
    with _cache_lock:
        _cache.clear()


def discover(provider: Provider) -> dict:
    """The provider's metadata; its `issuer` must be the registered one (Discovery 1.0, 4.3)."""
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        meta = _get_json(url)
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("OIDC discovery failed for %s: %s", provider.issuer, error)
        raise provider.fail("provider_unreachable", UNAVAILABLE) from error
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(meta, dict) or any(not isinstance(meta.get(k), str) for k in needed):
        raise provider.fail("bad_discovery", UNAVAILABLE)
    if meta["issuer"] != provider.issuer:
        current_app.logger.warning(
            "OIDC discovery: issuer %r is not the registered %r", meta["issuer"], provider.issuer
        )
        raise provider.fail("bad_discovery", UNAVAILABLE)
    return meta


def _client(provider: Provider, meta: dict) -> OAuth2Session:
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        token_endpoint_auth_method=method,
        scope=SCOPE,
        redirect_uri=redirect_uri(),
        code_challenge_method="S256",
        default_timeout=current_app.config["SSO_HTTP_TIMEOUT"],
    )


def start(provider: Provider, target: str) -> str:
    """Remember a new login attempt in the session; the provider's address to send the
    browser to."""
    meta = discover(provider)
    verifier = generate_token(64)
    nonce = generate_token(32)
    with _client(provider, meta) as client:
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    now = time.time()
    ttl = current_app.config["SSO_PENDING_TTL"].total_seconds()
    pending = {
        key: value
        for key, value in (session.get(PENDING) or {}).items()
        if isinstance(value, dict) and now - value.get("at", 0) < ttl
    }
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda key: pending[key]["at"]))
    pending[state] = {
        "party": provider.party_id,
        "nonce": nonce,
        "verifier": verifier,
        "next": target,
        "at": now,
    }
    session[PENDING] = pending
    return url


@dataclass(frozen=True)
class Finished:
    provider: Provider
    claims: dict
    target: str


def finish(args) -> Finished:
    """The provider's answer (the callback's query string), checked: the verified ID token's
    claims, or an SsoError."""
    state = args.get("state", "")
    pending = dict(session.get(PENDING) or {})
    attempt = pending.pop(state, None) if state else None
    session[PENDING] = pending
    ttl = current_app.config["SSO_PENDING_TTL"].total_seconds()
    error = args.get("error")
    if not isinstance(attempt, dict) or time.time() - attempt.get("at", 0) > ttl:
        if error:  # some providers leave the state out of an error answer
            reason = "access_denied" if error == "access_denied" else "provider_error"
            raise SsoError(reason, CANCELLED_ANYWHERE)
        raise SsoError("bad_state", STALE)
    provider = enabled_provider(attempt["party"])
    if provider is None:
        raise SsoError("provider_off", STALE)
    if error:
        reason = "access_denied" if error == "access_denied" else "provider_error"
        raise provider.fail(reason, CANCELLED if reason == "access_denied" else UNAVAILABLE)
    code = args.get("code")
    if not code:
        raise provider.fail("no_code", REFUSED_TOKEN)
    meta = discover(provider)
    try:
        with _client(provider, meta) as client:
            token = client.fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=attempt["verifier"],
            )
    except OAuthError as refused:
        current_app.logger.warning("OIDC token request refused: %s", refused)
        raise provider.fail("token_refused", REFUSED_TOKEN) from refused
    except (requests.RequestException, ValueError) as failed:
        current_app.logger.warning("OIDC token request failed: %s", failed)
        raise provider.fail("provider_unreachable", UNAVAILABLE) from failed
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise provider.fail("no_id_token", REFUSED_TOKEN)
    claims = verify_id_token(provider, meta, id_token, nonce=attempt["nonce"])
    if provider.email_claim not in claims:
        claims = _with_userinfo(provider, meta, token, claims)
    return Finished(provider, claims, attempt.get("next") or "")


def _with_userinfo(provider: Provider, meta: dict, token: dict, claims: dict) -> dict:
    """Some providers put the e-mail address only in their userinfo answer: ask for it
    there. Its claims count only for the same `sub` (Core 1.0, 5.3.2), and never override
    what the signed ID token says."""
    endpoint = meta.get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not token.get("access_token"):
        return claims
    try:
        with _client(provider, meta) as client:
            client.token = token
            answer = client.get(endpoint)
            answer.raise_for_status()
            info = answer.json()
    except (OAuthError, requests.RequestException, ValueError) as error:
        current_app.logger.warning("OIDC userinfo request failed: %s", error)
        return claims
    if not isinstance(info, dict) or info.get("sub") != claims["sub"]:
        return claims
    return {**info, **claims}


def _keys(meta: dict, *, fresh: bool = False) -> KeySet:
    return KeySet.import_key_set(_get_json(meta["jwks_uri"], fresh=fresh))


_last_refetch: dict[str, float] = {}


def _decode(provider: Provider, meta: dict, id_token: str):
    offered = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in offered if alg in ALGORITHMS] or ["RS256"]
    try:
        return jwt.decode(id_token, _keys(meta), algorithms=algorithms)
    except (JoseError, ValueError, KeyError, TypeError) as first:
        # A key the provider has rolled in since we fetched its keys: fetch them once more.
        url = meta["jwks_uri"]
        if time.monotonic() - _last_refetch.get(url, -JWKS_REFETCH_SECONDS) < JWKS_REFETCH_SECONDS:
            raise provider.fail("bad_signature", REFUSED_TOKEN) from first
        _last_refetch[url] = time.monotonic()
    try:
        return jwt.decode(id_token, _keys(meta, fresh=True), algorithms=algorithms)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise provider.fail("bad_signature", REFUSED_TOKEN) from error
    except requests.RequestException as error:
        raise provider.fail("provider_unreachable", UNAVAILABLE) from error


def verify_id_token(provider: Provider, meta: dict, id_token: str, *, nonce: str) -> dict:
    """The ID token's claims once its signature, issuer, audience, times and nonce hold."""
    try:
        token = _decode(provider, meta, id_token)
    except requests.RequestException as error:
        raise provider.fail("provider_unreachable", UNAVAILABLE) from error
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=current_app.config["SSO_LEEWAY_SECONDS"],
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as error:
        raise provider.fail("expired_token", REFUSED_TOKEN) from error
    except JoseError as error:
        claim = getattr(error, "claim", "") or "claims"
        raise provider.fail(f"bad_{claim}"[:40], REFUSED_TOKEN) from error
    # Several audiences: the token must have been issued to us (Core 1.0, 3.1.3.7).
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise provider.fail("bad_azp", REFUSED_TOKEN)
    if (
        not isinstance(claims["iat"], int | float)
        or claims["iat"] > time.time() + (current_app.config["SSO_LEEWAY_SECONDS"])
    ):
        raise provider.fail("bad_iat", REFUSED_TOKEN)
    return claims


def second_factor_asserted(claims: dict) -> bool:
    """The provider says the person used a second factor (RFC 8176 `amr` values listed in
    SSO_SECOND_FACTOR_AMR)."""
    amr = claims.get("amr")
    if not isinstance(amr, list):
        return False
    accepted = set(current_app.config["SSO_SECOND_FACTOR_AMR"])
    return any(isinstance(value, str) and value in accepted for value in amr)


# --- the account -------------------------------------------------------------------------


def _email_from(provider: Provider, claims: dict) -> str | None:
    value = claims.get(provider.email_claim)
    if not isinstance(value, str) or len(value) > 254:
        return None
    try:
        return normalise_email(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def _name_from(claims: dict, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return (name or email.partition("@")[0]).strip()[:120]


def sign_in(provider: Provider, claims: dict) -> User:
    """The account for the verified claims, found by (issuer, sub), linked by a verified
    e-mail address, or created (an employee of the provider's party). Refusals are
    SsoErrors; nothing is committed here."""
    issuer, subject = claims["iss"], claims["sub"]
    if len(subject) > 255 or len(issuer) > 255:
        raise provider.fail("bad_sub", REFUSED_TOKEN)
    email = _email_from(provider, claims)
    identity = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject
        )
    )
    if identity is not None:
        user = identity.user
        _check_active(provider, user)
        if email and email != user.email:
            _change_email(provider, user, email)
    else:
        if email is None:
            raise provider.fail("no_email", NO_EMAIL)
        user = find_user_by_email(email)
        if user is None:
            user = _create(provider, claims, email)
        else:
            _check_linkable(provider, user, email, claims)
        identity = ExternalIdentity(issuer=issuer, subject=subject, user=user)
        db.session.add(identity)
        db.session.flush()
        audit.record(
            "sso_linked",
            user,
            actor=user,
            changes={"party": provider.party_name, "issuer": issuer},
        )
    identity.last_login_at = utcnow()
    return user


def _check_active(provider: Provider, user: User) -> None:
    if not user.active:
        error = provider.fail("deactivated", DEACTIVATED)
        error.user = user
        raise error


def _check_linkable(provider: Provider, user: User, email: str, claims: dict) -> None:
    """An existing account is tied to the provider only when the provider vouches for the
    address (email_verified) and the account is not another party's: otherwise one party's
    provider could take over any account by asserting its address."""
    _check_active(provider, user)
    refusal = None
    if claims.get("email_verified") is not True:
        refusal = provider.fail("unverified_email", UNVERIFIED, email=email)
    elif user.party_id not in (None, provider.party_id):
        refusal = provider.fail("other_party", OTHER_PARTY, email=email)
    if refusal is not None:
        refusal.user = user
        raise refusal


def _create(provider: Provider, claims: dict, email: str) -> User:
    user = User(
        email=email,
        name=_name_from(claims, email),
        party_id=provider.party_id,
        password_hash=None,
    )
    db.session.add(user)
    db.session.flush()
    set_roles(user, {Role.EMPLOYEE}, actor=None)
    audit.record(
        "user_created_by_sso",
        user,
        actor=None,
        changes={"email": [None, email], "party": [None, provider.party_name]},
    )
    return user


def _change_email(provider: Provider, user: User, email: str) -> None:
    """The provider now gives another address for the same person: the account follows,
    unless another account holds that address."""
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        error = provider.fail("email_taken", EMAIL_TAKEN, email=email)
        error.user = user
        raise error
    audit.record(
        "email_changed_by_sso",
        user,
        actor=None,
        changes={"email": [user.email, email], "party": provider.party_name},
    )
    user.email = email
