"""A model's kernel on arbitrary points (Gram matrix or test-by-train) as a matrix-free operator, tile by tile.

``K @ V`` for n points never needs all of K at once: it computes ``tile x tile`` blocks of K with the pure JAX kernel
(`ntk_fourier.core`), ``CHUNK`` rows at a time so that each layer's intermediates stay in the processor's cache, and
multiplies each block by the matching rows of V on the JAX device (CPU or GPU). Each tile above the diagonal is
computed once and used twice (K is symmetric), so one product costs n (n + tile) / 2 kernel entries and 2 n^2 b
multiply-adds for V of shape (n, b).

Kept tiles: the computed tiles are kept, as long as they fit in ``execution.cache`` bytes (default: half the memory
free when the operator is made, `memory.free`; the neural-tangents engine keeps none), and later products reuse
them: iterative methods (block Lanczos, conjugate gradients) then pay for the kernel once and for the multiply-adds
on every pass. Tiles that do not fit are computed
again on every pass; with ``cache=0`` memory is a few float64 tiles (tile 4096: 134 MB each) plus V and the result.
"""
from __future__ import annotations

import functools
import time

import numpy as np

from ntk_fourier import memory
from ntk_fourier.core import covariance
from ntk_fourier.core.kernel import kernels_of
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.model import Model, mappings
from ntk_fourier.precision import float64
from ntk_fourier.progress import progress, status

KERNELS = ("ntk", "nngp")
TILE = 4096  # default tile side of the products (`Execution.tile` None)
CHUNK = 128  # rows of a tile computed at once (a whole 4096 x 4096 tile's intermediates would not stay in cache)


@functools.lru_cache(maxsize=8)
def _tile_products(which: str, one_sided: bool, keep: bool):
    """jitted (model, x_a, x_b, gamma(x_a), gamma(x_b), v_rows, v_cols) -> (K_ab @ v_cols, K_ab^T @ v_rows or None
    when ``one_sided``, K_ab when ``keep`` else None), the tile K_ab computed by the pure core
    (`core.kernel.kernels_of`) `CHUNK` rows at a time (``lax.scan``; the last chunk padded with copies of a row)."""
    import jax
    import jax.numpy as jnp
    pick = KERNELS.index(which)

    def products(model, x1, x2, g1, g2, v_rows, v_cols):
        n1 = x1.shape[0]
        rows = min(CHUNK, n1)
        pad = -n1 % rows

        def chunks(a, fill):  # (n1, ...) -> (n1 / rows, rows, ...), padded
            if a is None:
                return None
            a = jnp.concatenate([a, fill(a[:1], (pad,) + a.shape[1:])]) if pad else a
            return a.reshape((-1, rows) + a.shape[1:])

        def step(acc, part):
            xa, ga, va = part
            K = kernels_of(model, xa, x2, ga, g2)[pick]
            return (acc if one_sided else acc + K.T @ va), (K @ v_cols, K if keep else None)

        parts = (chunks(x1, jnp.broadcast_to), chunks(g1, jnp.broadcast_to),
                 None if one_sided else chunks(v_rows, lambda a, shape: jnp.zeros(shape, a.dtype)))
        to_b, (to_a, K) = jax.lax.scan(step, jnp.zeros(() if one_sided else v_cols.shape, v_cols.dtype), parts)
        to_a = to_a.reshape(-1, v_cols.shape[1])[:n1]
        return to_a, None if one_sided else to_b, None if K is None else K.reshape(-1, x2.shape[0])[:n1]

    return jax.jit(products)


@functools.lru_cache(maxsize=2)
def _kept_products(one_sided: bool):
    """jitted (K_ab, v_rows, v_cols) -> (K_ab @ v_cols, K_ab^T @ v_rows or None when ``one_sided``)."""
    import jax
    return jax.jit(lambda K, v_rows, v_cols: (K @ v_cols, None if one_sided else K.T @ v_rows))


