"""The shop's own request-stack middleware (settings.MIDDLEWARE), each costing microseconds.

`BrowserSessionMiddleware` runs Django's sessions, auth and messages middleware only for the
requests that use them: the admin (and the other pages under /admin/) and any request that
carries a session cookie (a signed-in admin calling /health/ready, say). The API signs in with
bearer tokens (DRF's authenticators set `request.user` themselves), so an API request skips
all three and gets an `AnonymousUser` as `request.user`, as AuthenticationMiddleware would
give it without a session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.exception import convert_exception_to_response

# The paths that need sessions whatever the cookies (the admin's sign-in page sets the cookie).
SESSION_PATH_PREFIXES = ("/admin/",)
# Stand-ins for the three middleware in the system checks of django.contrib.admin, which look
# for them in MIDDLEWARE (admin.E408-E410): here they are inside this one.
SILENCED_ADMIN_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]


class BrowserSessionMiddleware:
    """Sessions, authentication and messages, for the requests that use them (module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response
        chain = get_response
        # Inside out, each wrapped as Django wraps middleware (an exception is a response).
        for middleware in (MessageMiddleware, AuthenticationMiddleware, SessionMiddleware):
            chain = convert_exception_to_response(middleware(chain))
        self.with_session = chain

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES or request.path_info.startswith(
            SESSION_PATH_PREFIXES
        ):
            return self.with_session(request)
        request.user = AnonymousUser()
        return self.get_response(request)
