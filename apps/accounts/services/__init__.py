"""Accounts' public interface: what other apps, the API, the admin and tasks call.

Other apps use `user_get`, `users_get`, `address_get` and `address_default_get` (frozen
dataclasses) and connect to `apps.accounts.signals.user_signed_in`; the rest serves
accounts' own API.
"""

from apps.accounts.services.addresses import (
    ADDRESS_FIELDS,
    AddressInfo,
    address_create,
    address_default_get,
    address_delete,
    address_get,
    address_list,
    address_update,
)
from apps.accounts.services.email_tokens import (
    email_verification_send,
    email_verify,
    password_reset_confirm,
    password_reset_email_send,
    password_reset_request,
)
from apps.accounts.services.sessions import (
    LoginResult,
    TokenPair,
    session_login,
    session_logout,
    session_refresh,
    sessions_revoke_all,
)
from apps.accounts.services.users import (
    UserInfo,
    user_get,
    user_password_change,
    user_profile_update,
    user_register,
    users_get,
)

__all__ = [
    "ADDRESS_FIELDS",
    "AddressInfo",
    "LoginResult",
    "TokenPair",
    "UserInfo",
    "address_create",
    "address_default_get",
    "address_delete",
    "address_get",
    "address_list",
    "address_update",
    "email_verification_send",
    "email_verify",
    "password_reset_confirm",
    "password_reset_email_send",
    "password_reset_request",
    "session_login",
    "session_logout",
    "session_refresh",
    "sessions_revoke_all",
    "user_get",
    "user_password_change",
    "user_profile_update",
    "user_register",
    "users_get",
]
