"""The model's infinite-width NTK and NNGP as a pure JAX function of the points (and of the model's leaves).

``kernel_fn(model)(x1, x2=None)`` is traceable by ``jax.jit``, ``jax.vmap`` and ``jax.grad`` / ``jacfwd`` /
``hessian``, in the inputs' dtype (float32 or float64: enable JAX's 64-bit mode for float64). The model is a pytree
(`ntk_fourier.model.value`), so the same function differentiates in every numeric hyperparameter:
``jax.grad(lambda m: kernel_fn(m)(x).ntk.sum())(model)`` is a model of gradients. The NumPy conveniences
(`ntk_fourier.kernels` and the rest) call `kernels_of` compiled once per model structure and tile size.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

from ntk_fourier.core import covariance, layers
from ntk_fourier.errors import InputError
from ntk_fourier.model import Model
from ntk_fourier.model.mappings import MAX_DIM


class Kernels(NamedTuple):
    """``ntk`` and ``nngp``, each of shape ``(n1, n2)``."""

    ntk: object
    nngp: object


def points(x):
    """``x`` as a floating JAX array of shape ``(n, d)`` (a vector is n points in 1D); static checks only."""
    import jax.numpy as jnp
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or not 1 <= x.shape[1] <= MAX_DIM:
        raise InputError(f"points must have shape (n, d) with d in 1..{MAX_DIM}, got {x.shape}")
    return x


def kernels_of(model: Model, x1, x2, g1=None, g2=None) -> Kernels:
    """NTK and NNGP ``(n1, n2)`` between point arrays ``(n1, d)`` and ``(n2, d)``; ``g1``, ``g2``: the mapped points
    gamma(x), when already computed (else computed here). Pure: traceable in every argument's numbers."""
    import jax.numpy as jnp
    nngp, ntk, c1, c2 = covariance.from_points(model, x1, x2, g1, g2, xp=jnp)
    same = jnp.all(x1[:, None, :] == x2[None, :, :], axis=-1)
    ntk, nngp = layers.layers(model, nngp, ntk, c1, c2, covariance.fan_in(model, x1.shape[1]), same)
    return Kernels(ntk=ntk, nngp=nngp)


def kernel_fn(model: Model):
    """A pure JAX function ``f(x1, x2=None) -> Kernels(ntk, nngp)`` of the model's kernels between points
    ``x1 (n1, d)`` and ``x2 (n2, d)`` (``None``: ``x1``), in the points' dtype. Works under ``jax.jit``,
    ``jax.vmap`` and ``jax.grad`` (in the points and, through ``model``, in every hyperparameter).

    >>> f = jax.jit(nf.kernel_fn(model))
    >>> f(x).ntk                                   # (n, n)
    >>> jax.grad(lambda s: nf.kernel_fn(model.replace(mapping=model.mapping.replace(sigma=s)))(x).ntk.sum())(10.0)
    """
    def fn(x1, x2=None) -> Kernels:
        x1 = points(x1)
        x2 = x1 if x2 is None else points(x2)
        if x1.shape[1] != x2.shape[1]:
            raise InputError(f"x1 and x2 have different numbers of coordinates ({x1.shape[1]} vs {x2.shape[1]})")
        return kernels_of(model, x1, x2)

    return fn


@functools.lru_cache(maxsize=1)
def compiled():
    """`kernels_of` under ``jax.jit``, the model an argument: one compilation per model structure and shapes, reused
    for every value of the hyperparameters."""
    import jax
    return jax.jit(kernels_of)
