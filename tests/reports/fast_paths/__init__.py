"""Helpers of the fast-path tests: random ledgers, the parameters drawn for them, and the routes a report takes."""

from __future__ import annotations
