"""Input and output shapes of the accounts API; rules live in apps.accounts.services."""

from __future__ import annotations

from django_countries import countries
from rest_framework import serializers

from apps.accounts.models import Address
from shop.api.fields import StrictBooleanField, StrictCharField, StrictRegexField

PHONE_PATTERN = r"^\+?[0-9][0-9 ()./-]{3,30}$"
PHONE_MESSAGE = "Enter a phone number: digits, spaces and ()-./, optionally starting with +."


class ProfileSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    email_verified = serializers.BooleanField(read_only=True)


class RegisterSerializer(serializers.Serializer):
    # Only these fields are read: privilege fields (is_staff, …) in the body are ignored.
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    first_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    last_name = StrictCharField(max_length=100, required=False, allow_blank=True)


class LoginSerializer(serializers.Serializer):
    # A plain CharField, not EmailField: a malformed email is just bad credentials.
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class LoginResultSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = ProfileSerializer()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    # No max_length: a token too long to be ours is a bad token (400 invalid_token, API.md),
    # which the service decides, not a malformed request.
    token = serializers.CharField()


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    token = serializers.CharField()
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class ProfileUpdateSerializer(serializers.Serializer):
    # `email` is accepted only unchanged (see user_profile_update).
    email = serializers.EmailField(max_length=254, required=False)
    first_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    last_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    phone = StrictRegexField(
        PHONE_PATTERN,
        max_length=32,
        required=False,
        allow_blank=True,
        error_messages={"invalid": PHONE_MESSAGE},
    )


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class CountryCodeField(StrictCharField):
    """ISO 3166-1 alpha-2 (`US`); lower case is accepted and upper-cased."""

    default_error_messages = {"country": "Enter an ISO 3166-1 alpha-2 country code, e.g. US."}

    def __init__(self, **kwargs):
        super().__init__(min_length=2, max_length=2, **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).upper()
        if code not in countries:
            self.fail("country")
        return code

    def to_representation(self, value):
        return str(getattr(value, "code", value))


class AddressSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    type = serializers.ChoiceField(choices=Address.Type.choices, default=Address.Type.SHIPPING)
    is_default = StrictBooleanField(required=False)
    full_name = StrictCharField(max_length=200)
    address_line1 = StrictCharField(max_length=255)
    address_line2 = StrictCharField(max_length=255, required=False, allow_blank=True)
    city = StrictCharField(max_length=100)
    state = StrictCharField(max_length=100, required=False, allow_blank=True)
    postal_code = StrictCharField(max_length=20, required=False, allow_blank=True)
    country = CountryCodeField()
    phone = StrictRegexField(
        PHONE_PATTERN,
        max_length=32,
        required=False,
        allow_blank=True,
        error_messages={"invalid": PHONE_MESSAGE},
    )
