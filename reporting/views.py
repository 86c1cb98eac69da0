from __future__ import annotations
from django.http import HttpRequest, HttpResponse
def healthz(request: HttpRequest) -> HttpResponse: ...
run_list = run_create = run_detail = run_download = switch_mode = api_keys = revoke_api_key = healthz
