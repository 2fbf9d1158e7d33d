"""The Gram matrix of a model's kernel on arbitrary points as a matrix-free operator, computed tile by tile.

``K @ V`` for n points never holds K: it computes ``tile x tile`` blocks of K with the plain-JAX kernel (`native`),
multiplies each by the matching rows of V on the JAX device (CPU or GPU) and drops it. Each tile above the diagonal
is computed once and used twice (K is symmetric), so one product costs n (n + tile) / 2 kernel entries and
2 n^2 b multiply-adds for V of shape (n, b). Memory: a few float64 tiles (tile 4096: 134 MB each) plus V and the
result, so 65,536 points with b = 128 need well under 1 GB besides the caller's vectors.
"""
from __future__ import annotations

import functools
import time

import numpy as np

from ntk_fourier import mappings, native
from ntk_fourier.analytic import feature_covariance, input_kernels
from ntk_fourier.errors import InputError
from ntk_fourier.model import Model
from ntk_fourier.progress import progress

KERNELS = ("ntk", "nngp")


def _finite(model: Model) -> bool:
    """True when the model's input covariance comes from finite features gamma(x) (computed once, then on device)."""
    return model.init != "siren" and model.mapping.kind != "gaussian_inf"


@functools.lru_cache(maxsize=16)
def _tile_products(model: Model, which: str, diagonal: bool):
    """jitted (inputs of the two point blocks..., v_rows, v_cols) -> (K_ab @ v_cols, K_ab^T @ v_rows or None).

    Inputs: (x_a, x_b, gamma(x_a), gamma(x_b)) for finite features, else `analytic.input_kernels`' covariances."""
    import jax
    import jax.numpy as jnp
    recursion, pick = native.recursion(model), KERNELS.index(which)

    def tile(*inputs):
        if _finite(model):
            x1, x2, g1, g2 = inputs
            nngp, c1, c2 = feature_covariance(g1, g2, x1, x2, unit=model.mapping.kind != "none", xp=jnp)
            return recursion(nngp, jnp.zeros_like(nngp), c1, c2, g1.shape[1])[pick]
        nngp, ntk, c1, c2, fan_in = inputs
        return recursion(nngp, ntk, c1, c2, fan_in)[pick]

    def products(*args):
        *inputs, v_rows, v_cols = args
        K = tile(*inputs)
        return (K @ v_cols, None) if diagonal else (K @ v_cols, K.T @ v_rows)

    return jax.jit(products, static_argnums=() if _finite(model) else (4,))


class KernelOperator:
    """K(x, x) (NTK or NNGP of ``model``) on points ``x`` ``(n, d)``: ``op @ V`` for V ``(n,)`` or ``(n, b)``.

    Attributes: ``n``, ``passes`` (products computed so far), ``seconds`` (time spent in them).
    """

    def __init__(self, model: Model, x: np.ndarray, which: str = "ntk", *, tile: int = 4096,
                 show_progress: bool = True):
        if which not in KERNELS:
            raise InputError(f"unknown kernel {which!r}; choose ntk or nngp")
        if int(tile) != tile or tile < 1:
            raise InputError(f"tile must be a positive integer, got {tile}")
        native.check(model)
        self.model, self.x, self.which, self.tile = model, mappings._check_points(x), which, int(tile)
        self.n = len(self.x)
        self.shape = (self.n, self.n)
        self.show_progress = show_progress
        self.passes, self.seconds = 0, 0.0
        self.features = mappings.encode(model.mapping, self.x) if _finite(model) else None

    def _tiles(self):
        starts = range(0, self.n, self.tile)
        return [(i, j) for i in starts for j in starts if j >= i]

    def __matmul__(self, V: np.ndarray) -> np.ndarray:
        V = np.asarray(V, dtype=np.float64)
        vector = V.ndim == 1
        V = V[:, None] if vector else V
        if V.ndim != 2 or len(V) != self.n:
            raise InputError(f"the operator has {self.n} rows; got a right-hand side of shape {V.shape}")
        start = time.perf_counter()
        out = np.zeros_like(V)
        pairs = self._tiles()
        for i, j in progress(pairs, f"{self.which} tiles", enabled=self.show_progress and len(pairs) > 1):
            a, b = slice(i, i + self.tile), slice(j, j + self.tile)
            if self.features is not None:
                inputs = (self.x[a], self.x[b], self.features[a], self.features[b])
            else:
                nngp, ntk, c1, c2, width = input_kernels(self.model, self.x[a], self.x[b])
                inputs = (nngp, ntk, c1, c2, int(width))
            to_a, to_b = _tile_products(self.model, self.which, i == j)(*inputs, V[a], V[b])
            out[a] += np.asarray(to_a)
            if to_b is not None:
                out[b] += np.asarray(to_b)
        self.passes += 1
        self.seconds += time.perf_counter() - start
        return out[:, 0] if vector else out

    def dense(self) -> np.ndarray:
        """The whole matrix ``(n, n)`` (for checks on small n)."""
        return self @ np.eye(self.n)
