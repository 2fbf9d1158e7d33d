"""Infinite-width NTK and NNGP of a model between point sets, dense, assembled from tiles (float64).

Two engines compute the same kernels: ``"native"`` (the default: `native`, plain JAX, any current JAX, CPU or GPU)
and ``"neural-tangents"`` (`reference`, where neural-tangents can be imported). The readout has one output; the
kernel of a model with k outputs is this kernel times the k x k identity.
"""
from __future__ import annotations

import numpy as np

from ntk_fourier import memory
from ntk_fourier.core import covariance
from ntk_fourier.core.kernel import Kernels, compiled
from ntk_fourier.errors import InputError
from ntk_fourier.model import Model, mappings
from ntk_fourier.precision import float64
from ntk_fourier.progress import progress
from ntk_fourier.traced import numpy_only

ENGINES = ("native", "neural-tangents")
BLOCK = {"native": 512, "neural-tangents": 1024}  # default tile side: the faster one for each engine (benchmarked)


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return engine


def check_mesh(mesh, engine: str) -> bool:
    """True when ``mesh`` spreads the work over several devices (`devices.spread`); the native engine only."""
    from ntk_fourier import devices
    if not devices.spread(mesh):
        return False
    if engine != "native":
        raise InputError("several devices work with the native engine only; use --devices 1 with neural-tangents")
    return True


def tile_fn(model: Model, x1: np.ndarray, x2: np.ndarray, engine: str = "native"):
    """(rows slice, columns slice) -> (ntk, nngp) of that tile of K(x1, x2), with the chosen engine. The native
    engine maps the points (gamma(x)) once, not once per tile; call it inside `precision.float64`."""
    if check_engine(engine) == "neural-tangents":
        from ntk_fourier.kernel import reference
        return lambda a, b: reference.block(model, x1[a], x2[b])
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
def kernels(model: Model, x1: np.ndarray, x2: np.ndarray | None = None, *, engine: str = "native",
            block: int | None = None, mesh=None, show_progress: bool = True) -> Kernels:
    """Analytic NTK and NNGP between point sets ``x1`` ``(n1, d)`` and ``x2`` ``(n2, d)`` (``None``: ``x1``).

    Equivalent to ``neural_tangents.stax.serial(...)[2](gamma(x1), gamma(x2), ('ntk', 'nngp'))`` for the model's
    layers. Computed in ``block x block`` tiles (default `BLOCK` of the engine) written into the two float64 results
    (symmetric tiles computed once when ``x2`` is None), so memory is the two results plus a few tiles: 16,384
    points need 4.3 GB in all. ``mesh`` (`devices.mesh`): the tiles are computed over its devices (`sharded.dense`).
    """
    symmetric = x2 is None
    x1, x2 = _pair(x1, x2)
    block = BLOCK[check_engine(engine)] if block is None else int(block)
    if block < 1:
        raise InputError(f"block must be a positive integer, got {block}")
    n1, n2 = len(x1), len(x2)
    require_dense(n1, n2, 2, "the dense NTK and NNGP")
    if check_mesh(mesh, engine):
        from ntk_fourier.kernel import sharded
        g1 = covariance.features(model, x1)
        g2 = g1 if symmetric else covariance.features(model, x2)
        with float64():
            return Kernels(*sharded.dense(model, mesh, x1, x2, g1, g2, symmetric, block,
                                          show_progress=show_progress))
    compute = tile_fn(model, x1, x2, engine)
    ntk, nngp = np.empty((n1, n2)), np.empty((n1, n2))
    starts1, starts2 = range(0, n1, block), range(0, n2, block)
    pairs = [(i, j) for i in starts1 for j in starts2 if not (symmetric and j < i)]
    with float64():
        for i, j in progress(pairs, "kernel tiles", enabled=show_progress and len(pairs) > 1):
            a, b = slice(i, i + block), slice(j, j + block)
            k_ntk, k_nngp = compute(a, b)
            ntk[a, b], nngp[a, b] = k_ntk, k_nngp
            if symmetric and j > i:
                ntk[b, a], nngp[b, a] = ntk[a, b].T, nngp[a, b].T
    return Kernels(ntk=ntk, nngp=nngp)


@numpy_only("nf.kernel_fn(model)(x)")
def kernel_diagonal(model: Model, x: np.ndarray, *, engine: str = "native", block: int = 256) -> Kernels:
    """Diagonals k(x_i, x_i) of the NTK and NNGP: two arrays of shape ``(n,)``, computed in diagonal tiles."""
    x = mappings._check_points(x)
    compute = tile_fn(model, x, x, engine)
    with float64():
        parts = [[np.asarray(k) for k in compute(s, s)] for s in (slice(i, i + block) for i in range(0, len(x), block))]
    return Kernels(ntk=np.concatenate([np.diag(p[0]) for p in parts]),
                   nngp=np.concatenate([np.diag(p[1]) for p in parts]))
