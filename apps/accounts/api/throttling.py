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
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginByEmailThrottle(ScopedRateThrottle):
    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None  # nothing to key on; the per-address throttle still applies
        # Hashed so raw emails do not end up as cache keys.
        ident = hashlib.sha256(User.objects.normalize_email(email).encode()).hexdigest()
        return self.cache_format % {"scope": f"{self.scope}_email", "ident": ident}
