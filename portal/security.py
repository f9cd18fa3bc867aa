"""Security headers on every response."""

from __future__ import annotations

from flask import current_app, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# A view may set its own (a stricter policy, a narrower referrer); the rest are always these.
OVERRIDABLE = {"Content-Security-Policy", "Referrer-Policy"}


def security_headers(config) -> list[tuple[str, str]]:
    """The headers every response carries: the pages (add_headers) and the hashed static
    files WhiteNoise serves before Flask (portal/assets.py)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if config["ENV_NAME"] == "production":
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def add_headers(response):
    headers = response.headers
    for key, value in security_headers(current_app.config):
        if key in OVERRIDABLE:
            headers.setdefault(key, value)
        else:
            headers[key] = value
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages may hold personal data: keep them out of shared caches and the back-forward cache.
        headers["Cache-Control"] = "no-store"
    if request.endpoint != "static":
        headers.add("Vary", "HX-Request")
        headers.add("Vary", "Cookie")
    return response
