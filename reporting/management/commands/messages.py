"""`manage.py messages`: Django's makemessages with this project's choices, so `make messages` and the test agree.

The catalogue is locale/<language>/LC_MESSAGES/django.po (settings.LOCALE_PATHS),
built from reporting/ and templates/; German is the one kept in the repository
(untranslated: the list of every string a translator has to translate). File
names without line numbers keep its diffs to the strings that changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

LANGUAGES = ["de"]
# Everything but the app and the templates: tests, tools and generated files hold no page text.
IGNORE = ["tests", "bench", "faults", "config", "docs", "static", "var", "build", "*.egg-info", "manage.py"]


class Command(makemessages.Command):
    help = "Update the translation catalogue (locale/) from the app and the templates."

    def handle(self, *args: Any, **options: Any) -> None:
        options["locale"] = options["locale"] or LANGUAGES
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORE]
        options["add_location"] = "file"
        options["no_obsolete"] = True
        super().handle(*args, **options)
