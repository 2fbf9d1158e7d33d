"""Infinite-width NTK and NNGP of a model between point sets, dense, assembled from tiles (float64).

Two engines compute the same kernels: ``"native"`` (the default: the pure JAX core, `ntk_fourier.core`, any current
JAX, CPU or GPU) and ``"neural-tangents"`` (`reference`, where neural-tangents can be imported), chosen by
``execution.engine`` (`Execution`), the one place the routines branch on it (`tile_fn`). The readout has one output;
the kernel of a model with k outputs is this kernel times the k x k identity.
"""
from __future__ import annotations

import numpy as np

from ntk_fourier import bounds, memory
from ntk_fourier.core import covariance
from ntk_fourier.core.kernel import Kernels, compiled
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, ENGINES, Execution  # noqa: F401  (ENGINES: re-exported)
from ntk_fourier.model import Model, mappings
from ntk_fourier.precision import float64
from ntk_fourier.progress import progress
from ntk_fourier.traced import numpy_only

BLOCK = {"native": 512, "neural-tangents": 1024}  # default tile side: the faster one for each engine (benchmarked)
DIAGONAL_TILE = 256  # default tile side of `kernel_diagonal` (only each tile's diagonal is kept)


def tile_fn(model: Model, x1: np.ndarray, x2: np.ndarray, execution: Execution = DEFAULT):
    """(rows slice, columns slice) -> (ntk, nngp) of that tile of K(x1, x2), with the execution's engine. The native
    engine maps the points (gamma(x)) once, not once per tile; call it inside `precision.float64`."""
    if execution.engine == "neural-tangents":
        from ntk_fourier.kernel import reference
        return lambda a, b: reference.block(model, x1[a], x2[b])
    bounds.check_quadrature(model, x1 if x2 is x1 else np.concatenate([x1, x2]))
    g1 = covariance.features(model, x1)  # first: refuses at once features that cannot fit
    g2 = g1 if x2 is x1 else covariance.features(model, x2)
    fn = compiled()
    if g1 is None:
        return lambda a, b: fn(model, x1[a], x2[b], None, None)
    return lambda a, b: fn(model, x1[a], x2[b], g1[a], g2[b])


def require_dense(n1: int, n2: int, copies: float, what: str) -> None:
    """Refuse (one line) before allocating ``copies`` float64 arrays of shape ``(n1, n2)`` (plus a few kernel tiles)
    that do not fit in free memory."""
    memory.require(8.0 * copies * n1 * n2 + 64.0 * max(BLOCK.values()) ** 2,
                   f"{what} of {n1:,} x {n2:,} points",
                   "use fewer points, or the matrix-free routes (spectrum --top K, regress), which compute the kernel "
                   "in tiles and never store it")


def _pair(x1, x2):
    x1 = mappings._check_points(x1, "x1")
    x2 = x1 if x2 is None else mappings._check_points(x2, "x2")
    if x1.shape[1] != x2.shape[1]:
        raise InputError(f"x1 and x2 have different numbers of coordinates ({x1.shape[1]} vs {x2.shape[1]})")
    return x1, x2


@numpy_only("nf.kernel_fn(model)(x1, x2)")
def kernels(model: Model, x1: np.ndarray, x2: np.ndarray | None = None, *,
            execution: Execution = DEFAULT) -> Kernels:
    """Analytic NTK and NNGP between point sets ``x1`` ``(n1, d)`` and ``x2`` ``(n2, d)`` (``None``: ``x1``).

    Equivalent to ``neural_tangents.stax.serial(...)[2](gamma(x1), gamma(x2), ('ntk', 'nngp'))`` for the model's
    layers. Computed in ``tile x tile`` tiles (``execution.tile``, default `BLOCK` of the engine) written into the
    two float64 results (symmetric tiles computed once when ``x2`` is None), so memory is the two results plus a few
    tiles: 16,384 points need 4.3 GB in all. ``execution.mesh`` (`devices.mesh`): the tiles are computed over its
    devices (`sharded.dense`).
    """
    symmetric = x2 is None
    x1, x2 = _pair(x1, x2)
    tile = execution.tile or BLOCK[execution.engine]
    n1, n2 = len(x1), len(x2)
    require_dense(n1, n2, 2, "the dense NTK and NNGP")
    if execution.spread:
        from ntk_fourier.kernel import sharded
        g1 = covariance.features(model, x1)
        g2 = g1 if symmetric else covariance.features(model, x2)
        with float64():
            return Kernels(*sharded.dense(model, execution.mesh, x1, x2, g1, g2, symmetric, tile,
                                          show_progress=execution.progress))
    compute = tile_fn(model, x1, x2, execution)
    ntk, nngp = np.empty((n1, n2)), np.empty((n1, n2))
    starts1, starts2 = range(0, n1, tile), range(0, n2, tile)
    pairs = [(i, j) for i in starts1 for j in starts2 if not (symmetric and j < i)]
    with float64():
        for i, j in progress(pairs, "kernel tiles", enabled=execution.progress and len(pairs) > 1):
            a, b = slice(i, i + tile), slice(j, j + tile)
            k_ntk, k_nngp = compute(a, b)
            ntk[a, b], nngp[a, b] = k_ntk, k_nngp
            if symmetric and j > i:
                ntk[b, a], nngp[b, a] = ntk[a, b].T, nngp[a, b].T
    return Kernels(ntk=ntk, nngp=nngp)


@numpy_only("nf.kernel_fn(model)(x)")
def kernel_diagonal(model: Model, x: np.ndarray, *, execution: Execution = DEFAULT) -> Kernels:
    """Diagonals k(x_i, x_i) of the NTK and NNGP: two arrays of shape ``(n,)``, computed in diagonal tiles
    (``execution.tile``, default `DIAGONAL_TILE`)."""
    x = mappings._check_points(x)
    tile = execution.tile or DIAGONAL_TILE
    compute = tile_fn(model, x, x, execution)
    with float64():
        parts = [[np.asarray(k) for k in compute(s, s)] for s in (slice(i, i + tile) for i in range(0, len(x), tile))]
    return Kernels(ntk=np.concatenate([np.diag(p[0]) for p in parts]),
                   nngp=np.concatenate([np.diag(p[1]) for p in parts]))
