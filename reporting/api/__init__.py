"""The Stripe-compatible Reporting API: another door onto the same core."""
