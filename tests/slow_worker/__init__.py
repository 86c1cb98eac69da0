"""A worker whose balance summary sleeps, to meet the soft time limit for real."""
