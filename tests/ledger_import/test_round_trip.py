"""Round trips: export, import into an empty account, and the reports come out the same."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reporting.demo import HISTORY_DAYS, generate_ledger
from reporting.ledger_import import import_ledger, read_records
from reporting.models import BalanceTransaction, CellFormat, Door, Payout
from reporting.models.ledger import METADATA_FIELDS
from reporting.reports import REPORT_TYPES, Params, get_report
from tests.factories import AccountFactory

from .conftest import BALANCE_ID, PAYOUTS_ID, at
from .ledger import build_ledger

pytestmark = pytest.mark.django_db


# Both itemized reports, exported and imported again -----------------------------------------------


def export(account, report_id):
    report = get_report(report_id)
    params = Params(
        account_id=account.id,
        livemode=False,
        interval_start=at(3, 1),
        interval_end=at(4, 1),
        columns=report.column_names,
        spreadsheet_safe=account.cell_format == CellFormat.SPREADSHEET_SAFE,
    )
    out = io.BytesIO()
    report.write(params, out)
    return out.getvalue()


# Both forms of text cells: the files are written in the account's, and imported in the (fresh) account's.
FORMS = pytest.mark.parametrize("cell_format", CellFormat.values)


def set_cell_format(cell_format, *accounts):
    for account in accounts:
        account.cell_format = cell_format
        account.save()


@FORMS
@pytest.mark.parametrize("first", [BALANCE_ID, PAYOUTS_ID])
def test_round_trip_through_both_itemized_reports_is_byte_identical(load, account, fresh, first, cell_format):
    set_cell_format(cell_format, account, fresh)
    build_ledger(account)
    files = {report_id: export(account, report_id) for report_id in (BALANCE_ID, PAYOUTS_ID)}
    # The files hold what the test is about (a test that cannot fail is a defect).
    assert len(list(read_records(files[BALANCE_ID].decode()))) == 1 + 13
    assert len(list(read_records(files[PAYOUTS_ID].decode()))) == 1 + 8
    assert b'"-0.005","0.000","-0.005","other_adjustment"' in files[BALANCE_ID]
    assert b'"po_instant","2025-03-21 07:05:00","usd","100.00","-1.50","101.50"' in files[PAYOUTS_ID]
    assert b',"",' in files[BALANCE_ID]
    quote = "'" if cell_format == CellFormat.SPREADSHEET_SAFE else ""
    assert f'"{quote}-5 fils"'.encode() in files[BALANCE_ID]
    assert f'"{quote}-2+3"'.encode() in files[PAYOUTS_ID]

    second = PAYOUTS_ID if first == BALANCE_ID else BALANCE_ID
    for report_id in (first, second):
        load(fresh, files[report_id], name=f"{report_id}.csv")

    assert export(fresh, BALANCE_ID) == files[BALANCE_ID]
    assert export(fresh, PAYOUTS_ID) == files[PAYOUTS_ID]
    assert BalanceTransaction.objects.filter(account=fresh).count() == 21
    # The payout settling late March takes effect after the interval: known from the balance file alone.
    late = Payout.objects.get(account=fresh, stripe_id="po_late")
    assert (late.automatic, late.effective_at, late.amount) == (True, at(4, 3), 0)
    assert Payout.objects.get(account=fresh, stripe_id="po_manual").automatic is False
    assert Payout.objects.get(account=fresh, stripe_id="po_failed").automatic is True


def test_amounts_with_a_decimal_comma_import_like_points(load, account, fresh):
    build_ledger(account)
    full = {"interval_start": at(2, 1), "interval_end": at(5, 1), "columns": all_columns(FULL_BALANCE_ID, account)}
    points = run_report(account, FULL_BALANCE_ID, **full)
    commas = run_report(account, FULL_BALANCE_ID, decimal_separator=",", **full)
    assert b'"-0,005","0,000","-0,005"' in commas

    output = load(fresh, commas)

    assert "Amounts were read with ',' as the decimal mark" in output
    assert run_report(fresh, FULL_BALANCE_ID, **full) == points


# Full round trip: every column out, into an empty account, every report type identical ------------

ROUND_TRIP_TZ = ZoneInfo("America/New_York")  # not UTC, and daylight saving starts in March
FULL_BALANCE_ID = "balance_change_from_activity.itemized.3"
FULL_PAYOUTS_ID = "payouts.itemized.3"
SETTLEMENT_ID = "payout_reconciliation.itemized.5"


def run_report(account, report_id, **params):
    """Write the report as a run of the account would: text cells in the account's form."""
    out = io.BytesIO()
    safe = account.cell_format == CellFormat.SPREADSHEET_SAFE
    REPORT_TYPES[report_id].write(Params(account_id=account.id, livemode=False, spreadsheet_safe=safe, **params), out)
    return out.getvalue()


