"""gunicorn's settings, for `make run`, the bench and production alike.

    python -m gevent.monkey --module gunicorn -c python:config.gunicorn config.wsgi --bind 0.0.0.0:8000

(gevent patches first, before gunicorn imports ssl: config/processes.py's web_command says why.)

gevent workers, two per core but at most 8 (WEB_CONCURRENCY overrides). A
gevent worker reads each request and writes each response on its own
greenlet, so a client that sends its request slowly, or reads a large
download slowly, waits on its own socket while the worker serves everyone
else: no proxy is needed to keep slow clients (or a slowloris) from taking the
web tier down, and a long download is never cut by the worker timeout.
The price, measured by `make bench` (step e, "serving"): a worker interleaves
its requests, so under a closed-loop load the dashboard's p99 rises against
sync workers, which serve one request at a time (GUNICORN_WORKER_CLASS=sync
restores them, for deployments behind a buffering proxy such as nginx).
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1), 8))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
worker_connections = 1000
# One request per connection, as sync workers do: a kept-alive connection would stay with
# the worker that accepted it, and a worker holding several of them makes their requests
# take turns while another worker idles (the dashboard's p99 rose fivefold in `make bench`).
keepalive = 0
if worker_class == "gevent":
    # Django keeps a database connection per greenlet, and each request gets a new
    # greenlet: a persistent connection would be opened per request and left to the
    # garbage collector. PostgreSQL lends pooled ones instead (SQLite ignores this).
    os.environ.setdefault("CONN_MAX_AGE", "0")
    os.environ.setdefault("DATABASE_POOL", "1")
    # boto3 uploads to S3 (the /healthz probe's write) through a concurrent.futures thread
    # pool, which deadlocks under gevent's patched threading: the first upload hung the
    # worker until gunicorn killed it (boto/boto3#3141). Uploads run in-line instead.
    os.environ.setdefault("AWS_S3_USE_THREADS", "false")

# The access log (when enabled, e.g. `--access-logfile -`) is gunicorn's default
# format without the HTTP Basic user, which is the API secret of a client that
# authenticates that way, plus the time taken; the logger class also masks file-link
# tokens and credential headers in every atom (config/access_log.py).
access_log_format = '%(h)s %(l)s - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
logger_class = "config.access_log.Logger"
