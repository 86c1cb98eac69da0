from __future__ import annotations

import os

from celery import Celery

from config import redaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Celery sets up its own log handlers in the worker and beat: clean records before they reach them.
redaction.install()

app = Celery("reporting")
# All Celery settings live in Django settings under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
