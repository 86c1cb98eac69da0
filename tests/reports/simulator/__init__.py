"""The simulated ledgers of the reconciliation tests: the simulator, and writing its ledgers to the database."""

from __future__ import annotations
