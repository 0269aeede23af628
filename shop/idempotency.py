"""`Idempotency-Key` for unsafe endpoints (API.md, Conventions), built to wrap a saga.

    class CheckoutView(APIView):
        @idempotent("orders.checkout")
        def post(self, request): ...

Three steps, so the work can commit its own transactions and call outside services (a
payment provider) while this module holds no transaction and no row lock:

1. Claim: one INSERT … ON CONFLICT, committed at once (a single statement in autocommit
   mode), records the key for (user, endpoint) as `in_progress` with a hash of the request
   (method, URL arguments, body).
2. Work: the view method runs, outside any transaction of this module.
3. Answer: a 2xx answer is stored with the record (one UPDATE). Any other answer, or an
   exception, releases the claim (DELETE), so the client may retry after an error; errors
   are never replayed.

Another request with the same key, user and endpoint meanwhile:
- stored answer, same hash → that answer again (status and body), header
  `Idempotent-Replayed: true`; nothing runs;
- another hash → 409 `idempotency_conflict`, details.reason `body_mismatch`;
- still in progress → 409 `idempotency_conflict`, details.reason `in_progress`.
A claim older than IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS (its process died mid-work) is taken
over atomically by the next request with the same hash; the superseded request can no
longer store or release. Records older than IDEMPOTENCY_TTL_SECONDS (24 h) are forgotten.
The endpoint, not the path, is the scope: `…/adjust` and `…/adjust/` replay each other.

For callers that are not view methods, the same steps as a context object:

    with idempotency_claim(owner=..., scope="payments.refund", key=..., request_hash=...) as claim:
        if claim.replay is not None:
            return claim.replay.body
        ...
        claim.store(201, body)
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from shop.errors import IdempotencyConflict, InvalidInput
from shop.models import IdempotencyRecord

logger = logging.getLogger("shop.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
State = IdempotencyRecord.State

KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Makes the request safe to retry: the first successful answer per (user, key) is "
        "replayed for 24 hours; the same key with another body answers 409."
    ),
)


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: Any


def request_hash(*parts: Any) -> str:
    """A stable hash of the request's parts (JSON-serialisable, dict keys sorted)."""
    text = json.dumps(parts, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyClaim:
    """The claim on one key while its work runs; `replay` is set instead when the key
    already has a stored answer for this request."""

    def __init__(self, record_id: int | None, token: uuid.UUID | None, replay=None):
        self._record_id = record_id
        self._token = token
        self.replay: StoredAnswer | None = replay
        self.stored = False

    def store(self, status_code: int, body: Any) -> None:
        """Keep this answer for replays (only while this request still holds the claim)."""
        body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        _outside_transactions()
        kept = IdempotencyRecord.objects.filter(id=self._record_id, claim=self._token).update(
            state=State.COMPLETED,
            status_code=status_code,
            body=body,
            completed_at=timezone.now(),
        )
        if not kept:
            logger.warning("idempotency claim %s was taken over; answer not stored", self._token)
        self.stored = True

    def release(self) -> None:
        _outside_transactions()
        # Plain SQL: QuerySet.delete() wraps its collector in BEGIN … COMMIT even for one
        # row of a model nothing refers to (every refused checkout, e.g. a flash sale's 409s).
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {IdempotencyRecord._meta.db_table} WHERE id = %s AND claim = %s",  # noqa: S608
                [self._record_id, self._token],
            )


def _outside_transactions() -> None:
    """What `transaction.atomic(durable=True)` checks, without its BEGIN and COMMIT: each
    write of this module is ONE statement, committed by itself in autocommit mode (so it is
    committed when the call returns, and no caller's transaction holds the row). Inside a
    transaction it would join it instead: refused. (A test case's own atomic blocks are
    allowed, as Django allows a durable block there.)"""
    blocks = connection.atomic_blocks
    if blocks and not blocks[-1]._from_testcase:
        raise RuntimeError("Idempotency claims cannot be made inside a transaction.")


_CLAIM_SQL = f"""
    INSERT INTO {IdempotencyRecord._meta.db_table} AS r
           (owner, scope, key, request_hash, state, claim, claimed_at, created_at)
    VALUES (%(owner)s, %(scope)s, %(key)s, %(hash)s, %(in_progress)s, %(claim)s, %(now)s, %(now)s)
    ON CONFLICT (owner, scope, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, state = EXCLUDED.state,
           claim = EXCLUDED.claim, claimed_at = EXCLUDED.claimed_at,
           created_at = EXCLUDED.created_at, status_code = NULL, body = NULL,
           completed_at = NULL
     WHERE r.created_at < %(forgotten_before)s
        OR (r.state = %(in_progress)s AND r.claimed_at < %(stale_before)s
            AND r.request_hash = EXCLUDED.request_hash)
    RETURNING r.id
"""  # noqa: S608 (the table name only)


