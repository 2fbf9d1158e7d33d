"""SIREN's first layer at infinite width, in closed form (Sitzmann et al. 2020, arXiv:2006.09661).

SIREN's first layer is u = omega0 (w.x + c) with w_i ~ U(-1/d, 1/d) and c ~ U(-1/sqrt(d), 1/sqrt(d)), followed by
sin(u): a random Fourier feature mapping with uniform frequencies and random phases, not a Gaussian layer. For
uniform w, E[exp(i omega0 w.s)] = prod_i sinc(omega0 s_i / d) with sinc(z) = sin(z) / z, so

    E[sin u sin u'] = 1/2 S(x - x') - 1/2 S(x + x') sinc(2 omega0 / sqrt(d))
    E[cos u cos u'] = 1/2 S(x - x') + 1/2 S(x + x') sinc(2 omega0 / sqrt(d)),   S(s) = prod_i sinc(omega0 s_i / d).

The first layer's tangent kernel is E[cos u cos u'] * omega0^2 (x.x' / (3 d^2) + 1 / (3 d)) in the ntk
parameterization (trainable unit-variance uniform weights scaled by 1/(sqrt(3) d) and 1/sqrt(3 d)), and
E[cos u cos u'] * omega0^2 (x.x' + 1) in the standard one (the weights themselves are trained).
"""
from __future__ import annotations

import numpy as np


def _sinc(z, xp=np):
    return xp.sinc(z / np.pi)  # numpy's (and jax.numpy's) sinc is sin(pi z) / (pi z)


def first_layer_kernels(x1, x2, omega0: float, parameterization: str = "ntk", xp=np):
    """NNGP and NTK of SIREN's first hidden layer (post-activation): two arrays of shape ``(n1, n2)``.
    ``xp``: ``numpy`` or ``jax.numpy``."""
    d = x1.shape[1]
    diff = x1[:, None, :] - x2[None, :, :]  # (n1, n2, d)
    summ = x1[:, None, :] + x2[None, :, :]
    s_minus = xp.prod(_sinc(omega0 * diff / d, xp), axis=-1)
    s_plus = xp.prod(_sinc(omega0 * summ / d, xp), axis=-1) * _sinc(2.0 * omega0 / float(np.sqrt(d)), xp)
    nngp = 0.5 * (s_minus - s_plus)
    dot = x1 @ x2.T
    grad = dot / (3.0 * d * d) + 1.0 / (3.0 * d) if parameterization == "ntk" else dot + 1.0
    ntk = 0.5 * (s_minus + s_plus) * omega0**2 * grad
    return nngp, ntk


def first_layer_variance(x, omega0: float, xp=np):
    """E[sin(u)^2] at each point: shape ``(n,)``."""
    d = x.shape[1]
    s_plus = xp.prod(_sinc(2.0 * omega0 * x / d, xp), axis=-1) * _sinc(2.0 * omega0 / float(np.sqrt(d)), xp)
    return 0.5 * (1.0 - s_plus)
