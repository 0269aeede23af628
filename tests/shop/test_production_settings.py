"""Production defaults: a weak key refuses to start, `check --deploy` is clean with the
production variables, the JWT key is its own, the proxy's HTTPS header is opt-in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

STRONG_KEY = "k3Y-for-tests-only-9f8e7d6c5b4a3928171605f4e3d2c1b0a9f8e7d6c5b4"
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "shop.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    env.update(variables, DJANGO_SETTINGS_MODULE="shop.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=120
    )


def setting(name: str, **variables: str) -> str:
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    result = manage("shell", "-v", "0", "-c", code, **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    "key",
    [None, "short-but-not-default", "dev-only-insecure-secret-key-change-me-in-production"],
    ids=["unset", "short", "development-default"],
)
def test_debug_off_with_a_weak_secret_key_refuses_to_start_naming_it(key):
    variables = {"DEBUG": "0"} | ({"SECRET_KEY": key} if key else {})
    result = manage("check", **variables)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("SECRET_KEY "), result.stderr
    assert "50 characters" in lines[0]


def test_debug_off_with_a_weak_jwt_signing_key_refuses_to_start_naming_it():
    result = manage("check", DEBUG="0", SECRET_KEY=STRONG_KEY, JWT_SIGNING_KEY="secret")
    assert result.returncode != 0
    assert result.stderr.strip().startswith("JWT_SIGNING_KEY "), result.stderr


def test_debug_on_keeps_the_development_key_working():
    assert manage("check").returncode == 0


def test_check_deploy_is_clean_with_the_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_send_hsts_and_secure_cookies():
    variables = {"DEBUG": "0", "SECRET_KEY": STRONG_KEY}
    assert setting("SECURE_HSTS_SECONDS", **variables) == "31536000"
    assert setting("SESSION_COOKIE_SECURE", **variables) == "True"
    assert setting("CSRF_COOKIE_SECURE", **variables) == "True"
    # Plain HTTP still works (API.md, Running): the redirect is the operator's choice.
    assert setting("SECURE_SSL_REDIRECT", **variables) == "False"


def test_the_jwt_signing_key_is_its_own_setting_defaulting_to_secret_key():
    assert setting('SIMPLE_JWT["SIGNING_KEY"]', SECRET_KEY=STRONG_KEY) == repr(STRONG_KEY)
    own = "another-" + STRONG_KEY
    assert setting('SIMPLE_JWT["SIGNING_KEY"]', SECRET_KEY=STRONG_KEY, JWT_SIGNING_KEY=own) == (
        repr(own)
    )


def test_the_proxys_https_header_is_trusted_only_when_told():
    assert setting("SECURE_PROXY_SSL_HEADER") == "None"
    assert setting("SECURE_PROXY_SSL_HEADER", TRUST_PROXY_SSL_HEADER="1") == repr(
        ("HTTP_X_FORWARDED_PROTO", "https")
    )


def test_an_untrusted_forwarded_proto_does_not_make_a_request_secure(db, client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = None
    response = client.get("/health/live", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in response  # sent on HTTPS answers only
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/health/live", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith("max-age=3600")


def test_carts_default_to_another_database_of_the_cache_server():
    # CART_REDIS_URL unset (a shell running the suite may export one): the default applies.
    unset = {"CART_REDIS_URL": ""}
    assert setting("CART_REDIS_URL", REDIS_URL="redis://cache.internal:6380/0", **unset) == repr(
        "redis://cache.internal:6380/1"
    )
    assert setting("CART_REDIS_URL", REDIS_URL="redis://127.0.0.1:6379/15", **unset) == repr(
        "redis://127.0.0.1:6379/14"
    )
    own = "redis://carts.internal:6379/0"
    assert setting("CART_REDIS_URL", CART_REDIS_URL=own) == repr(own)
