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

import functools

import numpy as np

from ntk_fourier import memory
from ntk_fourier.errors import InputError
from ntk_fourier.model import grids
from ntk_fourier.model.value import GRID_KINDS, Mapping
from ntk_fourier.traced import numpy_only

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


@functools.lru_cache(maxsize=64)
def standard_draw(kind: str, features: int, seed: int, dim: int) -> np.ndarray:
    """The random samplers' draw at unit scale, from ``numpy.random.default_rng(seed)``: ``(m, dim)`` standard normal
    (gaussian), uniform on [-sqrt 3, sqrt 3] (uniform), Laplace of unit variance (laplacian); for uniform_log
    ``(2, m, dim)``: random signs, then exponents u ~ U(0, 1). `frequencies` scales it by the mapping's sigma, so the
    frequencies are a smooth function of sigma (differentiable, and the same draw for every sigma). Read-only."""
    rng = np.random.default_rng(seed)
    shape = (features, dim)
    if kind == "gaussian":
        draw = rng.standard_normal(shape)
    elif kind == "uniform":
        draw = np.sqrt(3.0) * (2.0 * rng.random(shape) - 1.0)
    elif kind == "laplacian":
        draw = rng.laplace(0.0, 1.0 / np.sqrt(2.0), shape)
    else:  # uniform_log
        signs = rng.choice([-1.0, 1.0], shape)
        draw = np.stack([signs, rng.uniform(0.0, 1.0, shape)])
    draw.setflags(write=False)
    return draw


def frequencies(mapping: Mapping, dim: int, xp=np) -> tuple[np.ndarray, np.ndarray]:
    """Frequency matrix B, shape ``(m, dim)``, and amplitudes a, shape ``(m,)`` with ``sum(a**2) == 1``.

    ``xp``: ``numpy``, or ``jax.numpy`` for a traceable function of the mapping's leaves (sigma, p, amplitudes).

    - ``basic``: B = identity (m = dim), equal amplitudes.
    - ``positional``: axis-aligned, log-linear: ``sigma ** (j / features)``, j = 0..features-1, on each axis
      (m = features * dim), equal amplitudes (the paper's positional encoding).
    - ``power``: dense integer frequencies. In 1D ``b_j = j``, j = 1..features; in d > 1 every integer vector with
      ``max|b_i| <= features`` (one of each +-pair). ``a_j`` proportional to ``|b_j|^-p``; ``p = inf`` keeps only
      ``|b_j| = 1``, i.e. ``basic``.
    - ``gaussian`` / ``uniform`` / ``laplacian``: ``features`` rows, ``sigma`` times a fixed draw of i.i.d. unit-variance
      coordinates (normal; uniform; Laplace) from ``numpy.random.default_rng(seed)`` (`standard_draw`), equal
      amplitudes.
    - ``uniform_log``: coordinates ``+-sigma**u``, u ~ U(0, 1) (log-uniform magnitudes in [1, sigma]), random sign.
    - ``amplitudes``: the ``power`` mapping's frequencies with the mapping's own ``amplitudes`` (one per frequency).
    """
    if not 1 <= dim <= MAX_DIM:
        raise InputError(f"inputs must have 1 to {MAX_DIM} coordinates, got {dim}")
    kind, m, sigma = mapping.kind, int(mapping.features), mapping.sigma
    if kind == "basic":
        return np.eye(dim), _equal(dim)
    if kind == "positional":
        scales = xp.power(sigma, np.arange(m) / m)
        B = xp.concatenate([scales[:, None] * np.eye(dim)[i] for i in range(dim)])
        return B, _equal(m * dim)
    if kind in ("power", "amplitudes"):
        B = lattice(m, dim)
        if kind == "amplitudes":
            a = xp.asarray(mapping.amplitudes)
            if a.shape != (len(B),):
                raise InputError(f"mapping 'amplitudes' with {m} features in {dim}D has {len(B)} frequencies; got "
                                 f"{a.shape[0] if a.ndim == 1 else a.shape} amplitudes")
        else:
            norms = np.linalg.norm(B, axis=1)
            infinite = xp.isinf(mapping.p)  # p = inf: |b| = 1 only; the power's exponent kept finite for its gradient
            a = xp.where(infinite, (norms == 1.0) * 1.0, norms ** -xp.where(infinite, 0.0, mapping.p))
        return B, a / xp.linalg.norm(a)
    if kind in ("gaussian", "uniform", "laplacian"):
        return sigma * standard_draw(kind, m, int(mapping.seed), dim), _equal(m)
    if kind == "uniform_log":
        signs, u = standard_draw(kind, m, int(mapping.seed), dim)
        return signs * xp.power(sigma, u), _equal(m)
    if kind in GRID_KINDS:
        raise InputError(f"mapping {kind!r} is a grid encoding and has no frequencies")
    raise InputError(f"mapping {kind!r} has no finite frequency matrix")


