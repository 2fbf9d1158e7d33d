"""Fourier feature input mappings (Tancik et al. 2020, arXiv:2006.10739), in plain NumPy.

Normalisation (one convention for every kind). With frequency rows b_j (shape ``(m, d)``) and amplitudes a_j,
normalised so that ``sum_j a_j^2 = 1``:

    gamma(x) = sqrt(2m) * [a_1 cos(2 pi b_1.x), ..., a_m cos(2 pi b_m.x), a_1 sin(2 pi b_1.x), ..., a_m sin(...)]

so that the input covariance seen by the first Dense layer (which divides by fan-in d_in = 2m) is

    C(x, x') = gamma(x).gamma(x') / d_in = sum_j a_j^2 cos(2 pi b_j.(x - x')),   C(x, x) = 1.

The mapping is stationary; with integer b_j it is 1-periodic in each coordinate. ``none`` feeds raw coordinates
(``C = x.x' / d``). ``gaussian_inf`` is the m -> infinity limit of ``gaussian``: ``C = exp(-2 pi^2 sigma^2 |x-x'|^2)``.
Inputs are coordinates of shape ``(n, d)``, d in 1..3; the usual domain is the grid [0, 1)^d (see `points.grid`).
"""
from __future__ import annotations

import numpy as np

from ntk_fourier import memory
from ntk_fourier.errors import InputError
from ntk_fourier.model.value import Mapping

MAX_DIM = 3


def _equal(m: int) -> np.ndarray:
    return np.full(m, 1.0 / np.sqrt(m))


def _half_lattice(radius: int, dim: int) -> np.ndarray:
    """Integer vectors b with max|b_i| <= radius, one of each pair {b, -b} (first non-zero entry positive), zero
    excluded, sorted by |b|^2 then lexicographically: shape (m, dim), m = ((2 radius + 1)^dim - 1) / 2."""
    rows = ((2 * radius + 1) ** dim - 1) // 2
    memory.require(8.0 * rows * dim * 6, f"the power mapping's {rows:,} frequency vectors (--features {radius} in "
                   f"{dim}D)", "use fewer --features (the lattice has (2 features + 1)^d / 2 vectors)")
    axis = np.arange(-radius, radius + 1)
    grid = np.stack(np.meshgrid(*([axis] * dim), indexing="ij"), -1).reshape(-1, dim)
    first = grid[np.arange(len(grid)), np.argmax(grid != 0, axis=1)]  # first non-zero entry (0 for b = 0)
    half = grid[first > 0]
    order = np.lexsort(tuple(half[:, i] for i in reversed(range(dim))) + ((half**2).sum(1),))
    return half[order].astype(np.float64)


def lattice(m: int, dim: int) -> np.ndarray:
    """The integer frequencies of ``power`` (and ``amplitudes``): 1..m in 1D, the half lattice max|b_i| <= m else."""
    return np.arange(1, m + 1, dtype=np.float64)[:, None] if dim == 1 else _half_lattice(m, dim)


