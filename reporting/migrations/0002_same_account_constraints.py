"""Keep a run's file, and a transaction's payouts, in the same account and mode."""

from django.db import migrations

from reporting.migrations._same_account import same_account


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [
        same_account(
            [
                ("run_result_same_account", "reporting_reportrun", "result_id", "reporting_file"),
                ("txn_payout_same_account", "reporting_balancetransaction", "payout_id", "reporting_payout"),
                (
                    "txn_automatic_payout_same_account",
                    "reporting_balancetransaction",
                    "automatic_payout_id",
                    "reporting_payout",
                ),
            ]
        )
    ]
