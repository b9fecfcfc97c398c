"""Benchmarks of the hot paths: run with `make bench` (pytest-benchmark).

Each file times mallcore beside a baseline measured in the same run, so
that the ratio, not the absolute time, is what a noisy machine reports.
"""