def metadata_columns(account, fields=METADATA_FIELDS):
    """List `payment_metadata[KEY]`... for every key in the account's ledger, keys in byte order as Stripe lists them."""
    keys = {name: set() for name in fields}
    for row in BalanceTransaction.objects.filter(account=account).values(*fields):
        for name, value in row.items():
            keys[name].update(value or {})
    return [f"{name}[{key}]" for name in fields for key in sorted(keys[name])]


def all_columns(report_id, account):
    """List every column of the type, with the metadata columns where Stripe puts them (after dispute_reason)."""
    report = REPORT_TYPES[report_id]
    names = report.column_names
    if not report.metadata_fields:
        return names
    at_ = names.index("dispute_reason") + 1 if "dispute_reason" in names else len(names)
    return [*names[:at_], *metadata_columns(account, report.metadata_fields), *names[at_:]]


def export_everything(account, start, end):
    """Export the two full-column tz-aware itemized reports and the reconciliation report that carries the settlement links."""
    full = {"interval_start": start, "interval_end": end, "timezone": ROUND_TRIP_TZ}
    return {
        report_id: run_report(account, report_id, columns=all_columns(report_id, account), **full)
        for report_id in (FULL_BALANCE_ID, FULL_PAYOUTS_ID, SETTLEMENT_ID)
    }


def report_runs(account, intervals, ends):
    """Yield (report id, parameters) for every registered type: intervals, ends or payouts as the type needs,
    its default and all its columns, its timezone where it takes one, and a ',' decimal separator once."""
    payouts = list(
        Payout.objects.filter(account=account, automatic=True)
        .order_by("effective_at")
        .values_list("stripe_id", flat=True)
    )
    for report_id, report in REPORT_TYPES.items():
        if "payout" in report.required:
            scopes = [{"payout": payout} for payout in payouts]
        elif report.required == ("interval_end",):
            scopes = [{"interval_end": end} for end in ends]
        else:
            scopes = [{"interval_start": start, "interval_end": end} for start, end in intervals]
        zone = {"timezone": ROUND_TRIP_TZ} if "timezone" in report.parameters else {}
        for columns in ((), all_columns(report_id, account)):
            for scope in scopes:
                yield report_id, {**scope, **zone, "columns": columns}
        if "decimal_separator" in report.parameters:
            yield report_id, {**scopes[0], **zone, "decimal_separator": ","}


# Ledger fields no export carries, so an import cannot restore them (report-types.md §2.4): an
# automatic payout's creation time, on the payout and its own transaction (the files have only
# when it took effect). No report prints either.
PAYOUT_FIELDS = [f.attname for f in Payout._meta.concrete_fields if f.attname not in {"id", "account_id"}]
TXN_FIELDS = [
    f.attname
    for f in BalanceTransaction._meta.concrete_fields
    if f.attname not in {"id", "account_id", "payout_id", "automatic_payout_id"}
]


