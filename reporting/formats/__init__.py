"""Date-time formats that name the time zone (settings.FORMAT_MODULE_PATH): one module per language in LANGUAGES.

Django looks here before its own format module for a language and takes only
what a module here defines: each adds the zone's abbreviation (CET, EST, UTC)
to Django's date-time formats, so every time the dashboard and the admin show
says which zone it is in. Everything else (separators, date order, input
formats) stays Django's. A language added to LANGUAGES needs its module here,
or it falls back to the formats of its generic language here (en for en-au).
"""

from __future__ import annotations

from importlib import import_module


def with_zone(locale: str) -> tuple[str, str]:
    """Django's DATETIME_FORMAT and SHORT_DATETIME_FORMAT for `locale`, each followed by the zone's name."""
    django = import_module(f"django.conf.locale.{locale}.formats")
    return f"{django.DATETIME_FORMAT} T", f"{django.SHORT_DATETIME_FORMAT} T"
