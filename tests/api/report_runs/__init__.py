"""The report runs endpoints through Django's test client."""

from __future__ import annotations