class KernelOperator:
    """K(x1, x2) (NTK or NNGP of ``model``) on points ``x1`` ``(n1, d)`` and ``x2`` ``(n2, d)`` (default ``x1``):
    ``op @ V`` for V ``(n2,)`` or ``(n2, b)`` gives ``(n1,)`` or ``(n1, b)``.

    With ``x2`` omitted the operator is symmetric and each off-diagonal tile is computed once and used twice.
    ``execution``: the engine, the tile side (default `TILE`), the memory for kept tiles (``cache``; module
    docstring), progress (one status line per product of several tiles), and the mesh (`devices.mesh`) whose devices
    the tiles are spread over, one SPMD program per product (`sharded`; tiles are not kept there).
    Attributes: ``shape``, ``passes`` (products computed so far), ``seconds`` (time spent in them),
    ``pass_seconds`` (each product's time), ``computed`` and ``reused`` (tiles computed and tiles reused, all
    products together), ``kept_bytes`` (memory held by kept tiles) and ``cache`` (the bytes allowed them).
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
        self.pass_seconds = []
        self.computed = self.reused = self.kept_bytes = 0
        self.cache = memory.free("device") // 2 if execution.cache is None else execution.cache
        if execution.engine == "neural-tangents":  # the reference computes every tile with NumPy, keeps none
            self.cache = 0
        self._kept = {}  # (row, column) of a tile -> the tile
        self.g1 = covariance.features(model, self.x1)
        self.g2 = self.g1 if self.symmetric else covariance.features(model, self.x2)
        self.sharded = None
        if execution.spread:
            from ntk_fourier.kernel import sharded
            self.sharded = sharded.Product(model, execution.mesh, KERNELS.index(which), self.x1, self.g1,
                                           None if self.symmetric else self.x2, self.g2, self.tile)

    def _products(self, a: slice, b: slice, one_sided: bool, v_rows: np.ndarray, v_cols: np.ndarray):
        """(K_ab @ v_cols, K_ab^T @ v_rows or None) for one tile, with the operator's engine; the tile is kept (or
        taken from those kept) while they fit in ``cache`` bytes."""
        key = (a.start, b.start)
        if key in self._kept:
            self.reused += 1
            return _kept_products(one_sided)(self._kept[key], v_rows, v_cols)
        self.computed += 1
        size = 8 * len(self.x1[a]) * len(self.x2[b])
        keep = self.kept_bytes + size <= self.cache
        if self.execution.engine == "neural-tangents":  # the reference: NumPy products of neural-tangents tiles
            from ntk_fourier.kernel import reference
            K = reference.block(self.model, self.x1[a], self.x2[b])[KERNELS.index(self.which)]
            to_a, to_b = K @ v_cols, None if one_sided else K.T @ v_rows
        else:
            part = (lambda g, s: None if g is None else g[s])  # noqa: E731
            products = _tile_products(self.which, one_sided, keep)
            to_a, to_b, K = products(self.model, self.x1[a], self.x2[b], part(self.g1, a), part(self.g2, b), v_rows,
                                     v_cols)
        if keep:
            self._kept[key] = K
            self.kept_bytes += size
        return to_a, to_b

    def __matmul__(self, V: np.ndarray) -> np.ndarray:
        V = np.asarray(V, dtype=np.float64)
        vector = V.ndim == 1
        V = V[:, None] if vector else V
        if V.ndim != 2 or len(V) != self.shape[1]:
            raise InputError(f"the operator has {self.shape[1]} columns; got a right-hand side of shape {V.shape}")
        start = time.perf_counter()
        if self.sharded is not None:  # one SPMD program over the mesh per product
            out = self.sharded(V)
            self._count(start, V.shape[1], None)
            return out[:, 0] if vector else out
        computed, reused = self.computed, self.reused
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
        self._count(start, V.shape[1], (self.computed - computed, self.reused - reused) if len(pairs) > 1 else None)
        return out[:, 0] if vector else out

    @property
    def passes(self) -> int:
        return len(self.pass_seconds)

    @property
    def seconds(self) -> float:
        return sum(self.pass_seconds)

    def _count(self, start: float, columns: int, tiles: tuple[int, int] | None) -> None:
        """Record one product of ``columns`` vectors; with progress on, say on stderr what it cost (``tiles``:
        computed and reused, or None for a product of one tile, or one over the mesh, which says nothing)."""
        seconds = time.perf_counter() - start
        self.pass_seconds.append(seconds)
        if tiles is not None:
            status(f"{self.which} kernel pass {self.passes} ({self.shape[0]} x {self.shape[1]} times {columns} "
                   f"vectors): {seconds:.1f} s, {tiles[0]} tiles computed, {tiles[1]} reused (kept: "
                   f"{memory.human(self.kept_bytes)} of {memory.human(self.cache)})", self.execution.progress)
