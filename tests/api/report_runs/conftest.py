"""Shared by the report runs tests: the endpoint, September's interval, and a create that enqueues nothing."""

from __future__ import annotations

from unittest import mock

from reporting import tasks

URL = "/v1/reporting/report_runs"
SEPT = {"parameters[interval_start]": "1756684800", "parameters[interval_end]": "1759276800"}


def create(api, data, **headers):
    with mock.patch.object(tasks.run_report, "delay") as delay:
        response = api.post(URL, data, headers=headers)
    return response, delay
