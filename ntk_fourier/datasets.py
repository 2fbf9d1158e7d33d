"""Built-in data (no downloads) on periodic grids of [0, 1)^d: the 1D setting of Tancik et al. (2020) — a 1/f signal
— its 2D version, and sums of sines with chosen frequencies (1D) or plane waves (2D), for teaching.

Every data set trains on the grid points whose index along every axis is a multiple of ``stride`` and tests on the
others, and also returns the whole grid (``x``, ``y``).
"""
from __future__ import annotations

import numpy as np

from ntk_fourier.model import points
from ntk_fourier.errors import InputError


def _split(shape: tuple[int, ...], y: np.ndarray, stride: int) -> dict[str, np.ndarray]:
    if any(n < 4 or n % stride for n in shape) or stride < 2:
        raise InputError(f"need a grid of at least 4 points per axis, each divisible by a stride >= 2, got grid "
                         f"{'x'.join(map(str, shape))} and stride {stride}")
    x = points.grid(shape)
    index = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), -1).reshape(-1, len(shape))
    train = np.all(index % stride == 0, axis=1)
    return {"x_train": x[train], "y_train": y[train], "x_test": x[~train], "y_test": y[~train], "x": x, "y": y}


def one_over_f(n: int | tuple = 256, stride: int = 8, alpha: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    """A random 1/f^alpha signal on the grid of ``n`` points of [0, 1) (or a 2D grid ``(n1, n2)``): train on every
    ``stride``-th point (along each axis), test on the others.

    1D: y(x) = sum_{f=1}^{n/2} f^-alpha cos(2 pi f x + phi_f), phi_f ~ U(0, 2 pi) (``numpy.random.default_rng(seed)``).
    2D: the same over integer frequency vectors 0 < |f|_inf <= n_i / 2, with amplitude |f|^-alpha. Shifted to mean 0
    and scaled to max |y| = 1 on the grid. Returns ``x_train (n_train, d)``, ``y_train``, ``x_test``, ``y_test``,
    and the full ``x``, ``y``.
    """
    shape = points.parse_grid(n if isinstance(n, (tuple, list)) else (n,))
    rng = np.random.default_rng(seed)
    if len(shape) == 1:
        freqs = np.arange(1, shape[0] // 2 + 1)[:, None]
    else:
        axes = [np.arange(-(s // 2), s // 2 + 1) for s in shape]
        freqs = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, len(shape))
        first = freqs[np.arange(len(freqs)), np.argmax(freqs != 0, axis=1)]
        freqs = freqs[first > 0]  # one of each +-pair, zero excluded
    amplitude = np.linalg.norm(freqs, axis=1) ** -float(alpha)
    # y(x_k) = Re sum_f a_f exp(i phi_f) exp(2 pi i f.k/n): on the grid it depends on f mod n only, so the sum is one
    # inverse FFT of the coefficients gathered by f mod n (O(N log N), where the dense sum needs N x frequencies)
    coefficients = np.zeros(shape, dtype=np.complex128)
    np.add.at(coefficients, tuple((freqs % np.array(shape)).T), amplitude * np.exp(
        1j * rng.uniform(0, 2 * np.pi, len(freqs))))
    y = (np.fft.ifftn(coefficients) * np.prod(shape)).real.reshape(-1)
    y = y - y.mean()
    return _split(shape, y / np.abs(y).max(), stride)


def sines(freqs, amps=None, grid: int | tuple = 256, stride: int = 8) -> dict[str, np.ndarray]:
    """A sum of sines with the given integer frequencies, on a periodic grid: y(x) = sum_j a_j sin(2 pi f_j . x).

    ``freqs``: integers (1D, e.g. ``(2, 6, 12)``) or integer vectors of the grid's dimension (2D plane waves, e.g.
    ``((3, 0), (0, 5), (4, 4))``); ``amps`` (default all 1) their amplitudes. Every frequency must lie below the
    grid's Nyquist frequency (|f_i| < n_i / 2), so it is resolved. Same split as `one_over_f`.
    """
    shape = points.parse_grid(grid if isinstance(grid, (tuple, list)) else (grid,))
    f = np.asarray(freqs, dtype=np.float64).reshape(len(freqs), -1) if len(freqs) else np.zeros((0, 1))
    if len(f) == 0 or f.shape[1] != len(shape) or np.any(f != np.round(f)):
        raise InputError(f"frequencies must be integers with {len(shape)} component(s) each (the grid's dimension), "
                         f"e.g. {'2,6,12' if len(shape) == 1 else '3x0,0x5'}; got {np.asarray(freqs).tolist()}")
    if np.any(np.abs(f) >= np.array(shape) / 2) or np.any(np.all(f == 0, axis=1)):
        raise InputError(f"frequencies must be non-zero and below the grid's Nyquist frequency "
                         f"({'x'.join(str(s // 2) for s in shape)}): got {f.astype(int).tolist()}")
    silent = np.all((2 * f * stride) % np.array(shape) == 0, axis=1)  # sin(pi * integer) at every training point
    if np.any(silent):
        raise InputError(f"frequency {f[np.argmax(silent)].astype(int).tolist()}: its sine is zero at every training "
                         f"point (every {stride}th grid point), so no model could learn it; choose another frequency "
                         "or --stride")
    a = np.ones(len(f)) if amps is None else np.asarray(amps, dtype=np.float64)
    if a.shape != (len(f),) or not np.all(np.isfinite(a)):
        raise InputError(f"give one finite amplitude per frequency ({len(f)}), got {np.asarray(amps).tolist()}")
    x = points.grid(shape)
    return _split(shape, np.sin(2 * np.pi * x @ f.T) @ a, stride)
