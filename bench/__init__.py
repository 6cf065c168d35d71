"""Benchmarks: tables printed against a baseline measured in the same run."""