def count(mapping: Mapping, dim: int) -> int:
    """The number m of frequency rows `frequencies` makes (without making them): gamma(x) has 2m features."""
    m = int(mapping.features)
    lattice_rows = m if dim == 1 else ((2 * m + 1) ** dim - 1) // 2
    counts = {"basic": dim, "positional": m * dim, "power": lattice_rows, "amplitudes": lattice_rows}
    return counts.get(mapping.kind, m)


def width(mapping: Mapping, dim: int) -> int:
    """d_in, the length of gamma(x) (``dim`` for ``none``; levels x features for grid encodings); not for
    ``gaussian_inf``."""
    if mapping.kind == "none":
        return dim
    return grids.width(mapping) if mapping.kind in GRID_KINDS else 2 * count(mapping, dim)


def is_fourier(mapping: Mapping) -> bool:
    """True for Fourier-feature mappings (gaussian_inf included), whose input covariance is stationary."""
    return mapping.kind not in ("none",) + GRID_KINDS


def is_periodic(mapping: Mapping, dim: int) -> bool:
    """True when C(x, x') is a function of (x - x') mod 1, i.e. exactly periodic on the unit grid."""
    if not is_fourier(mapping) or mapping.kind == "gaussian_inf":
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


@numpy_only("nf.model.mappings.features(mapping, x, jax.numpy)")
def encode(mapping: Mapping, x: np.ndarray) -> np.ndarray:
    """gamma(x): points ``(n, d)`` -> features ``(n, d_in)`` (``d_in = 2m``; ``d`` for ``none``)."""
    x = _check_points(x)
    if mapping.kind == "none":
        return x
    if mapping.kind == "gaussian_inf":
        raise InputError("mapping 'gaussian_inf' has infinitely many features; use a kernel, or 'gaussian'")
    if mapping.kind in GRID_KINDS:
        grids.check(mapping, x, x.shape[1])
        memory.require(8.0 * len(x) * (grids.width(mapping) + 2 ** x.shape[1]) * 4,
                       f"the {mapping.kind} encoding of {len(x):,} points", "use fewer points")
        return grids.encode(mapping, x)
    m = count(mapping, x.shape[1])
    memory.require(8.0 * len(x) * m * 5, f"the Fourier features gamma(x) of {len(x):,} points x {2 * m:,} features",
                   "use fewer --features or fewer points")
    return features(mapping, x)


def features(mapping: Mapping, x, xp=np):
    """gamma(x) for a finite mapping (not ``none``, not ``gaussian_inf``), unchecked: ``(n, 2m)`` in the dtype of
    ``x``; with ``xp = jax.numpy`` a traceable function of the points and of the mapping's leaves. Grid encodings:
    e(x) (`grids.encode`)."""
    if mapping.kind in GRID_KINDS:
        return grids.encode(mapping, x, xp)
    B, a = frequencies(mapping, x.shape[1], xp)
    phase = (2.0 * np.pi) * (x @ xp.asarray(B, dtype=x.dtype).T)  # (n, m)
    scale = float(np.sqrt(2.0 * count(mapping, x.shape[1]))) * xp.asarray(a, dtype=x.dtype)  # a weak type
    return xp.concatenate([scale * xp.cos(phase), scale * xp.sin(phase)], axis=1)


@numpy_only("nf.kernel_fn")
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
