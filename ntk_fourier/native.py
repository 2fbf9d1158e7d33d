"""The model's infinite-width NTK and NNGP by the closed-form layer recursion in plain JAX, without neural-tangents.

A second implementation of `analytic.kernels` for the large-scale engine (`operators.KernelOperator`) and for machines
where neural-tangents cannot be imported (a GPU machine's current JAX). Same model, layers, conventions and input
covariance (`analytic.input_kernels`); the tests compare the two to 1e-12 relative (1e-8 for raw-input ReLU without
bias, where any arccos formula loses half the digits for nearly parallel points). Per layer, with nngp = Sigma(x, x'),
cov = Sigma(x, x), ntk = Theta(x, x') and w2 = w_std^2, b2 = b_std^2:

- Dense, ntk parameterization: Sigma <- w2 Sigma + b2, Theta <- Sigma_new + w2 Theta;
  standard parameterization: Theta <- fan_in Sigma_old + w2 Theta (+ 1 with a bias), Sigma <- w2 Sigma + b2.
- ReLU (arc-cosine kernel, Cho & Saul 2009): with s = sqrt(cov cov'), r = sqrt((s - Sigma)(s + Sigma)) and
  theta = atan2(r, Sigma): Sigma <- (r + (pi - theta) Sigma) / (2 pi), Theta <- Theta (pi - theta) / (2 pi),
  cov <- cov / 2. (s - Sigma) is exactly 0 for identical points, so no fused multiply-add can perturb the diagonal.
- erf: Sigma <- (2/pi) asin(2 Sigma / sqrt((1 + 2 cov)(1 + 2 cov'))),
  Theta <- Theta (4/pi) / sqrt((1 + 2 cov)(1 + 2 cov') - 4 Sigma^2).
- sin(omega0 z): Sigma <- (exp(-w^2 (cov + cov' - 2 Sigma) / 2) - exp(-w^2 (cov + cov' + 2 Sigma) / 2)) / 2,
  Theta <- Theta w^2 (the same two exponentials added) / 2, with w = omega0.

GELU has no short closed form here: `block` raises InputError for it (use `analytic.kernels`).
"""
from __future__ import annotations

import functools

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.model import Model

ACTIVATIONS = ("relu", "erf", "sin")


def _dense(model: Model, fan_in: int, nngp, ntk, c1, c2):
    w2, b2 = model.w_std ** 2, model.b_std ** 2
    if model.parameterization == "standard":
        ntk = fan_in * nngp + w2 * ntk + (1.0 if model.b_std > 0 else 0.0)
        nngp, c1, c2 = (w2 * a + b2 for a in (nngp, c1, c2))
    else:
        nngp, c1, c2 = (w2 * a + b2 for a in (nngp, c1, c2))
        ntk = nngp + w2 * ntk
    return nngp, ntk, c1, c2


# Rational approximation of atan(u) = u + u^3 P(u^2) / Q(u^2) on |u| <= tan(pi/8) (S. L. Moshier's Cephes library);
# max error ~1 ulp in float64 after the argument reduction below (checked against numpy.arctan2 in the tests).
_ATAN_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
           -1.228866684490136173410e2, -6.485021904942025371773e1)
_ATAN_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
           4.853903996359136964868e2, 1.945506571482613964425e2)


