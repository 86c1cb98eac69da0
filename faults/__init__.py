"""`make faults`: the real processes under the faults that lose runs, and a table of what became of them."""
