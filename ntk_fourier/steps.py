"""Step schedules shared by the kernel view (predicted dynamics) and the network view (training): which steps to
record, as numbers or as text (``0,10,100``, ``log:1:1000:20``)."""
from __future__ import annotations

import numpy as np

from ntk_fourier.errors import InputError


def check_steps(steps) -> np.ndarray:
    """Non-negative, finite, non-decreasing step values as a float64 array."""
    arr = np.atleast_1d(np.asarray(steps, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InputError(f"steps must be a non-empty list of non-negative numbers, got {steps!r}")
    return arr


MAX_STEP = 1e15  # predicted dynamics: beyond it, float64 step counts are no longer whole numbers


def parse_steps(text: str, flow: bool = False, limit: float = MAX_STEP) -> np.ndarray:
    """``"0,10,100"`` or ``"log:1:1000:20"`` (20 log-spaced integer steps from 1 to 1000, with 0 prepended); steps
    at most ``limit`` (trained networks count steps in 32-bit integers: `bounds.MAX_TRAINING_STEP`)."""
    try:
        if text.startswith("log:"):
            lo, hi, num = (float(v) for v in text[4:].split(":"))
            if not (0 < lo <= hi < 1e15 and 1 <= num <= 100_000 and num == int(num)):
                raise ValueError
            values = np.geomspace(lo, hi, int(num))
            values = np.concatenate([[0.0], values if flow else np.unique(np.rint(values))])
        else:
            values = np.array([float(v) for v in text.split(",")])
    except ValueError:
        raise InputError(f"malformed step list {text!r}: write e.g. 0,10,100 or log:1:1000:20")
    if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InputError(f"malformed step list {text!r}: steps must be non-negative numbers")
    if np.any(values > limit):
        raise InputError(f"step list {text!r} goes beyond {limit:,.0f}, the largest step "
                         f"{'a training run counts' if limit < MAX_STEP else 'a prediction resolves'}")
    if np.any(np.diff(values) < 0):
        raise InputError(f"malformed step list {text!r}: steps must be in increasing order")
    if not flow and not np.all(values == np.rint(values)):
        raise InputError(f"step list {text!r} has non-integer steps; gradient descent counts whole steps "
                         "(use --flow for continuous time)")
    return values
