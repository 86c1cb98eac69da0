"""A worker that is slow on purpose: its balance summary sleeps (the soft time limit, for real), and its
report storage can stall halfway through a save (a worker killed mid-export, for real), and its itemized
export can be one slow query (a cancel that must interrupt it)."""
