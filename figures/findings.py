"""Helpers that turn saved arrays into findings (fitted slopes with confidence intervals from seeds, ratios, gaps)
and findings into caption text. Every number a caption prints is a value of its findings, formatted here."""
from __future__ import annotations

import math

import numpy as np

from ntk_fourier.compare.fits import LEVEL, power_fit, two_power_fit  # noqa: F401  (re-exported for the figures)


def g(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits (plain notation where short)."""
    return f"{value:.{digits}g}"


def f(value: float, decimals: int = 2) -> str:
    """``value`` with ``decimals`` decimals."""
    return f"{value:.{decimals}f}"


def sci(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` significant digits: plain between 1e-3 and 1e4, else 7.4e-5 style (no zero-padded
    exponent)."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -3 <= exponent < 4:
        return f"{value:.{max(digits - 1 - exponent, 0)}f}"
    mantissa = round(value / 10.0 ** exponent, digits - 1)
    if abs(mantissa) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits - 1}f}".rstrip("0").rstrip(".") + f"e{exponent}"


def pct(value: float, decimals: int = 0) -> str:
    """``value`` (a fraction) in percent."""
    return f"{100 * value:.{decimals}f}%"


def interval(fit: dict, decimals: int = 2) -> str:
    """'slope (95% interval low to high, S seeds)' of a `power_fit`, or the slope alone without seeds."""
    if "low" not in fit:
        return f"{fit['slope']:.{decimals}f}"
    return (f"{fit['slope']:.{decimals}f} ({100 * fit['level']:.0f}% interval {fit['low']:.{decimals}f} to {fit['high']:.{decimals}f} "
            f"from {fit['seeds']} seeds)")


def jsonable(value):
    """Findings as JSON values: arrays to lists, NumPy scalars to Python, non-finite floats to strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in np.asarray(value, dtype=object).tolist()] if isinstance(value, np.ndarray) \
            else [jsonable(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    return value
