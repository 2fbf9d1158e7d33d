"""The kernels of many models of one structure at once (a sweep over sigma, p, w_std, ...): ``jax.vmap`` of the pure
kernel (`nf.kernel_fn`) over the stacked models (`nf.model.stack`), in one compiled call, float64, NumPy out.

For point sets small enough to hold every model's kernels at once (sweeps, figures); `nf.kernels` tiles one model's
kernel for large ones."""
from __future__ import annotations

import functools

import numpy as np

from ntk_fourier import memory
from ntk_fourier.core.kernel import Kernels, kernel_fn
from ntk_fourier.errors import InputError
from ntk_fourier.model import mappings, stack
from ntk_fourier.precision import float64
from ntk_fourier.traced import numpy_only

COPIES = 12  # float64 (models, n1, n2) arrays alive at once inside the vmapped layer recursion (a bound)


@functools.lru_cache(maxsize=1)
def _compiled():
    import jax
    return jax.jit(jax.vmap(lambda m, x1, x2: kernel_fn(m)(x1, x2), in_axes=(0, None, None)))


@numpy_only("jax.vmap(lambda m: nf.kernel_fn(m)(x1, x2))(nf.model.stack(models))")
def sweep(models, x1: np.ndarray, x2: np.ndarray | None = None) -> Kernels:
    """NTK and NNGP of every model in ``models`` (one structure) between ``x1`` ``(n1, d)`` and ``x2`` ``(n2, d)``
    (``None``: ``x1``): float64 arrays of shape ``(len(models), n1, n2)``, equal to `nf.kernels` of each model."""
    models = list(models)
    x1 = mappings._check_points(x1, "x1")
    x2 = x1 if x2 is None else mappings._check_points(x2, "x2")
    if x1.shape[1] != x2.shape[1]:
        raise InputError(f"x1 and x2 have different numbers of coordinates ({x1.shape[1]} vs {x2.shape[1]})")
    memory.require(8.0 * COPIES * len(models) * len(x1) * len(x2),
                   f"the kernels of {len(models)} models on {len(x1):,} x {len(x2):,} points at once",
                   "sweep fewer models at a time, or call nf.kernels for each")
    batch = stack(models)
    with float64():
        ntk, nngp = _compiled()(batch, x1, x2)
        return Kernels(ntk=np.asarray(ntk, dtype=np.float64), nngp=np.asarray(nngp, dtype=np.float64))