def _claim_or_existing(
    *, owner: str, scope: str, key: str, request_hash: str
) -> tuple[IdempotencyClaim | None, IdempotencyRecord | None]:
    """One atomic statement, committed at once: a new claim, a take-over of a forgotten or
    stale one, or (nothing returned) the record another request holds."""
    now = timezone.now()
    token = uuid.uuid4()
    # Committed by itself: the claim must be committed before the work starts, or a
    # concurrent request would not see it (and a caller's transaction would hold our row
    # until its end). One statement in autocommit mode: no BEGIN / COMMIT round trips.
    _outside_transactions()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_SQL,
            {
                "owner": owner,
                "scope": scope,
                "key": key,
                "hash": request_hash,
                "in_progress": State.IN_PROGRESS,
                "claim": token,
                "now": now,
                "forgotten_before": now - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS),
                "stale_before": now - timedelta(seconds=settings.IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS),
            },
        )
        row = cursor.fetchone()
    if row is not None:
        return IdempotencyClaim(row[0], token), None
    # Read on the connection of the INSERT, so on the primary (never a lagging replica: see
    # shop.db_routing), by a statement that starts after the claim we collided with had
    # committed (the INSERT waited for it).
    found = IdempotencyRecord.objects.using(connection.alias)
    return None, found.filter(owner=owner, scope=scope, key=key).first()


@contextmanager
def idempotency_claim(
    *, owner: str, scope: str, key: str, request_hash: str
) -> Iterator[IdempotencyClaim]:
    """Claim `key` for (owner, scope) around the work of one request (see the module doc).

    Yields a claim whose `replay` is the stored answer when the same request already
    completed (do no work then), else None: do the work and `store()` its answer. Leaving
    the block with an exception, or without storing, releases the claim. Raises
    IdempotencyConflict (409, details.reason `body_mismatch` or `in_progress`).
    Must not be entered inside a transaction (the claim commits on its own).
    """
    for _ in range(3):  # the record we met may be released (deleted) before we read it
        claim, existing = _claim_or_existing(
            owner=owner, scope=scope, key=key, request_hash=request_hash
        )
        if claim is not None or existing is not None:
            break
    else:
        raise IdempotencyConflict(
            "A request with this Idempotency-Key is being processed; retry shortly.",
            details={"reason": "in_progress"},
        )
    if claim is None:
        if existing.request_hash != request_hash:
            raise IdempotencyConflict(
                "This Idempotency-Key was already used with a different request.",
                details={"reason": "body_mismatch"},
            )
        if existing.state == State.IN_PROGRESS:
            raise IdempotencyConflict(
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                details={"reason": "in_progress"},
            )
        yield IdempotencyClaim(None, None, StoredAnswer(existing.status_code, existing.body))
        return
    try:
        yield claim
    except BaseException:
        _release_quietly(claim)  # the work's error is the one to report
        raise
    if not claim.stored:
        claim.release()


def _release_quietly(claim: IdempotencyClaim) -> None:
    try:
        claim.release()
    except Exception:  # the database is down too: the claim goes stale and is taken over
        logger.exception("could not release an idempotency claim")


def _owner(request) -> str:
    return str(request.user.pk) if request.user.is_authenticated else "anonymous"


def idempotent(scope: str) -> Callable:
    """Decorate a DRF view method (`def post(self, request, *args, **kwargs)`) so it honours
    `Idempotency-Key` for endpoint `scope` (e.g. "orders.checkout"). Without the header the
    method just runs. 2xx answers are stored and replayed; other answers and exceptions are
    not (the claim is released). Also documents the header in the OpenAPI schema."""

    def decorate(method: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(method)
        def wrapper(view, request, *args, **kwargs) -> Response:
            key = request.headers.get(HEADER)
            if not key:
                return method(view, request, *args, **kwargs)
            if len(key) > MAX_KEY_LENGTH:
                raise InvalidInput(details={HEADER: [f"At most {MAX_KEY_LENGTH} characters."]})
            fingerprint = request_hash(request.method, kwargs, request.data)
            with idempotency_claim(
                owner=_owner(request), scope=scope, key=key, request_hash=fingerprint
            ) as claim:
                if claim.replay is not None:
                    return Response(
                        claim.replay.body,
                        status=claim.replay.status_code,
                        headers={REPLAYED_HEADER: "true"},
                    )
                response = method(view, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    claim.store(response.status_code, getattr(response, "data", None))
                return response

        return extend_schema(parameters=[KEY_PARAMETER])(wrapper)

    return decorate
