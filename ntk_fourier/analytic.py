"""Infinite-width NTK and NNGP of a model, with neural-tangents (Jacot et al. 2018; Novak et al. 2020), float64.

The MLP's layers are neural-tangents ``stax`` layers. Their input enters as a covariance: a `neural_tangents.Kernel`
whose entries are set to the covariance of the mapped inputs, gamma(x1).gamma(x2) / d_in (what ``stax`` computes
from gamma(x) itself, up to rounding; `input_kernels`), or to a closed form where there is no finite feature vector:
- ``gaussian_inf``: exp(-2 pi^2 sigma^2 |x - x'|^2) (`mappings.input_covariance`);
- ``init = "siren"``: SIREN's uniform first layer, post-activation (`siren.first_layer_kernels`).

The readout has one output; the kernel of a model with k outputs is this kernel times the k x k identity.
Kernels are computed in blocks of ``block`` x ``block`` points, so 8192 points need ~1 GB (two float64 matrices).
neural-tangents is imported only here, on first use; importing it enables jax float64 (``jax_enable_x64``).
"""
from __future__ import annotations

import functools
import os
import sys
import warnings
from typing import NamedTuple

import numpy as np

from ntk_fourier import mappings, siren
from ntk_fourier.errors import InputError
from ntk_fourier.model import Model
from ntk_fourier.progress import progress


class Kernels(NamedTuple):
    """``ntk`` and ``nngp``: float64 arrays of shape ``(n1, n2)``."""

    ntk: np.ndarray
    nngp: np.ndarray


