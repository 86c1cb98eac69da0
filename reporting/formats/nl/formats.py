from __future__ import annotations

from reporting.formats import with_zone

DATETIME_FORMAT, SHORT_DATETIME_FORMAT = with_zone("nl")
