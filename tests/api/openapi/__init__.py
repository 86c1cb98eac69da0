"""The OpenAPI document: valid, complete, true to Stripe's objects, and true to what the API answers."""

from __future__ import annotations
