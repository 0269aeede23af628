"""Login throttles: the `login` rate applies per client address and, separately, per email.

Per address slows one client guessing many accounts; per email slows many clients (a
botnet) guessing one account. The price of the second: anyone can hold a victim's login
back for the rest of the window, which a one-minute window keeps tolerable.
"""

from __future__ import annotations

import hashlib

from apps.accounts.models import User
from shop.api.throttling import ScopedRateThrottle


class LoginByAddressThrottle(ScopedRateThrottle):
    def get_cache_key(self, request, view):
        return login_address_key(self.scope, request)


class LoginByEmailThrottle(ScopedRateThrottle):
    """The account is the body's `email`, or the signed-in user's (me/password)."""

    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            user = getattr(request, "user", None)
            email = user.email if user is not None and user.is_authenticated else None
        if not email:
            return None  # nothing to key on; the per-address throttle still applies
        return login_email_key(self.scope, email)


def login_email_key(scope: str, email: str) -> str:
    # Hashed so raw emails do not end up as Redis keys.
    ident = hashlib.sha256(User.objects.normalize_email(email).encode()).hexdigest()
    return ScopedRateThrottle.cache_format % {"scope": f"{scope}_email", "ident": ident}


def login_address_key(scope: str, request) -> str:
    return ScopedRateThrottle.cache_format % {
        "scope": scope,
        "ident": LoginByAddressThrottle().get_ident(request),
    }
