"""gunicorn's settings, for `make run`, the bench and production alike.

    gunicorn -c python:config.gunicorn config.wsgi --bind 0.0.0.0:8000

Sync workers, two per core but at most 8 (WEB_CONCURRENCY overrides): each
worker keeps a database connection open (CONN_MAX_AGE), and PostgreSQL
allows 100 by default, which the Celery workers share. Measured with `make
bench` on 2 cores: 4 sync workers answered the dashboard's run list at about
twice the rate of 2 workers x 4 threads, with half the p99 latency: threads
of one process take turns on one GIL in 5 ms slices, so every database round
trip of a request can wait behind its neighbours. Downloads go out through
sendfile; in production a buffering proxy (nginx) keeps slow clients off the
workers, as gunicorn's documentation advises for sync workers.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1), 8))
worker_class = "sync"

# The access log (when enabled, e.g. `--access-logfile -`) is gunicorn's default
# format without the HTTP Basic user, which is the API secret of a client that
# authenticates that way, plus the time taken; the logger class also masks file-link
# tokens and credential headers in every atom (config/access_log.py).
access_log_format = '%(h)s %(l)s - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
logger_class = "config.access_log.Logger"
