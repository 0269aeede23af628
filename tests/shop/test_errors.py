"""The error body of API.md for errors raised anywhere, and no traceback on a 500."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from shop.errors import Conflict


@api_view(["GET"])
def boom(request):
    raise RuntimeError("secret internal detail")


@api_view(["GET"])
def conflict(request):
    raise Conflict("Already there.", details={"id": "x"})


@api_view(["POST"])
def echo(request):
    return Response(request.data)


urlpatterns = [
    path("api/v1/boom", boom),
    path("api/v1/conflict", conflict),
    path("api/v1/echo", echo),
]


@pytest.fixture
def client_here(client):
    with override_settings(ROOT_URLCONF=__name__):
        yield client


def test_unexpected_exception_is_500_in_the_error_body_without_traceback(db, client_here):
    client_here.raise_request_exception = False
    response = client_here.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "An unexpected error occurred.",
            "details": {},
        }
    }
    assert b"secret internal detail" not in response.content
    assert b"Traceback" not in response.content


def test_domain_error_carries_its_code_status_and_details(db, client_here):
    response = client_here.get("/api/v1/conflict")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "Already there.",
        "details": {"id": "x"},
    }


def test_malformed_json_is_400_invalid(db, client_here):
    response = client_here.post("/api/v1/echo", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_wrong_method_is_405(db, client_here):
    response = client_here.get("/api/v1/echo")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_unknown_api_path_is_404_in_the_error_body(db, client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "Not found.", "details": {}}
