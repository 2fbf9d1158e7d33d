"""The covariance that enters the MLP's first Dense layer: the part of the kernel that depends on the input mapping.

For finite mappings it is C(x, x') = gamma(x).gamma(x') / d_in and cov(x) = |gamma(x)|^2 / d_in (exactly 1 for
Fourier mappings); for ``gaussian_inf`` the closed form exp(-2 pi^2 sigma^2 |x - x'|^2); for ``init = "siren"`` the
post-activation kernels of SIREN's uniform first layer (`ntk_fourier.model.siren`). Entries of identical points are
set to cov exactly: ReLU-type kernels take the arccos of the correlation, which turns a rounding error of 1e-16 at
correlation 1 into 1e-8, and would break the exact circulant structure on grids. With raw inputs (mapping ``none``)
cov is not exact, so ReLU NTK diagonals are accurate to ~1e-8 relative.

Grid encodings (`ntk_fourier.model.grids`) are features whose tables are trained too, so they also give the MLP an
input NTK: the NTK of f(e(x)) in all parameters is the layer recursion started from Sigma_0 = e(x).e(x') / d_in and
Theta_0 = (F / d_in) sum_l S_l(x, x') (`table_ntk`; docs/conventions.md, "Grid encodings"). This is the kernel
conditional on the tables' draw; `ntk_fourier.core.tables` gives its expectation over draws.

Every function takes ``xp``: ``numpy`` (the neural-tangents reference) or ``jax.numpy`` (the pure core: traceable in
the points and the model's leaves). With ``jax.numpy`` the entries of identical points keep the derivative of the
unpatched covariance (`identical_exact`), so partial derivatives at coincident points stay right.
"""
from __future__ import annotations

import functools

import numpy as np

from ntk_fourier.model import GRID_KINDS, Model, grids, mappings, siren


def identical_exact(nngp, cov1, x1, x2, xp=np, raw=None):
    """``nngp`` with the entries of identical points (equal rows of x1 and x2) replaced by ``cov1`` exactly. With
    ``jax.numpy`` the result's derivative is that of ``raw`` (default ``nngp``): the covariance before any clipping or
    patching, whose derivative is the true one also where the value was patched."""
    same = xp.all(x1[:, None, :] == x2[None, :, :], axis=-1)  # (n1, n2)
    value = xp.where(same, cov1[:, None], nngp)
    return value if xp is np else identical_value(nngp if raw is None else raw, value)


def identical_value(raw, value):
    """``value`` (``raw`` with some entries set exactly), differentiated as ``raw`` (a custom JVP)."""
    return _derivative_of()(raw, value)



@functools.lru_cache(maxsize=1)
def _derivative_of():
    import jax
    fn = jax.custom_jvp(lambda raw, value: value)
    fn.defjvp(lambda primals, tangents: (primals[1], tangents[0]))
    return fn


def feature_covariance(g1, g2, x1, x2, unit: bool, xp=np):
    """(nngp (n1, n2), cov1 (n1,), cov2 (n2,)) of finite features g = gamma(x): g1.g2 / d_in, identical points
    exact. ``unit``: Fourier features, whose cov is exactly 1 (nngp clipped to [-1, 1])."""
    width = g1.shape[1]
    raw = g1 @ g2.T / width
    if unit:  # |gamma(x)|^2 / d_in = sum_j a_j^2 = 1 exactly; rounding would be amplified (module docstring)
        nngp, cov1, cov2 = xp.clip(raw, -1.0, 1.0), xp.ones(len(x1), g1.dtype), xp.ones(len(x2), g1.dtype)
    else:
        nngp, cov1, cov2 = raw, xp.sum(g1 * g1, 1) / width, xp.sum(g2 * g2, 1) / width
    return identical_exact(nngp, cov1, x1, x2, xp, raw), cov1, cov2


def has_features(model: Model) -> bool:
    """True when the input covariance comes from a finite feature vector gamma(x) (not SIREN, not gaussian_inf)."""
    return model.init != "siren" and model.mapping.kind != "gaussian_inf"


def features(model: Model, x, xp=np):
    """gamma(x) ``(n, d_in)`` where the model's input covariance comes from finite features, else None. NumPy:
    checked (`mappings.encode`); ``jax.numpy``: traceable (`mappings.features`)."""
    if not has_features(model) or model.mapping.kind == "none":
        return x if has_features(model) else None
    return mappings.encode(model.mapping, x) if xp is np else mappings.features(model.mapping, x, xp)


def fan_in(model: Model, dim: int) -> int:
    """Width of the input to the first Dense layer after the mapping (SIREN: the first layer's width)."""
    if model.init == "siren":
        return model.width
    if model.mapping.kind == "gaussian_inf":
        return 1
    return mappings.width(model.mapping, dim)


def from_points(model: Model, x1, x2, g1=None, g2=None, xp=np):
    """(nngp (n1, n2), ntk (n1, n2), cov1 (n1,), cov2 (n2,)) entering the layers after the input (after SIREN's first
    layer for SIREN). ``g1``, ``g2``: gamma(x) for finite mappings (computed here with NumPy when not given)."""
    if model.init == "siren":
        nngp, ntk = siren.first_layer_kernels(x1, x2, model.omega0, model.parameterization, xp=xp)
        cov1 = siren.first_layer_variance(x1, model.omega0, xp=xp)
        cov2 = siren.first_layer_variance(x2, model.omega0, xp=xp)
        return identical_exact(nngp, cov1, x1, x2, xp), ntk, cov1, cov2
    if model.mapping.kind == "gaussian_inf":
        sq = xp.sum((x1[:, None, :] - x2[None, :, :]) ** 2, axis=-1)  # |x1 - x2|^2, (n1, n2)
        nngp = xp.exp(-2.0 * np.pi**2 * model.mapping.sigma ** 2 * sq)
        cov1, cov2 = xp.ones(len(x1), nngp.dtype), xp.ones(len(x2), nngp.dtype)
        return identical_exact(nngp, cov1, x1, x2, xp), xp.zeros_like(nngp), cov1, cov2
    if model.mapping.kind == "none":
        g1, g2 = x1, x2
    elif g1 is None:
        g1, g2 = features(model, x1, xp), features(model, x2, xp)
    nngp, cov1, cov2 = feature_covariance(g1, g2, x1, x2, unit=mappings.is_fourier(model.mapping), xp=xp)
    if model.mapping.kind in GRID_KINDS:  # the tables are trained: their gradients' kernel (module docstring)
        return nngp, table_ntk(model.mapping, x1, x2, xp), cov1, cov2
    return nngp, xp.zeros_like(nngp), cov1, cov2


def table_ntk(mapping, x1, x2, xp=np):
    """Theta_0(x, x') = (F / d_in) sum_l S_l(x, x'): the NTK of one coordinate of a grid encoding in its tables,
    averaged over coordinates (F features per level, d_in = levels x F, S_l the level's spread)."""
    return xp.sum(grids.overlap(mapping, x1, x2, xp=xp), axis=0) / mapping.levels
