"""Point sets: regular periodic grids on [0, 1)^d, and the circle / sphere.

``--grid N`` (or ``N1xN2``, ``N1xN2xN3``) means N points per axis on [0, 1), endpoint excluded: x_i = i / N.
Grid points are listed in C order (last axis fastest), matching ``numpy.fft.fftn`` on ``values.reshape(shape)``.
"""
from __future__ import annotations

import numpy as np

from ntk_fourier.errors import InputError

MAX_GRID_POINTS = 1 << 24


def parse_grid(text: str | int | tuple) -> tuple[int, ...]:
    """``"256"`` -> ``(256,)``, ``"64x64"`` -> ``(64, 64)``; 1 to 3 axes, each at least 2 points."""
    if isinstance(text, (tuple, list)):
        parts = list(text)
    else:
        parts = str(text).lower().replace("×", "x").split("x")
    try:
        shape = tuple(int(p) for p in parts)
    except (TypeError, ValueError):
        raise InputError(f"malformed grid {text!r}: write N, NxN or NxNxN with positive integers, e.g. 64x64")
    if not 1 <= len(shape) <= 3 or any(n < 2 for n in shape):
        raise InputError(f"malformed grid {text!r}: write N, NxN or NxNxN with 1 to 3 axes of at least 2 points")
    if int(np.prod(shape)) > MAX_GRID_POINTS:
        raise InputError(f"grid {text!r} has {int(np.prod(shape))} points; at most {MAX_GRID_POINTS} are supported")
    return shape


def grid(shape: tuple[int, ...]) -> np.ndarray:
    """Points of the regular grid on [0, 1)^d: shape ``(prod(shape), d)``, C order."""
    shape = parse_grid(shape)
    axes = [np.arange(n) / n for n in shape]
    return np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)


def wrapped_offsets(shape: tuple[int, ...]) -> np.ndarray:
    """Grid offsets wrapped to [-1/2, 1/2) per axis, C order: ``(prod(shape), d)``. Offset 0 comes first."""
    axes = [np.fft.fftfreq(n) for n in shape]  # i/n wrapped to [-1/2, 1/2)
    return np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)


def grid_frequencies(shape: tuple[int, ...]) -> np.ndarray:
    """Integer frequency vector of each ``fftn`` output entry, C order: ``(prod(shape), d)`` ints."""
    axes = [np.rint(np.fft.fftfreq(n) * n).astype(np.int64) for n in shape]
    return np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)


def circle(n: int) -> np.ndarray:
    """n equispaced points on the unit circle, angle 2 pi j / n: shape ``(n, 2)``."""
    theta = 2.0 * np.pi * np.arange(n) / n
    return np.stack([np.cos(theta), np.sin(theta)], axis=1)


def grid_of(x: np.ndarray) -> tuple[tuple[int, ...], np.ndarray] | None:
    """``(shape, order)`` when the points ``x`` ``(n, d)`` are a whole regular periodic grid of [0, 1)^d (spacing 1/N_a
    on each axis, any offset), such that ``x[order]`` lists it in C order; None otherwise."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        return None
    shape, index = [], []
    for axis in x.T:
        values = np.unique(axis)
        n = len(values)
        if n < 2 or not np.allclose(np.diff(values), 1.0 / n, rtol=0, atol=1e-9 / n):
            return None
        shape.append(n)
        index.append(np.rint((axis - values[0]) * n).astype(np.int64))
    if int(np.prod(shape)) != len(x):
        return None
    flat = np.ravel_multi_index(tuple(index), shape)
    if len(np.unique(flat)) != len(x):
        return None
    return tuple(shape), np.argsort(flat)


def fourier_residuals(x: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-frequency magnitude of ``values`` ``(..., n, k)`` given on the grid points ``x`` ``(n, d)``:
    ``(frequencies (F, d), |FFT| (..., F, k))`` with the unitary normalisation (``norm="ortho"``: over all
    frequencies the sums of squares agree, Parseval), for the frequencies 0 .. floor(n/2) in 1D (a real signal's f
    and -f have equal magnitudes; F = floor(n/2) + 1) and every frequency in 2D / 3D (F = n). None when ``x`` is not
    a whole regular grid (`grid_of`)."""
    found = grid_of(x)
    if found is None:
        return None
    shape, order = found
    v = np.asarray(values, dtype=np.float64)[..., order, :]  # (..., n, k) in grid order
    v = v.reshape(v.shape[:-2] + shape + v.shape[-1:])
    axes = tuple(range(v.ndim - 1 - len(shape), v.ndim - 1))
    spectrum = np.abs(np.fft.fftn(v, axes=axes, norm="ortho")).reshape(v.shape[:-1 - len(shape)] + (-1, v.shape[-1]))
    freqs = grid_frequencies(shape)
    if len(shape) == 1:  # 0 .. floor(n/2): fftfreq labels the Nyquist frequency n/2 of an even n as -n/2
        keep = (freqs[:, 0] >= 0) | (2 * freqs[:, 0] == -shape[0])
        return np.abs(freqs[keep]), spectrum[..., keep, :]
    return freqs, spectrum
