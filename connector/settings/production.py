"""Production: everything secret must come from the environment, or the process does not start."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CREDENTIALS_KEYS, MIDDLEWARE, env

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production settings refuse to start without it: set SECRET_KEY "
        "in the environment or in .env (for example: python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))')."
    )
if not CREDENTIALS_KEYS:
    raise ImproperlyConfigured(
        "CREDENTIALS_KEY is not set. It encrypts the stored Billbee API passwords and API keys; "
        "generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'"
    )

# WhiteNoise serves the collected static files (the admin's CSS and JS) from the app server.
MIDDLEWARE = [
    MIDDLEWARE[0],  # SecurityMiddleware stays first
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],
]

# HTTPS: docker-compose puts Caddy in front (deploy/Caddyfile); an existing reverse proxy works
# the same way when it sends the header below (docs/configuration.md, "Behind a proxy").
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True


def _proxy_ssl_header() -> tuple[str, str] | None:
    """The header (as Django names it) and value by which the proxy says "this came over
    HTTPS". Trust it only when the app is reachable through that proxy alone."""
    parts = env.list("SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"])
    if not parts:
        return None
    if len(parts) != 2 or not parts[0].startswith("HTTP_"):
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={','.join(parts)!r} is not valid: give the header as "
            "Django names it and its value, separated by a comma, e.g. "
            "HTTP_X_FORWARDED_PROTO,https (or leave it empty to trust no header)."
        )
    return parts[0], parts[1]


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
