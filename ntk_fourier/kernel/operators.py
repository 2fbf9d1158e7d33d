"""A model's kernel on arbitrary points (Gram matrix or test-by-train) as a matrix-free operator, tile by tile.

``K @ V`` for n points never holds K: it computes ``tile x tile`` blocks of K with the pure JAX kernel (`ntk_fourier.core`),
multiplies each by the matching rows of V on the JAX device (CPU or GPU) and drops it. Each tile above the diagonal
is computed once and used twice (K is symmetric), so one product costs n (n + tile) / 2 kernel entries and
2 n^2 b multiply-adds for V of shape (n, b). Memory: a few float64 tiles (tile 4096: 134 MB each) plus V and the
result, so 65,536 points with b = 128 need well under 1 GB besides the caller's vectors.
"""
from __future__ import annotations

import functools
import time

import numpy as np

from ntk_fourier.core import covariance
from ntk_fourier.core.kernel import kernels_of
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.model import Model, mappings
from ntk_fourier.precision import float64
from ntk_fourier.progress import progress

KERNELS = ("ntk", "nngp")
TILE = 4096  # default tile side of the products (`Execution.tile` None)


@functools.lru_cache(maxsize=4)
def _tile_products(which: str, one_sided: bool):
    """jitted (model, x_a, x_b, gamma(x_a), gamma(x_b), v_rows, v_cols) -> (K_ab @ v_cols, K_ab^T @ v_rows or None
    when ``one_sided``), the tile K_ab computed by the pure core (`core.kernel.kernels_of`) and dropped."""
    import jax
    pick = KERNELS.index(which)

    def products(model, x1, x2, g1, g2, v_rows, v_cols):
        K = kernels_of(model, x1, x2, g1, g2)[pick]
        return (K @ v_cols, None) if one_sided else (K @ v_cols, K.T @ v_rows)

    return jax.jit(products)


class KernelOperator:
    """K(x1, x2) (NTK or NNGP of ``model``) on points ``x1`` ``(n1, d)`` and ``x2`` ``(n2, d)`` (default ``x1``):
    ``op @ V`` for V ``(n2,)`` or ``(n2, b)`` gives ``(n1,)`` or ``(n1, b)``.

    With ``x2`` omitted the operator is symmetric and each off-diagonal tile is computed once and used twice.
    ``execution``: the engine, the tile side (default `TILE`), progress bars, and the mesh (`devices.mesh`) whose
    devices the tiles are spread over, one SPMD program per product (`sharded`).
    Attributes: ``shape``, ``passes`` (products computed so far), ``seconds`` (time spent in them).
    """

    def __init__(self, model: Model, x1: np.ndarray, which: str = "ntk", *, x2: np.ndarray | None = None,
                 execution: Execution = DEFAULT):
        if which not in KERNELS:
            raise InputError(f"unknown kernel {which!r}; choose ntk or nngp")
        self.execution = execution
        self.model, self.which, self.tile = model, which, execution.tile or TILE
        self.symmetric = x2 is None
        self.x1 = mappings._check_points(x1, "x1")
        self.x2 = self.x1 if self.symmetric else mappings._check_points(x2, "x2")
        if self.x1.shape[1] != self.x2.shape[1]:
            raise InputError(f"x1 and x2 have different numbers of coordinates ({self.x1.shape[1]} vs "
                             f"{self.x2.shape[1]})")
        self.shape = (len(self.x1), len(self.x2))
        self.passes, self.seconds = 0, 0.0
        self.g1 = covariance.features(model, self.x1)
        self.g2 = self.g1 if self.symmetric else covariance.features(model, self.x2)
        self.sharded = None
        if execution.spread:
            from ntk_fourier.kernel import sharded
            self.sharded = sharded.Product(model, execution.mesh, KERNELS.index(which), self.x1, self.g1,
                                           None if self.symmetric else self.x2, self.g2, self.tile)

    def _products(self, a: slice, b: slice, one_sided: bool, v_rows: np.ndarray, v_cols: np.ndarray):
        """(K_ab @ v_cols, K_ab^T @ v_rows or None) for one tile, with the operator's engine."""
        if self.execution.engine == "neural-tangents":  # the reference: NumPy products of neural-tangents tiles
            from ntk_fourier.kernel import reference
            K = reference.block(self.model, self.x1[a], self.x2[b])[KERNELS.index(self.which)]
            return K @ v_cols, None if one_sided else K.T @ v_rows
        part = (lambda g, s: None if g is None else g[s])  # noqa: E731
        products = _tile_products(self.which, one_sided)
        return products(self.model, self.x1[a], self.x2[b], part(self.g1, a), part(self.g2, b), v_rows, v_cols)

    def __matmul__(self, V: np.ndarray) -> np.ndarray:
        V = np.asarray(V, dtype=np.float64)
        vector = V.ndim == 1
        V = V[:, None] if vector else V
        if V.ndim != 2 or len(V) != self.shape[1]:
            raise InputError(f"the operator has {self.shape[1]} columns; got a right-hand side of shape {V.shape}")
        start = time.perf_counter()
        if self.sharded is not None:  # one SPMD program over the mesh per product
            out = self.sharded(V)
            self.passes += 1
            self.seconds += time.perf_counter() - start
            return out[:, 0] if vector else out
        out = np.zeros((self.shape[0], V.shape[1]))
        rows, cols = range(0, self.shape[0], self.tile), range(0, self.shape[1], self.tile)
        pairs = [(i, j) for i in rows for j in cols if not (self.symmetric and j < i)]
        with float64():
            for i, j in progress(pairs, f"{self.which} tiles", enabled=self.execution.progress and len(pairs) > 1):
                a, b = slice(i, i + self.tile), slice(j, j + self.tile)
                one_sided = not self.symmetric or i == j
                v_rows = V[b] if one_sided else V[a]  # unused when one-sided
                to_a, to_b = self._products(a, b, one_sided, v_rows, V[b])
                out[a] += np.asarray(to_a)
                if to_b is not None:
                    out[b] += np.asarray(to_b)
        self.passes += 1
        self.seconds += time.perf_counter() - start
        return out[:, 0] if vector else out
