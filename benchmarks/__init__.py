"""Benchmarks and tools: speed, memory and latency measurements printed as ratios measured in one run
(docs/benchmarks.md), and the explorer's screenshots. Not part of the gallery."""
