"""A local stand-in for the Stripe HTTP API, for the real `stripe` SDK to talk to.

Stripe is the one outside service the suite does not run, so this double speaks the part of
its API the shop uses, over real HTTP (a ThreadingHTTPServer on a free port), the way Stripe
does: form-encoded bodies with bracketed keys (`metadata[order_id]=…`), Bearer secret keys,
Stripe-shaped objects and error bodies (`{"error": {"type", "code", "message", "param"}}`)
with Stripe's status codes (400 invalid request, 402 card error, 404 missing, 401 bad key).

    POST /v1/payment_intents                 create (amount, currency, metadata)
    GET  /v1/payment_intents/{id}            retrieve
    POST /v1/payment_intents/{id}/cancel     cancel (400 once succeeded)
    POST /v1/payment_intents/{id}/confirm    pay: payment_method=pm_card_visa succeeds;
                                             pm_card_chargeDeclined, or the test card
                                             4000000000000002 in payment_method_data[card][number],
                                             is declined (402 card_declined)
    POST /v1/refunds                         refund (payment_intent, amount?, metadata);
                                             never more than what remains of the charge

`Idempotency-Key` is honoured as Stripe does: the same key with the same parameters answers
the first response again (header `Idempotent-Replayed: true`); the same key with other
parameters answers 400 `idempotency_error`. Every state change also records the event Stripe
would send (`events`); `webhook_post` / `webhook_send` deliver one to the shop signed the way
Stripe signs (`Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">`).
`fail_next(count, status)` answers the next requests with a 5xx, as an outage would.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

API_KEY_PREFIX = "sk_test_"
DECLINED_CARD = "4000000000000002"
DECLINED_METHODS = {"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"}


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str = "", param: str = ""):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


def _missing(kind: str, object_id: str) -> StripeError:
    return StripeError(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing", "id"
    )


def form_decode(body: str) -> dict[str, Any]:
    """`a[b][c]=1&d=2` → {"a": {"b": {"c": "1"}}, "d": "2"} (Stripe's encoding)."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


class StripeDouble:
    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.events: list[dict] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) as received
        self._idempotency: dict[str, tuple[str, int, dict]] = {}
        self._failures: list[int] = []
        self._server: ThreadingHTTPServer | None = None

    # --- running ---------------------------------------------------------------------------

    def start(self) -> StripeDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                double._serve(self, "GET")

            def do_POST(self):
                double._serve(self, "POST")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next `count` requests with `status` (an outage at Stripe)."""
        with self._lock:
            self._failures.extend([status] * count)

    def events_of(self, event_type: str) -> list[dict]:
        return [event for event in self.events if event["type"] == event_type]

    # --- HTTP --------------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        path = request.path.split("?")[0]
        self.requests.append((method, path))
        headers = {}
        try:
            with self._lock:
                if self._failures:
                    status = self._failures.pop(0)
                    raise StripeError(status, "api_error", "An unexpected error occurred.")
                auth = request.headers.get("Authorization", "")
                if not auth.startswith(f"Bearer {API_KEY_PREFIX}"):
                    raise StripeError(401, "invalid_request_error", "Invalid API Key provided.")
                params = form_decode(raw)
                key = request.headers.get("Idempotency-Key")
                if method == "POST" and key:
                    status, body, replayed = self._idempotent(key, path, params)
                    if replayed:
                        headers["Idempotent-Replayed"] = "true"
                else:
                    status, body = self._route(method, path, params)
        except StripeError as exc:
            status, body = exc.status, exc.body
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(payload)

    def _idempotent(self, key: str, path: str, params: dict) -> tuple[int, dict, bool]:
        fingerprint = json.dumps([path, params], sort_keys=True)
        if key in self._idempotency:
            first, status, body = self._idempotency[key]
            if first != fingerprint:
                raise StripeError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with. Try using a key other than "
                    f"'{key}' if you meant to execute a different request.",
                )
            return status, body, True
        try:
            status, body = self._route("POST", path, params)
        except StripeError as exc:
            status, body = exc.status, exc.body
        if status < 500:  # Stripe keeps the outcome of a request that ran, errors included
            self._idempotency[key] = (fingerprint, status, body)
        return status, body, False

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "payment_intents"]:
            if len(parts) == 2 and method == "POST":
                return 200, self._intent_create(params)
            if len(parts) == 3 and method == "GET":
                return 200, self._intent(parts[2])
            if len(parts) == 4 and method == "POST" and parts[3] == "cancel":
                return 200, self._intent_cancel(parts[2])
            if len(parts) == 4 and method == "POST" and parts[3] == "confirm":
                return self._intent_confirm(parts[2], params)
        if parts == ["v1", "refunds"] and method == "POST":
            return 200, self._refund_create(params)
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({path}).")

    # --- objects -----------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}{secrets.token_hex(6)}"

    def _event(self, event_type: str, obj: dict) -> None:
        self.events.append(
            {
                "id": self._id("evt"),
                "object": "event",
                "type": event_type,
                "api_version": "2026-10-28.endive",
                "created": int(time.time()),
                "livemode": False,
                "pending_webhooks": 1,
                "data": {"object": json.loads(json.dumps(obj))},
            }
        )

    def _intent(self, intent_id: str) -> dict:
        if intent_id not in self.intents:
            raise _missing("payment_intent", intent_id)
        return self.intents[intent_id]

    def _intent_create(self, params: dict) -> dict:
        try:
            amount = int(params.get("amount", ""))
        except ValueError:
            raise StripeError(
                400, "invalid_request_error", "Missing required param: amount.", "", "amount"
            ) from None
        if amount < 1:
            raise StripeError(
                400,
                "invalid_request_error",
                "Amount must be at least 1.",
                "amount_too_small",
                "amount",
            )
        if not params.get("currency"):
            raise StripeError(
                400, "invalid_request_error", "Missing required param: currency.", "", "currency"
            )
        intent_id = self._id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": params["currency"].lower(),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "metadata": params.get("metadata") or {},
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "created": int(time.time()),
        }
        self.intents[intent_id] = intent
        self._event("payment_intent.created", intent)
        return intent

    def _intent_cancel(self, intent_id: str) -> dict:
        intent = self._intent(intent_id)
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeError(
                400,
                "invalid_request_error",
                "You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                "may be canceled: requires_payment_method, requires_capture, "
                "requires_confirmation, requires_action, processing.",
                "payment_intent_unexpected_state",
            )
        intent["status"] = "canceled"
        intent["cancellation_reason"] = "requested_by_customer"
        self._event("payment_intent.canceled", intent)
        return intent

    def _intent_confirm(self, intent_id: str, params: dict) -> tuple[int, dict]:
        intent = self._intent(intent_id)
        if intent["status"] != "requires_payment_method":
            raise StripeError(
                400,
                "invalid_request_error",
                "This PaymentIntent's payment_method could not be updated because it has a "
                f"status of {intent['status']}.",
                "payment_intent_unexpected_state",
            )
        method = params.get("payment_method", "")
        number = params.get("payment_method_data", {}).get("card", {}).get("number", "")
        charge = {
            "id": self._id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": 0,
            "currency": intent["currency"],
            "payment_intent": intent_id,
            "refunded": False,
            "refunds": {"object": "list", "data": [], "has_more": False},
            "metadata": intent["metadata"],
        }
        if method in DECLINED_METHODS or number == DECLINED_CARD:
            charge["status"] = "failed"
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "charge": charge["id"],
            }
            intent["last_payment_error"] = error
            intent["latest_charge"] = charge["id"]
            self.charges[charge["id"]] = charge
            self._event("payment_intent.payment_failed", intent)
            return 402, {"error": {**error, "payment_intent": intent}}
        if not method and not number:
            raise StripeError(
                400,
                "invalid_request_error",
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                "payment_intent_unexpected_state",
            )
        charge["status"] = "succeeded"
        self.charges[charge["id"]] = charge
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            last_payment_error=None,
            latest_charge=charge["id"],
        )
        self._event("charge.succeeded", charge)
        self._event("payment_intent.succeeded", intent)
        return 200, intent

    def _refund_create(self, params: dict) -> dict:
        intent_id = params.get("payment_intent", "")
        intent = self._intent(intent_id)
        if intent["status"] != "succeeded":
            raise StripeError(
                400,
                "invalid_request_error",
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                "charge_not_refundable",
            )
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params["amount"]) if params.get("amount") else left
        if amount < 1:
            raise StripeError(
                400, "invalid_request_error", "Amount must be at least 1.", "", "amount"
            )
        if amount > left:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                "amount_too_large",
                "amount",
            )
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": intent_id,
            "currency": charge["currency"],
            "metadata": params.get("metadata") or {},
            "reason": params.get("reason"),
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        self._event("charge.refunded", charge)
        return refund

    # --- test helpers (what the customer's browser does) -------------------------------------

    def intent_succeed(self, intent_id: str) -> dict:
        with self._lock:
            return self._intent_confirm(intent_id, {"payment_method": "pm_card_visa"})[1]

    def intent_decline(self, intent_id: str) -> dict:
        """The customer's card is declined: `payment_intent.payment_failed`, intent payable."""
        with self._lock:
            return self._intent_confirm(intent_id, {"payment_method": "pm_card_chargeDeclined"})[1]


# --- webhooks, signed as Stripe signs them ---------------------------------------------------


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


WEBHOOK_PATH = "/api/v1/payments/webhook"


def webhook_post(client, event: dict, secret: str, *, signature: str | None = None):
    """Deliver `event` through a Django/DRF test client as Stripe would."""
    payload = json.dumps(event).encode()
    header = signature if signature is not None else signature_header(payload, secret)
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    return client.post(WEBHOOK_PATH, data=payload, content_type="application/json", **extra)


def webhook_send(base_url: str, event: dict, secret: str) -> tuple[int, dict]:
    """Deliver `event` over HTTP to a running shop (base_url e.g. a live server)."""
    payload = json.dumps(event).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + WEBHOOK_PATH,
        data=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": signature_header(payload, secret),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


# --- the fixture (imported by the conftest of each test package that needs Stripe) ----------

WEBHOOK_SECRET = "whsec_test_double"


@pytest.fixture
def stripe_double(settings):
    """A running double with the shop configured for Stripe against it
    (PAYMENT_PROVIDER=stripe, STRIPE_API_BASE, a test key, STRIPE_WEBHOOK_SECRET)."""
    double = StripeDouble().start()
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_double"
    settings.STRIPE_API_BASE = double.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield double
    double.stop()
