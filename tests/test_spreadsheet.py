"""reporting.spreadsheet: the spreadsheet-safe rule is what OWASP asks for, and reversible for every text."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from reporting.spreadsheet import is_formula_like, is_protected, protect, unprotect

# Text built around the characters the rule looks at, and any text at all.
prefixes = st.text(alphabet="'=+-@\t\r a", max_size=4)
texts = st.one_of(st.builds(str.__add__, prefixes, st.text(max_size=8)), st.text())


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example/x","click")', '\'=HYPERLINK("http://evil.example/x","click")'),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # Already behind quotes: one more, so that reading drops exactly the one added.
        ("'=1+1", "''=1+1"),
        ("''-3", "'''-3"),
        # Left alone: nothing a spreadsheet would run, and no quote that reading would drop.
        ("'Tis", "'Tis"),
        ("'", "'"),
        ("''", "''"),
        ("", ""),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("Order 1", "Order 1"),
    ],
)
def test_protect_writes_formula_like_text_behind_a_quote(value, written):
    assert protect(value) == written
    assert unprotect(written) == value


@given(texts)
@example("'")
@example("'=")
@example("''\t")
def test_every_text_reads_back_as_itself_and_no_written_cell_is_a_formula(value):
    written = protect(value)

    assert unprotect(written) == value
    assert not is_formula_like(written)
    # A quote is added exactly when the value is formula-like behind its own quotes, if any...
    assert (written != value) == is_formula_like(value.lstrip("'"))
    # ... and reading drops one exactly from those cells.
    assert is_protected(written) == (written != value)
