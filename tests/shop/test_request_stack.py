"""The request stack (settings.MIDDLEWARE): sessions only where used, request ids on logs."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_api_answers_carry_no_session_machinery(api_client):
    response = api_client.get("/api/v1/categories")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    # The security headers of the stack are still there.
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_still_has_sessions_auth_and_messages(staff_user):
    client = Client()
    page = client.get("/admin/login/")
    assert page.status_code == 200
    client.force_login(staff_user)
    page = client.get("/admin/")
    assert page.status_code == 200  # signed in through the session
    assert page.wsgi_request.user == staff_user


def test_log_lines_of_a_request_carry_its_request_id(api_client, settings, caplog):
    settings.REQUEST_LOG_SAMPLE_RATE = 1.0
    with caplog.at_level(logging.INFO, logger="shop.request"):
        api_client.get("/health/live", HTTP_X_REQUEST_ID="req-abc-123")
    events = [r.msg for r in caplog.records if r.name == "shop.request"]
    assert events and events[-1]["event"] == "request_finished"
    assert events[-1]["request_id"] == "req-abc-123"
    assert events[-1]["status"] == 200


def test_without_sampling_no_request_line_is_logged(api_client, settings, caplog):
    settings.REQUEST_LOG_SAMPLE_RATE = 0.0
    with caplog.at_level(logging.INFO, logger="shop.request"):
        api_client.get("/health/live")
    assert not [r for r in caplog.records if r.name == "shop.request"]
