"""Events and signed webhooks (issue 16, points 1 and 2)."""