def _quiet_import():
    """Import neural-tangents with C-level stderr silenced: it imports tensorflow, whose logging ignores
    TF_CPP_MIN_LOG_LEVEL for its first messages. Python exceptions still propagate."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "neural_tangents" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import neural_tangents  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _stax():
    try:
        _quiet_import()
        import jax
        from neural_tangents import stax
    except ImportError as err:  # e.g. a GPU machine whose JAX is newer than neural-tangents supports
        raise InputError(f"the kernel view needs neural-tangents, which cannot be imported here ({err}); "
                         "install the pinned environment (see README)") from None
    jax.config.update("jax_enable_x64", True)
    if not fma_free():
        warnings.warn("XLA fuses multiply-adds on this CPU, so ReLU kernels at correlation +-1 are accurate to ~1e-8 "
                      "only; import ntk_fourier before JAX starts to avoid it", RuntimeWarning, stacklevel=3)
    return stax


@functools.lru_cache(maxsize=1)
def fma_free() -> bool:
    """True when jitted ``c*c - n*n`` with ``n == c`` is exactly 0 (no fused multiply-add contraction)."""
    import jax
    c = np.linspace(0.5, 1.5, 7)
    return bool(np.all(np.asarray(jax.jit(lambda c, n: c * c - n * n)(c, c.copy())) == 0.0))


@functools.lru_cache(maxsize=32)
def stax_kernel_fn(model: Model):
    """neural-tangents' ``kernel_fn`` of the model's layers after the input (after SIREN's first layer for SIREN).

    Applied to gamma(x) it gives the model's kernels; `kernels` feeds it the input covariance instead (same result,
    with identical points kept exactly correlated).
    """
    stax = _stax()
    activation = {"relu": stax.Relu, "erf": stax.Erf, "gelu": stax.Gelu,
                  "sin": functools.partial(stax.Sin, b=model.omega0)}[model.activation]
    b_std = model.b_std if model.b_std > 0 else None

    def dense(n):
        return stax.Dense(n, W_std=model.w_std, b_std=b_std, parameterization=model.parameterization)

    layers = []
    for layer in range(model.depth):
        if layer == 0 and model.init == "siren":
            continue  # the injected kernel is SIREN's first layer, post-activation
        layers += [dense(model.width), activation()]
    layers.append(dense(1))
    return stax.serial(*layers)[2]


@functools.lru_cache(maxsize=32)
def _jitted(model: Model):
    import jax
    kernel_fn, identity = stax_kernel_fn(model), _stax().Identity()[2]

    def from_covariance(nngp, ntk, cov1, cov2, dummy1, dummy2):
        # The Identity kernel carries the shapes (dummy feature width = the injected layer's width, which the
        # standard parameterization's NTK uses); its entries are replaced by the given covariances.
        k = identity(dummy1, dummy2).replace(nngp=nngp, ntk=ntk, cov1=cov1, cov2=cov2, is_input=False)
        return tuple(kernel_fn(k, get=("ntk", "nngp")))

    return jax.jit(from_covariance)


def input_kernels(model: Model, x1: np.ndarray, x2: np.ndarray):
    """Covariance entering the stax layers: (nngp (n1, n2), ntk (n1, n2), cov1 (n1,), cov2 (n2,), feature width).

    For finite mappings nngp = gamma(x1).gamma(x2) / d_in and cov = |gamma(x)|^2 / d_in (exactly 1 for Fourier
    mappings), with the entries of identical points set to cov exactly: ReLU-type kernels take the arccos of the
    correlation, which turns a rounding error of 1e-16 at correlation 1 into 1e-8 (XLA's fused multiply-add in
    cov1 * cov2 - nngp^2 does so unless both are exact), and would break the exact circulant structure on grids.
    With raw inputs (mapping ``none``) cov is not exact, so ReLU NTK diagonals are accurate to ~1e-8 relative.
    """
    if model.init == "siren":
        nngp, ntk = siren.first_layer_kernels(x1, x2, model.omega0, model.parameterization)
        cov1 = siren.first_layer_variance(x1, model.omega0)
        cov2 = siren.first_layer_variance(x2, model.omega0)
        width = model.width
    elif model.mapping.kind == "gaussian_inf":
        nngp = mappings.input_covariance(model.mapping, x1, x2)
        cov1, cov2, width = np.ones(len(x1)), np.ones(len(x2)), 1
    else:
        g1, g2 = mappings.encode(model.mapping, x1), mappings.encode(model.mapping, x2)
        nngp, cov1, cov2 = feature_covariance(g1, g2, x1, x2, unit=model.mapping.kind != "none")
        return nngp, np.zeros_like(nngp), cov1, cov2, g1.shape[1]
    nngp = _identical_exact(nngp, cov1, x1, x2, np)
    if model.init != "siren":
        ntk = np.zeros_like(nngp)
    return nngp, ntk, cov1, cov2, width


def _identical_exact(nngp, cov1, x1, x2, xp):
    same = xp.all(x1[:, None, :] == x2[None, :, :], axis=-1)  # (n1, n2) identical points
    return xp.where(same, cov1[:, None], nngp)


def feature_covariance(g1, g2, x1, x2, unit: bool, xp=np):
    """(nngp (n1, n2), cov1 (n1,), cov2 (n2,)) of finite features g = gamma(x): g1.g2 / d_in, with the entries of
    identical points x set to cov exactly. ``unit``: Fourier features, whose cov is exactly 1 (nngp clipped to
    [-1, 1]). ``xp``: ``numpy`` or ``jax.numpy`` (then jit-able)."""
    width = g1.shape[1]
    nngp = g1 @ g2.T / width
    if unit:  # |gamma(x)|^2 / d_in = sum_j a_j^2 = 1 exactly; rounding would be amplified (see input_kernels)
        nngp, cov1, cov2 = xp.clip(nngp, -1.0, 1.0), xp.ones(len(x1)), xp.ones(len(x2))
    else:
        cov1, cov2 = xp.sum(g1 * g1, 1) / width, xp.sum(g2 * g2, 1) / width
    return _identical_exact(nngp, cov1, x1, x2, xp), cov1, cov2


def _block(model: Model, x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    nngp, ntk, cov1, cov2, width = input_kernels(model, x1, x2)
    out = _jitted(model)(nngp, ntk, cov1, cov2, np.zeros((len(x1), width)), np.zeros((len(x2), width)))
    ntk, nngp = (np.asarray(a, dtype=np.float64).reshape(len(x1), len(x2)) for a in out)
    return ntk, nngp


def kernels(model: Model, x1: np.ndarray, x2: np.ndarray | None = None, *, block: int = 1024,
            show_progress: bool = True) -> Kernels:
    """Analytic NTK and NNGP between point sets ``x1`` ``(n1, d)`` and ``x2`` ``(n2, d)`` (``None``: ``x1``).

    Equivalent to ``neural_tangents.stax.serial(...)[2](gamma(x1), gamma(x2), ('ntk', 'nngp'))`` for the model's
    layers, evaluated block by block (symmetric blocks computed once when ``x2`` is None).
    """
    x1 = mappings._check_points(x1, "x1")
    symmetric = x2 is None
    x2 = x1 if symmetric else mappings._check_points(x2, "x2")
    if x1.shape[1] != x2.shape[1]:
        raise InputError(f"x1 and x2 have different numbers of coordinates ({x1.shape[1]} vs {x2.shape[1]})")
    _stax()
    n1, n2 = len(x1), len(x2)
    ntk, nngp = np.empty((n1, n2)), np.empty((n1, n2))
    starts1, starts2 = range(0, n1, block), range(0, n2, block)
    pairs = [(i, j) for i in starts1 for j in starts2 if not (symmetric and j < i)]
    for i, j in progress(pairs, "kernel blocks", enabled=show_progress and len(pairs) > 1):
        a, b = slice(i, i + block), slice(j, j + block)
        ntk[a, b], nngp[a, b] = _block(model, x1[a], x2[b])
        if symmetric and j > i:
            ntk[b, a], nngp[b, a] = ntk[a, b].T, nngp[a, b].T
    return Kernels(ntk=ntk, nngp=nngp)


def kernel_diagonal(model: Model, x: np.ndarray, *, block: int = 256) -> Kernels:
    """Diagonals k(x_i, x_i) of the NTK and NNGP: two arrays of shape ``(n,)``, computed in diagonal blocks."""
    x = mappings._check_points(x)
    _stax()
    parts = [_block(model, x[i:i + block], x[i:i + block]) for i in range(0, len(x), block)]
    return Kernels(ntk=np.concatenate([np.diag(p[0]) for p in parts]),
                   nngp=np.concatenate([np.diag(p[1]) for p in parts]))
