"""The real `stripe` package (16.x) against the live server, both client styles."""

from __future__ import annotations
