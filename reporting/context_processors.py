from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """Expose the current account membership and mode to every template."""
    return {"membership": getattr(request, "membership", None), "livemode": getattr(request, "livemode", False)}
