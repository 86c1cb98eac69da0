"""Authentication for the dashboard: Django's ModelBackend, with the per-request user lookup written out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from reporting.db import user_by_id
from reporting.models import User


class UserBackend(ModelBackend):
    """Logs in as ModelBackend does; loads a session's user with one written-out SELECT.

    AuthenticationMiddleware loads the user on every dashboard request (the run
    table is polled every 2 s); compiling the ORM's query cost more than running it.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
