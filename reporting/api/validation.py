"""Turn a refused run request into Stripe's error for its first problem."""

from __future__ import annotations

from reporting.services import RunRequestError, RunsRateLimited

from .errors import StripeError, rate_limited, unknown_parameter

# Django error codes → Stripe error codes (absent: Stripe sends none).
CODES = {
    "required": "parameter_missing",
    "invalid": None,
    "min_value": "parameter_invalid_integer",
    "max_value": "parameter_invalid_integer",
    "parameter_invalid": "parameter_invalid",
}


def refusal_error(refusal: RunRequestError) -> StripeError:
    """Name the problem's parameter as the client sent it: `report_type` or `parameters[name]`."""
    problem = refusal.problems[0]
    if isinstance(refusal, RunsRateLimited):
        return rate_limited(problem.message, refusal.retry_after)
    if problem.param is None:
        return StripeError(problem.message)
    if problem.param == "report_type":
        return StripeError(problem.message, param="report_type")
    param = f"parameters[{problem.param}]"
    if problem.code == "parameter_unknown":
        return unknown_parameter(param)
    if problem.code == "required":
        return StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param)
    if problem.code == "invalid" and problem.message.startswith("Invalid integer"):
        return StripeError(problem.message, code="parameter_invalid_integer", param=param)
    return StripeError(f"Invalid {param}: {problem.message}", code=CODES.get(problem.code or ""), param=param)
