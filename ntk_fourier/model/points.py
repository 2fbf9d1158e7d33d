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