def frequencies(mapping: Mapping, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequency matrix B, shape ``(m, dim)``, and amplitudes a, shape ``(m,)`` with ``sum(a**2) == 1``.

    - ``basic``: B = identity (m = dim), equal amplitudes.
    - ``positional``: axis-aligned, log-linear: ``sigma ** (j / features)``, j = 0..features-1, on each axis
      (m = features * dim), equal amplitudes (the paper's positional encoding).
    - ``power``: dense integer frequencies. In 1D ``b_j = j``, j = 1..features; in d > 1 every integer vector with
      ``max|b_i| <= features`` (one of each +-pair). ``a_j`` proportional to ``|b_j|^-p``; ``p = inf`` keeps only
      ``|b_j| = 1``, i.e. ``basic``.
    - ``gaussian`` / ``uniform`` / ``laplacian``: ``features`` rows, i.i.d. coordinates with standard deviation
      ``sigma`` (normal; uniform on [-sqrt(3) sigma, sqrt(3) sigma]; Laplace with scale sigma/sqrt(2)), equal
      amplitudes, drawn from ``numpy.random.default_rng(seed)``.
    - ``uniform_log``: coordinates ``+-sigma**u``, u ~ U(0, 1) (log-uniform magnitudes in [1, sigma]), random sign.
    - ``amplitudes``: the ``power`` mapping's frequencies with the mapping's own ``amplitudes`` (one per frequency).
    """
    if not 1 <= dim <= MAX_DIM:
        raise InputError(f"inputs must have 1 to {MAX_DIM} coordinates, got {dim}")
    kind, m, sigma = mapping.kind, int(mapping.features), float(mapping.sigma)
    rng = np.random.default_rng(mapping.seed)
    if kind == "basic":
        return np.eye(dim), _equal(dim)
    if kind == "positional":
        scales = sigma ** (np.arange(m) / m)
        B = np.concatenate([np.outer(scales, np.eye(dim)[i]) for i in range(dim)])
        return B, _equal(len(B))
    if kind == "power":
        B = lattice(m, dim)
        norms = np.linalg.norm(B, axis=1)
        a = (norms == 1.0).astype(np.float64) if np.isinf(mapping.p) else norms ** -float(mapping.p)
        return B, a / np.linalg.norm(a)
    if kind == "amplitudes":
        B = lattice(m, dim)
        a = np.asarray(mapping.amplitudes, dtype=np.float64)
        if len(a) != len(B):
            raise InputError(f"mapping 'amplitudes' with {m} features in {dim}D has {len(B)} frequencies; got "
                             f"{len(a)} amplitudes")
        return B, a / np.linalg.norm(a)
    if kind == "gaussian":
        return sigma * rng.standard_normal((m, dim)), _equal(m)
    if kind == "uniform":
        return rng.uniform(-np.sqrt(3.0) * sigma, np.sqrt(3.0) * sigma, (m, dim)), _equal(m)
    if kind == "laplacian":
        return rng.laplace(0.0, sigma / np.sqrt(2.0), (m, dim)), _equal(m)
    if kind == "uniform_log":
        signs = rng.choice([-1.0, 1.0], (m, dim))
        return signs * sigma ** rng.uniform(0.0, 1.0, (m, dim)), _equal(m)
    raise InputError(f"mapping {kind!r} has no finite frequency matrix")


def count(mapping: Mapping, dim: int) -> int:
    """The number m of frequency rows `frequencies` makes (without making them): gamma(x) has 2m features."""
    m = int(mapping.features)
    lattice_rows = m if dim == 1 else ((2 * m + 1) ** dim - 1) // 2
    counts = {"basic": dim, "positional": m * dim, "power": lattice_rows, "amplitudes": lattice_rows}
    return counts.get(mapping.kind, m)


def is_periodic(mapping: Mapping, dim: int) -> bool:
    """True when C(x, x') is a function of (x - x') mod 1, i.e. exactly periodic on the unit grid."""
    if mapping.kind in ("none", "gaussian_inf"):
        return False
    B, _ = frequencies(mapping, dim)
    return bool(np.all(B == np.round(B)))


def _check_points(x: np.ndarray, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0:
        raise InputError(f"{name} must be an array of points of shape (n, d) with n >= 1, got shape {x.shape}")
    if not 1 <= x.shape[1] <= MAX_DIM:
        raise InputError(f"{name} must have 1 to {MAX_DIM} coordinates per point, got {x.shape[1]}")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{name} contains NaN or infinite values")
    return x


def encode(mapping: Mapping, x: np.ndarray) -> np.ndarray:
    """gamma(x): points ``(n, d)`` -> features ``(n, d_in)`` (``d_in = 2m``; ``d`` for ``none``)."""
    x = _check_points(x)
    if mapping.kind == "none":
        return x
    if mapping.kind == "gaussian_inf":
        raise InputError("mapping 'gaussian_inf' has infinitely many features; use a kernel, or 'gaussian'")
    m = count(mapping, x.shape[1])
    memory.require(8.0 * len(x) * m * 5, f"the Fourier features gamma(x) of {len(x):,} points x {2 * m:,} features",
                   "use fewer --features or fewer points")
    B, a = frequencies(mapping, x.shape[1])
    phase = 2.0 * np.pi * x @ B.T  # (n, m)
    scale = np.sqrt(2.0 * len(a)) * a
    return np.concatenate([scale * np.cos(phase), scale * np.sin(phase)], axis=1)


def input_covariance(mapping: Mapping, x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """C(x1, x2) = gamma(x1).gamma(x2) / d_in in closed form: shape ``(n1, n2)``. See the module docstring."""
    x1, x2 = _check_points(x1, "x1"), _check_points(x2, "x2")
    if x1.shape[1] != x2.shape[1]:
        raise InputError(f"x1 and x2 have different numbers of coordinates ({x1.shape[1]} vs {x2.shape[1]})")
    if mapping.kind == "gaussian_inf":
        sq = np.sum(x1**2, 1)[:, None] + np.sum(x2**2, 1)[None, :] - 2.0 * x1 @ x2.T  # |x1 - x2|^2, (n1, n2)
        return np.exp(-2.0 * np.pi**2 * float(mapping.sigma) ** 2 * np.maximum(sq, 0.0))
    g1, g2 = encode(mapping, x1), encode(mapping, x2)
    return g1 @ g2.T / g1.shape[1]