def angle(r, c):
    """atan2(r, c) in [0, pi] for r >= 0, elementwise in jax.numpy (pi/2 where r = c = 0, as neural-tangents).

    Written out because XLA's float64 atan2 on CPU is not vectorised: this is twice as fast for the whole ReLU kernel
    and equally accurate."""
    import jax.numpy as jnp
    a = jnp.abs(c)
    hi, lo = jnp.maximum(a, r), jnp.minimum(a, r)
    t = jnp.where(hi > 0, lo / jnp.where(hi > 0, hi, 1.0), 0.0)  # in [0, 1] (this form fuses 3x faster in XLA)
    big = t > 0.41421356237309504880  # tan(pi/8): reduce with atan(t) = pi/4 + atan((t - 1) / (t + 1))
    u = jnp.where(big, (t - 1) / (t + 1), t)
    z = u * u
    p = (((_ATAN_P[0] * z + _ATAN_P[1]) * z + _ATAN_P[2]) * z + _ATAN_P[3]) * z + _ATAN_P[4]
    q = ((((z + _ATAN_Q[0]) * z + _ATAN_Q[1]) * z + _ATAN_Q[2]) * z + _ATAN_Q[3]) * z + _ATAN_Q[4]
    theta = u + u * z * p / q + jnp.where(big, jnp.pi / 4, 0.0)
    theta = jnp.where(r > a, jnp.pi / 2 - theta, theta)
    theta = jnp.where(c < 0, jnp.pi - theta, theta)
    return jnp.where(hi > 0, theta, jnp.pi / 2)


def _activation(model: Model, nngp, ntk, c1, c2):
    import jax.numpy as jnp
    a, b = c1[:, None], c2[None, :]
    if model.activation == "relu":
        s = jnp.sqrt(a * b)
        r = jnp.sqrt(jnp.maximum((s - nngp) * (s + nngp), 0.0))
        slope = (jnp.pi - angle(r, nngp)) / (2 * jnp.pi)
        return (r / (2 * jnp.pi) + slope * nngp, ntk * slope, c1 / 2, c2 / 2)
    if model.activation == "erf":
        def cov(c):
            return 2 / jnp.pi * jnp.arcsin(2 * c / (1 + 2 * c))
        q = (1 + 2 * a) * (1 + 2 * b)
        return (2 / jnp.pi * jnp.arcsin(2 * nngp / jnp.sqrt(q)), ntk * 4 / jnp.pi / jnp.sqrt(q - 4 * nngp ** 2),
                cov(c1), cov(c2))
    w2 = model.omega0 ** 2  # sin
    minus, plus = jnp.exp(-w2 * (a + b - 2 * nngp) / 2), jnp.exp(-w2 * (a + b + 2 * nngp) / 2)

    def cov(c):
        return (1 - jnp.exp(-2 * w2 * c)) / 2
    return (minus - plus) / 2, ntk * w2 * (minus + plus) / 2, cov(c1), cov(c2)


def check(model: Model) -> None:
    """Raise InputError when the model's activation has no closed form here."""
    if model.activation not in ACTIVATIONS:
        raise InputError(f"the plain-JAX kernel supports activations {', '.join(ACTIVATIONS)}, not "
                         f"{model.activation!r}; use the neural-tangents kernel (ntk_fourier.kernels)")


@functools.lru_cache(maxsize=32)
def recursion(model: Model):
    """A jitted function (nngp, ntk, cov1, cov2, input width) -> (ntk, nngp) through the model's layers after the
    input (after SIREN's first layer for SIREN), float64: the analogue of `analytic.stax_kernel_fn`."""
    import jax
    check(model)
    jax.config.update("jax_enable_x64", True)

    def run(nngp, ntk, c1, c2, fan_in):
        for layer in range(model.depth):
            if layer == 0 and model.init == "siren":
                continue
            nngp, ntk, c1, c2 = _dense(model, fan_in, nngp, ntk, c1, c2)
            nngp, ntk, c1, c2 = _activation(model, nngp, ntk, c1, c2)
            fan_in = model.width
        nngp, ntk, _, _ = _dense(model, fan_in, nngp, ntk, c1, c2)
        return ntk, nngp

    return jax.jit(run, static_argnums=4)


def block(model: Model, x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NTK and NNGP ``(n1, n2)`` float64 between two point sets (validated ``(n, d)`` arrays), in one piece."""
    from ntk_fourier.analytic import input_kernels
    check(model)
    nngp, ntk, cov1, cov2, width = input_kernels(model, x1, x2)
    ntk, nngp = recursion(model)(nngp, ntk, cov1, cov2, int(width))
    return np.asarray(ntk, dtype=np.float64), np.asarray(nngp, dtype=np.float64)

