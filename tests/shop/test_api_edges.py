"""The edges of the API: unknown paths under CSRF enforcement, oversized bodies, values the
database cannot store, Redis that cannot serve, and browsers on other origins."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.http import JsonResponse
from django.test import Client, override_settings
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from shop.redis import redis_client
from tests.redis_server import misconf_redis

METHODS = ["get", "post", "put", "patch", "delete", "options"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


# --- unknown paths: 404 in the error body, whatever the method, CSRF enforced ----------------


@pytest.fixture
def csrf_client():
    # Django's test client skips CSRF checks unless told; a browser or curl does not.
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/no-such-thing",
        "/api/v1/no/such/thing/",
        "/api/v2/products",
        "/api/v1/cart/items/not-a-uuid",  # a known path whose id does not parse
        "/api/v1/products/not-a-uuid/reviews",
        "/api/v1/me/addresses/123",
    ],
)
def test_every_method_on_an_unknown_api_path_is_404_not_found(db, csrf_client, method, url):
    body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
    response = getattr(csrf_client, method)(url, **body)
    error = assert_error(response, 404, "not_found")
    assert error == {"code": "not_found", "message": "Not found.", "details": {}}


def test_head_on_an_unknown_api_path_is_404(db, csrf_client):
    assert csrf_client.head("/api/v1/no-such-thing").status_code == 404


def test_known_api_paths_are_not_refused_for_csrf(db, csrf_client):
    # DRF views are CSRF exempt (bearer tokens, not cookies): bad input is a 400, not a 403.
    response = csrf_client.post("/api/v1/auth/login", data="{}", content_type="application/json")
    assert_error(response, 400, "invalid")


def plain_django_view(request):
    return JsonResponse({"ok": True})


@override_settings(ROOT_URLCONF=__name__)
def test_a_csrf_failure_under_the_api_answers_in_the_error_body(db, csrf_client):
    error = assert_error(csrf_client.post("/api/v1/plain", {}), 403, "permission_denied")
    assert "CSRF" in error["message"]


# --- limits ------------------------------------------------------------------------------


@api_view(["POST"])
def echo(request):
    return Response({"keys": sorted(request.data)})


@api_view(["POST"])
def store_text(request):
    with connection.cursor() as cursor:  # the database decides what it can store
        cursor.execute("SELECT %s::text", [request.data["text"]])
    return Response({"stored": True})


@api_view(["POST"])
def cart_redis_write(request):
    redis_client().set("edge-test", "1")
    return Response({"written": True})


urlpatterns = [
    path("api/v1/plain", plain_django_view),
    path("api/v1/echo", echo),
    path("api/v1/store-text", store_text),
    path("api/v1/redis-write", cart_redis_write),
    path("", include("shop.urls")),
]


@pytest.fixture
def here():
    with override_settings(ROOT_URLCONF=__name__):
        yield


def test_a_json_body_over_the_limit_is_413_in_the_error_body(db, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = json.dumps({"email": "a@example.com", "password": "x" * 2000})
    error = assert_error(
        client.post("/api/v1/auth/login", big, content_type="application/json"),
        413,
        "payload_too_large",
    )
    assert error["details"] == {"max_bytes": 1000}
    small = client.post("/api/v1/auth/login", "{}", content_type="application/json")
    assert_error(small, 400, "invalid")


def test_a_form_body_over_the_limit_is_413_too_and_forms_are_415(db, client, settings, here):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/v1/echo", {f"field{n}": "x" * 50 for n in range(40)})
    assert_error(response, 413, "payload_too_large")
    # JSON in and out: a form body is refused, so browsers must preflight cross-origin writes.
    assert_error(client.post("/api/v1/echo", {"a": "b"}), 415, "unsupported_media_type")
    json_body = client.post("/api/v1/echo", {"a": "b"}, content_type="application/json")
    assert json_body.json() == {"keys": ["a"]}


def test_a_value_the_database_cannot_store_is_400_invalid_not_500(db, client, here):
    response = client.post(
        "/api/v1/store-text", {"text": "nul \u0000 inside"}, content_type="application/json"
    )
    assert_error(response, 400, "invalid")
    ok = client.post("/api/v1/store-text", {"text": "fine"}, content_type="application/json")
    assert ok.json() == {"stored": True}


def test_redis_refusing_writes_anywhere_is_503_not_500(db, client, settings, here, tmp_path):
    with misconf_redis(tmp_path) as url:
        settings.CART_REDIS_URL = url
        assert_error(client.post("/api/v1/redis-write"), 503, "service_unavailable")


# --- browsers on other origins (django-cors-headers) --------------------------------------

ORIGIN = "https://storefront.example"


def preflight(client, url="/api/v1/cart/items", origin=ORIGIN):
    return client.options(
        url,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, if-match, "
        "x-cart-token, idempotency-key",
    )


def test_no_other_origin_is_allowed_by_default(db, client):
    assert "Access-Control-Allow-Origin" not in preflight(client)
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/cart", HTTP_ORIGIN=ORIGIN)


def test_a_listed_origin_may_send_the_shops_headers_and_read_etag_and_cart_token(db, settings):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    client = Client()
    answer = preflight(client)
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {h.strip() for h in answer["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "if-match", "x-cart-token", "idempotency-key"} <= allowed
    assert redis_client().keys("cart:*") == []  # a preflight creates no cart

    cart = client.get("/api/v1/cart", HTTP_ORIGIN=ORIGIN)
    assert cart["Access-Control-Allow-Origin"] == ORIGIN
    exposed = {h.strip().lower() for h in cart["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "x-cart-token"} <= exposed
    assert "Access-Control-Allow-Credentials" not in cart  # bearer tokens, not cookies

    other = preflight(client, origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    # Only the API: the admin is never opened to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/admin/login/", HTTP_ORIGIN=ORIGIN)
