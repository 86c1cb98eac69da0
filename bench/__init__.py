"""The benchmark: `make bench` (bench/run.py). Not part of the product."""

from __future__ import annotations
