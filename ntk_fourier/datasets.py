"""Built-in data (no downloads): the 1D setting of Tancik et al. (2020) — a 1/f signal on a periodic grid."""
from __future__ import annotations

import numpy as np

from ntk_fourier.model import points
from ntk_fourier.errors import InputError


def one_over_f(n: int = 256, stride: int = 8, alpha: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    """A random 1/f^alpha signal on the grid of ``n`` points of [0, 1): train on every ``stride``-th point, test on
    the others.

    y(x) = sum_{f=1}^{n/2} f^-alpha cos(2 pi f x + phi_f), phi_f ~ U(0, 2 pi) (``numpy.random.default_rng(seed)``),
    shifted to mean 0 and scaled to max |y| = 1 on the grid. Returns ``x_train (n/stride, 1)``, ``y_train``,
    ``x_test``, ``y_test``, and the full ``x``, ``y``.
    """
    if n < 4 or stride < 2 or n % stride:
        raise InputError(f"need a grid of at least 4 points divisible by a stride >= 2, got n={n}, stride={stride}")
    rng = np.random.default_rng(seed)
    x = points.grid((n,))
    freqs = np.arange(1, n // 2 + 1)
    y = np.cos(2 * np.pi * x * freqs + rng.uniform(0, 2 * np.pi, len(freqs))) @ freqs ** -float(alpha)
    y = y - y.mean()
    y = y / np.abs(y).max()
    train = np.zeros(n, bool)
    train[::stride] = True
    return {"x_train": x[train], "y_train": y[train], "x_test": x[~train], "y_test": y[~train], "x": x, "y": y}
