"""The official `stripe` client, pointed at STRIPE_API_BASE, and what its failures mean in words."""

from __future__ import annotations

import re

import stripe
from django.conf import settings

# sk_ (secret) or rk_ (restricted), then the mode; Stripe's own keys run to 100 characters.
_KEY = re.compile(r"(?P<kind>sk|rk)_(?P<mode>test|live)_[A-Za-z0-9]{8,247}")
_ANY_KEY = re.compile(r"\b(sk|rk)_(test|live)_[A-Za-z0-9]+")
# What the sync reads: the page that connects a key lists these.
REQUIRED_ACCESS = (
    "Balance",
    "Balance transaction sources",
    "Payouts",
    "Charges",
    "Refunds",
    "Disputes",
    "Transfers",
    "Customers",
)


class SourceError(Exception):
    """A Stripe key or an upstream answer the sync cannot use; the message says why, for the page and the log."""


def key_livemode(secret: str) -> bool:
    """The mode a key's prefix names; a string that is not a Stripe secret or restricted key is refused."""
    match = _KEY.fullmatch(secret)
    if match is None:
        raise SourceError(
            "That is not a Stripe secret or restricted key: it starts with sk_test_, sk_live_, rk_test_ or rk_live_."
        )
    return match["mode"] == "live"


def key_hint(secret: str) -> str:
    prefix = secret[: secret.index("_", 3) + 1]
    return f"{prefix}…{secret[-4:]}"


def client_for(secret: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        secret,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
    )


def check_key(secret: str) -> None:
    """One call that the sync needs to work: the newest balance transaction."""
    try:
        client_for(secret).v1.balance_transactions.list({"limit": 1})
    except stripe.StripeError as exc:
        raise SourceError(describe(exc)) from None


def describe(exc: stripe.StripeError) -> str:
    """An upstream failure in words, without the key (Stripe's messages quote part of it)."""
    detail = _ANY_KEY.sub("sk_…", exc.user_message or str(exc) or type(exc).__name__)
    base = settings.STRIPE_API_BASE
    if isinstance(exc, stripe.AuthenticationError):
        return f"Stripe refused the key (401): it was revoked, rolled or mistyped. {detail}"
    if isinstance(exc, stripe.PermissionError):
        return f"The key lacks read access that the sync needs ({', '.join(REQUIRED_ACCESS)}). {detail}"
    if isinstance(exc, stripe.RateLimitError):
        return f"Stripe kept answering 429 (too many requests) after {settings.STRIPE_MAX_NETWORK_RETRIES} retries."
    if isinstance(exc, stripe.APIConnectionError):
        return f"Could not reach {base} (after {settings.STRIPE_MAX_NETWORK_RETRIES} retries): {detail}"
    status = f" ({exc.http_status})" if exc.http_status else ""
    return f"{base} answered with an error{status}: {detail}"
