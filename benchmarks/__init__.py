"""Benchmarks comparing Myriad with reference simulators."""
