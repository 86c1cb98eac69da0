"""Turn the shared parameters form's errors into Stripe's error for the first problem."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from reporting.forms import ParametersForm

from .errors import StripeError, unknown_parameter

# Django error codes → Stripe error codes (absent: Stripe sends none).
CODES = {
    "required": "parameter_missing",
    "invalid": None,
    "min_value": "parameter_invalid_integer",
    "max_value": "parameter_invalid_integer",
}


def form_error(form: ParametersForm) -> StripeError:
    """Report unknown names first (as Stripe does), then the first field in form order."""
    errors = form.errors.as_data()
    for error in errors.get("__all__", []):
        if error.code == "parameter_unknown" and error.params:
            return unknown_parameter(f"parameters[{error.params['param']}]")
    for name in form.fields:
        for error in errors.get(name, []):
            return _field_error(form, name, error)
    first = next(iter(errors.values()))[0]
    return StripeError(" ".join(first.messages))


def _field_error(form: ParametersForm, name: str, error: ValidationError) -> StripeError:
    param = f"parameters[{name}]"
    message = " ".join(error.messages)
    if error.code == "required":
        return StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param)
    if error.code == "invalid" and message.startswith("Invalid integer"):
        return StripeError(message, code="parameter_invalid_integer", param=param)
    return StripeError(f"Invalid {param}: {message}", code=CODES.get(error.code or ""), param=param)