def ledger_differences(original, copy):
    """Return {(stripe id, field)} where the copy's ledger differs from the original's."""

    def rows(account):
        txns = BalanceTransaction.objects.filter(account=account).values(
            *TXN_FIELDS, "payout__stripe_id", "payout__automatic", "automatic_payout__stripe_id"
        )
        payouts = Payout.objects.filter(account=account).values(*PAYOUT_FIELDS)
        return {t["stripe_id"]: t for t in txns}, {p["stripe_id"]: p for p in payouts}

    differences = set()
    for mine, theirs in zip(rows(original), rows(copy), strict=True):
        assert mine.keys() == theirs.keys()
        for stripe_id, values in mine.items():
            differences.update((stripe_id, name) for name, value in values.items() if theirs[stripe_id][name] != value)
    return differences


def unrestorable(account):
    """Return what ledger_differences may name: the creation time of automatic payouts and their transactions."""
    automatic = Payout.objects.filter(account=account, automatic=True)
    own = BalanceTransaction.objects.filter(account=account, reporting_category="payout", payout__in=automatic)
    return {(stripe_id, "created") for stripe_id in automatic.values_list("stripe_id", flat=True)} | {
        (stripe_id, "created") for stripe_id in own.values_list("stripe_id", flat=True)
    }


def swept_payout_rows(account):
    """Return the payout-category rows a later automatic payout settled: only a reconciliation export names that payout."""
    rows = BalanceTransaction.objects.filter(
        account=account, reporting_category__in=["payout", "payout_reversal"], automatic_payout__isnull=False
    )
    return {(stripe_id, "automatic_payout__stripe_id") for stripe_id in rows.values_list("stripe_id", flat=True)}


# The ids only the payout reconciliation types print (columns-by-version.md §1.2): the order a
# charge paid for and the payment a transfer made on the connected account.
RECONCILIATION_ONLY = ("order_id", "destination_payment_id")


def reconciliation_only(account, data):
    """Return what ledger_differences may name when the first file imported was `data`: the
    reconciliation-only ids of the rows it does not list or whose columns it does not have, which
    the ledger does not learn from a later file."""
    records = [cells for _, cells in read_records(data.decode())]
    column = records[0].index("balance_transaction_id")
    listed = {cells[column] for cells in records[1:]}
    carried = set(records[0])
    rows = BalanceTransaction.objects.filter(account=account)
    return {
        (stripe_id, name)
        for name in RECONCILIATION_ONLY
        for stripe_id in rows.filter(**{f"{name}__isnull": False}).values_list("stripe_id", flat=True)
        if name not in carried or stripe_id not in listed
    }


def demo_ledger(account):
    generate_ledger(account=account, livemode=False, rows=500, seed=11, end=at(6, 1))
    # The whole ledger, then a month (local midnights) and an hour-cut interval.
    spans = [
        (at(6, 1) - timedelta(days=HISTORY_DAYS), at(6, 1)),
        (datetime(2025, 1, 1, tzinfo=ROUND_TRIP_TZ), datetime(2025, 2, 1, tzinfo=ROUND_TRIP_TZ)),
        (at(3, 9, 6, 59, 59), at(4, 15, 12)),
    ]
    ends = [at(6, 1) - timedelta(days=200), at(3, 3), at(3, 9, 6, 59, 59), at(6, 1)]
    return spans, ends


def hand_made_ledger(account):
    build_ledger(account)
    spans = [(at(2, 1), at(5, 1)), (at(3, 1), at(4, 1)), (datetime(2025, 3, 9, 3, tzinfo=ROUND_TRIP_TZ), at(3, 21))]
    ends = [at(3, 10), at(3, 12, 12), at(4, 1), at(5, 1)]
    return spans, ends


