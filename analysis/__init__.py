"""Experiments that produce result files (thin scripts over the public API of ntk_fourier)."""
