"""`Idempotency-Key` for unsafe endpoints (API.md, Conventions).

The first successful answer per (user, endpoint, key) is stored for 24 hours in the same
transaction as the work it answers, so a replay returns it unchanged and creates nothing; the
same key with a different body answers 409 `idempotency_conflict`. Two concurrent requests with
one key serialize on the record's unique index: the second waits, then replays the first.
Errors are not stored (their transaction rolls back), so a client may retry after one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from shop.errors import IdempotencyConflict, InvalidInput
from shop.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder)
    # The scope names the endpoint; the path is left out so `…/adjust` and `…/adjust/` (both
    # accepted) replay each other.
    return hashlib.sha256(f"{request.method}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyConflict()
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, scope: str, handle: Callable[[], Response]) -> Response:
    """Answer `handle()` once per key; without the header, just call it."""
    key = request.headers.get(HEADER)
    if not key:
        return handle()
    if len(key) > 255:
        raise InvalidInput(details={HEADER: ["At most 255 characters."]})
    owner = str(request.user.pk) if request.user.is_authenticated else "anonymous"
    fingerprint = _fingerprint(request)
    records = IdempotencyRecord.objects.filter(owner=owner, scope=scope, key=key)
    expired_before = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    records.filter(created_at__lt=expired_before).delete()
    if record := records.first():
        return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                owner=owner, scope=scope, key=key, fingerprint=fingerprint, status_code=0, body={}
            )
            response = handle()
            record.status_code = response.status_code
            record.body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            record.save(update_fields=["status_code", "body"])
            return response
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        return _replay(records.get(), fingerprint)