@pytest.mark.parametrize(
    ("builder", "cell_format"),
    [
        # The demo ledger has no formula-like text: one form is enough for it. 500 rows over its 13
        # months hold every feature the test asserts below (metadata, reversals, links, Link).
        (demo_ledger, CellFormat.SPREADSHEET_SAFE),
        (hand_made_ledger, CellFormat.SPREADSHEET_SAFE),
        (hand_made_ledger, CellFormat.STRIPE_EXACT),
    ],
    ids=["demo", "hand-made-safe", "hand-made-exact"],
)
def test_full_column_exports_round_trip_into_every_report_type(account, fresh, builder, cell_format):
    set_cell_format(cell_format, account, fresh)
    spans, ends = builder(account)
    files = export_everything(account, *spans[0])
    balance = files[FULL_BALANCE_ID].decode()
    # The exports hold what the test is about: metadata keys, local times, addresses, links, reversals.
    assert "payment_metadata[" in balance.splitlines()[0]
    assert "refund_metadata[" in balance.splitlines()[0]
    assert "transfer_metadata[" in balance.splitlines()[0]
    assert ',"",' in balance
    assert '"true"' in balance
    assert '"false"' in balance
    assert '"payout_reversal"' in files[FULL_PAYOUTS_ID].decode()
    if builder is hand_made_ledger:  # formula-like text in a name, a metadata value, a tab and a CR in front
        quote = "'" if cell_format == CellFormat.SPREADSHEET_SAFE else ""
        assert f'"{quote}=HYPERLINK(""http://evil.example/x"",""click"")"' in balance
        assert f"\"{quote}@SUM(1+1)*cmd|' /C calc'!A0\"" in balance
        assert f'"{quote}\t-0001"' in balance
        assert f'"{quote}\r+1+1"' in balance
        assert f'"{quote}\'=typed with a quote"' in balance
    assert '"failed"' in files[FULL_PAYOUTS_ID].decode()
    assert swept_payout_rows(account)
    assert not set(RECONCILIATION_ONLY) & set(REPORT_TYPES[FULL_BALANCE_ID].column_names)

    import_ledger(files[FULL_BALANCE_ID], account=fresh, livemode=False, door=Door.CLI)
    import_ledger(files[FULL_PAYOUTS_ID], account=fresh, livemode=False, door=Door.CLI)

    # Neither of the two carries which automatic payout swept a payout or a payout's return.
    missing = unrestorable(account) | reconciliation_only(account, files[FULL_BALANCE_ID])
    assert ledger_differences(account, fresh) == missing | swept_payout_rows(account)

    result = import_ledger(files[SETTLEMENT_ID], account=fresh, livemode=False, door=Door.CLI)

    assert result.added == 0
    assert result.links_added == len(swept_payout_rows(account))
    for data in files.values():  # importing again adds and changes nothing
        again = import_ledger(data, account=fresh, livemode=False, door=Door.CLI)
        assert (again.added, again.links_added, again.payouts_created, again.payouts_updated) == (0, 0, 0, 0)
    # The ledger keeps what the first file said of a transaction: no later one fills the ids it lacked.
    assert ledger_differences(account, fresh) == missing

    # The reconciliation export first (every column of the balance one, and the order and
    # destination payment), then the balance one for what no payout has settled yet.
    widest_first = AccountFactory(name="Widest first", created=fresh.created, cell_format=cell_format)
    for report_id in (SETTLEMENT_ID, FULL_BALANCE_ID, FULL_PAYOUTS_ID):
        import_ledger(files[report_id], account=widest_first, livemode=False, door=Door.CLI)
    assert ledger_differences(account, widest_first) == unrestorable(account) | reconciliation_only(
        account, files[SETTLEMENT_ID]
    )
    runs = list(report_runs(account, spans, ends))
    assert {report_id for report_id, _ in runs} == set(REPORT_TYPES)
    outputs = [(report_id, params, run_report(account, report_id, **params)) for report_id, params in runs]
    different = [
        (report_id, params)
        for report_id, params, original in outputs
        if run_report(widest_first, report_id, **params) != original
    ]
    assert different == []
    # The comparisons compared something: most runs have rows.
    assert sum(original.count(b"\n") > 1 for _, _, original in outputs) > len(outputs) * 0.8
