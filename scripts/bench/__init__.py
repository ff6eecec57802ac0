"""Benchmarks: each measures a part of the kit against a baseline in the same run (``make bench``)."""
