"""Reading a file: bytes to records, null apart from the empty string."""

from __future__ import annotations

import pytest

from reporting.ledger_import import parse, read_records

from .conftest import BALANCE_CSV, txn

pytestmark = pytest.mark.django_db


def test_balance_file_keeps_null_and_empty_text_apart(load, fresh):
    load(fresh, BALANCE_CSV)

    assert (txn("txn_1").description, txn("txn_2").description, txn("txn_3").description) == ("Order 1", None, "")
    assert (txn("txn_1").customer_id, txn("txn_2").customer_id, txn("txn_3").customer_id) == ("cus_1", None, "")
    assert (txn("txn_1").customer_name, txn("txn_2").customer_name) == ("Jane", None)
    assert txn("txn_4").source_id == ""
    assert txn("txn_4").customer_facing_currency is None


def test_reader_tells_null_from_empty_and_keeps_quotes_and_newlines():
    text = 'a,b,c,d\r\n"x",,"","say ""hi""\nthere"\r\n"y",plain,"",\n'

    assert list(read_records(text)) == [
        (1, ["a", "b", "c", "d"]),
        (2, ["x", None, "", 'say "hi"\nthere']),
        (4, ["y", "plain", "", None]),
    ]


def test_parse_skips_a_byte_order_mark_and_blank_lines(fresh):
    parsed = parse(("\ufeff" + BALANCE_CSV + "\n").encode())

    assert [t.stripe_id for t in parsed.txns] == ["txn_1", "txn_2", "txn_3", "txn_4"]
