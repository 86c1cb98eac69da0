"""gunicorn's logger without secrets: the access log never names the HTTP Basic user, and masks link tokens.

The README's download example authenticates with HTTP Basic, the API secret as the
user name: gunicorn's `%(u)s` would print that secret on every request. Public file
links carry their token in the path (/links/<token>). gunicorn documents a logger
class (the `logger_class` setting, a `glogging.Logger` subclass) as the place to
change what it logs: config/gunicorn.py names this one.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gunicorn import glogging
from gunicorn.config import Config

from config import redaction

# Atoms for request or response headers and environ entries that carry credentials.
_SECRET_ATOMS = ("authorization", "cookie")


class Logger(glogging.Logger):  # type: ignore[misc]  # gunicorn has no type hints
    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        # The master logs too (before Django is loaded in a worker): clean its records as well.
        redaction.install()
        # Only the atoms the format prints are cleaned: all of them cost 20 times as much.
        names = re.findall(r"%\((.*?)\)", cfg.access_log_format or "")
        self._printed = {name.lower() if name.startswith("{") else name for name in names}

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["u"] = "-"  # whatever the format asks for
        for name in self._printed & atoms.keys():
            if name.startswith("{") and any(word in name for word in _SECRET_ATOMS):
                atoms[name] = "-"
            elif isinstance(atoms[name], str):
                atoms[name] = redaction.redact(atoms[name])
        return atoms
