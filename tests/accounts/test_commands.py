from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_createsuperuser_by_email_makes_a_staff_user_who_can_log_in(api_client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "super-secret-admin-51")
    call_command("createsuperuser", "--email", "Boss@Example.com", "--noinput", verbosity=0)

    boss = User.objects.get(email="boss@example.com")
    assert boss.is_staff and boss.is_superuser and boss.is_active
    response = api_client.post(
        "/api/v1/auth/login",
        {"email": "boss@example.com", "password": "super-secret-admin-51"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "boss@example.com"
