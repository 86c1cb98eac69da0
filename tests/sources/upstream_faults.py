"""Stripe's failures on demand, for instance A: the next GET answers 429, 500, slowly, or slows every answer.

The test writes one instruction per line into `VAR_DIR/faults` ("429", "500",
"ok", "sleep 3", or "every 0.2" to slow every request by that many seconds); each
API request takes the first line and removes it, except "every", which stays.
A line ending in " window" waits for a request that reads a window of time
(`created[gte]`): the requests before it pass.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class StripeFaults:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.plan = Path(settings.VAR_DIR) / "faults"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/v1/") and self.plan.exists():
            lines = self.plan.read_text().splitlines()
            if lines:
                fault, *rest = lines
                fault, window, _ = fault.partition(" window")
                if window and "created[gte]" not in request.GET:
                    return self.get_response(request)
                if fault.startswith("every "):
                    time.sleep(float(fault.split()[1]))
                else:
                    self.plan.write_text("".join(f"{line}\n" for line in rest))
                    if fault.startswith("sleep "):
                        time.sleep(float(fault.split()[1]))
                    elif fault in ("429", "500"):
                        return _error(int(fault))
        return self.get_response(request)


def _error(status: int) -> HttpResponse:
    kind = "rate_limit" if status == 429 else "api_error"
    body = {"error": {"type": "invalid_request_error" if status == 429 else "api_error", "code": kind, "message": kind}}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")
