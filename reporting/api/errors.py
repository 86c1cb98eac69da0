"""Stripe's error envelope, built in one place."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from reporting.services import locks


class StripeError(Exception):
    """An error answered as {"error": {...}} with Stripe's status, type, code and param."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.type, self.code, self.param = message, status, type, code, param
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return JsonResponse({"error": error}, status=self.status, headers=self.headers)


def resource_missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(f"No such {kind}: '{object_id}'", status=404, code="resource_missing", param=param)


def unknown_parameter(param: str) -> StripeError:
    return StripeError(f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


def lock_timeout() -> StripeError:
    """Stripe's answer when an object is busy: 429 `lock_timeout`, which its clients may retry at once."""
    return StripeError(
        "This object cannot be accessed right now because another API request or process is currently "
        "accessing it. If you see this error intermittently, retry the request.",
        status=429,
        code="lock_timeout",
        # Stripe's clients retry a request whose answer says so (their HTTP clients read this header).
        headers={"Retry-After": str(locks.RETRY_AFTER), "Stripe-Should-Retry": "true"},
    )


def rate_limited(message: str, retry_after: int) -> StripeError:
    """Stripe's 429 `rate_limit` error; `Retry-After` says when the window reopens."""
    return StripeError(message, status=429, code="rate_limit", headers={"Retry-After": str(retry_after)})
