"""The engine: the model's infinite-width NTK and NNGP by the closed-form layer recursion, in plain JAX (float64).

Runs on any current JAX, CPU or GPU; neural-tangents (`reference`) is the implementation it is tested against (to
1e-12 relative; 1e-8 for raw-input ReLU without bias, where any arccos formula loses half the digits for nearly
parallel points). Per layer, with nngp = Sigma(x, x'), cov = Sigma(x, x), ntk = Theta(x, x') and w2 = w_std^2,
b2 = b_std^2:

- Dense, ntk parameterization: Sigma <- w2 Sigma + b2, Theta <- Sigma_new + w2 Theta;
  standard parameterization: Theta <- fan_in Sigma_old + w2 Theta (+ 1 with a bias), Sigma <- w2 Sigma + b2.
- ReLU (arc-cosine kernel, Cho & Saul 2009): with s = sqrt(cov cov'), theta = arccos(Sigma / s) and
  r = s sin(theta) (`relu_angle`, exact at identical points): Sigma <- (r + (pi - theta) Sigma) / (2 pi),
  Theta <- Theta (pi - theta) / (2 pi), cov <- cov / 2.
- erf: Sigma <- (2/pi) asin(2 Sigma / sqrt((1 + 2 cov)(1 + 2 cov'))),
  Theta <- Theta (4/pi) / sqrt((1 + 2 cov)(1 + 2 cov') - 4 Sigma^2).
- sin(omega0 z): Sigma <- (exp(-w^2 (cov + cov' - 2 Sigma) / 2) - exp(-w^2 (cov + cov' + 2 Sigma) / 2)) / 2,
  Theta <- Theta w^2 (the same two exponentials added) / 2, with w = omega0.
- GELU, gelu(z) = z Phi(z): see `gelu_expectation` (a closed form derived here from Gaussian orthant moments);
  Theta <- Theta dSigma_new/dSigma (Price's theorem: E[gelu'(u) gelu'(v)] is the derivative of E[gelu(u) gelu(v)]
  in the covariance), taken by forward-mode differentiation of that closed form.

`kernel_fn` computes one tile (n1, n2) from the points themselves (the input covariance of `covariance` included),
jit-compiled, so the whole computation stays on the JAX device; `engine.kernels` assembles tiles.
"""
from __future__ import annotations

import functools

import numpy as np

from ntk_fourier.kernel import covariance
from ntk_fourier.model import Model
from ntk_fourier.precision import float64


def _dense(model: Model, fan_in: int, nngp, ntk, c1, c2):
    w2, b2 = model.w_std ** 2, model.b_std ** 2
    if model.parameterization == "standard":
        ntk = fan_in * nngp + w2 * ntk + (1.0 if model.b_std > 0 else 0.0)
        nngp, c1, c2 = (w2 * a + b2 for a in (nngp, c1, c2))
    else:
        nngp, c1, c2 = (w2 * a + b2 for a in (nngp, c1, c2))
        ntk = nngp + w2 * ntk
    return nngp, ntk, c1, c2


def _atan_series(t):
    """atan(sqrt(w)) / sqrt(w) for w = (t + 1) / 2 in [0, 1], sampled at Chebyshev points (for the coefficients)."""
    w = (t + 1.0) / 2.0
    root = np.sqrt(w)
    return np.where(w > 0, np.arctan(root) / np.where(w > 0, root, 1.0), 1.0)


# Chebyshev coefficients of atan(sqrt(w)) / sqrt(w) on w in [0, 1], interpolated from numpy.arctan: the function is
# analytic there (nearest singularity at w = -1), so degree 20 reaches float64 round-off (atan_unit: at most 4e-15
# relative, measured on 200,000 points, the largest at u = 1).
_ATAN_CHEB = np.polynomial.chebyshev.chebinterpolate(_atan_series, 20)


def atan_unit(u):
    """atan(u) for u in [0, 1], elementwise in jax.numpy, by a Chebyshev series in 2 u^2 - 1 (Clenshaw): additions and
    multiplications only, which XLA fuses with the rest of a layer (its atan2 and divisions it does not)."""
    import jax.numpy as jnp
    t = 2.0 * u * u - 1.0
    b1 = b2 = jnp.zeros_like(t)
    for c in _ATAN_CHEB[:0:-1]:
        b1, b2 = 2.0 * t * b1 - b2 + c, b1
    return u * (t * b1 - b2 + _ATAN_CHEB[0])


def relu_angle(nngp, s):
    """(theta, r) with theta = arccos(nngp / s) in [0, pi] and r = sqrt(s^2 - nngp^2) = s sin(theta), for s >= |nngp|.

    Half-angle form: tan(theta' / 2) = sqrt((s - |nngp|) / (s + |nngp|)) = u in [0, 1], theta' = 2 atan(u) the angle
    of |nngp|, theta = theta' or pi - theta' by the sign of nngp, r = u (s + |nngp|). (s - |nngp|) is exactly 0 for
    identical points, so theta = 0 exactly there whatever fused multiply-adds XLA uses; s = 0 (a point of zero
    variance) gives theta = pi / 2, as neural-tangents. One division and one square root, each used once."""
    import jax.numpy as jnp
    a = jnp.abs(nngp)
    den = s + a
    q = jnp.where(den > 0, (s - a) / jnp.where(den > 0, den, 1.0), 1.0)
    u = jnp.sqrt(jnp.clip(q, 0.0, 1.0))
    half = 2.0 * atan_unit(u)
    return jnp.where(nngp < 0, jnp.pi - half, half), u * den


def gelu_expectation(c, q1, q2):
    """E[gelu(u) gelu(v)] for (u, v) ~ N(0, [[q1, c], [c, q2]]), elementwise, in jax.numpy.

    Derivation: Phi(u) = P(Z1 <= u) for an independent standard normal Z1, so the expectation is
    E[u v 1{a >= 0} 1{b >= 0}] with a = u - Z1, b = v - Z2; (a, b) ~ N(0, S), S = [[A, c], [c, B]], A = 1 + q1,
    B = 1 + q2. Regressing (u, v) on (a, b): (u, v) = M (a, b) + e with M = Sigma S^-1 = [[q1 B - c^2, c],
    [c, q2 A - c^2]] / D, D = A B - c^2, and e independent of (a, b) with cov(e_1, e_2) = c / D. With the quadrant
    probability P = 1/4 + asin(rho) / (2 pi), rho = c / sqrt(A B), and the orthant moments of the standardised pair,
    m_xx = P + rho sqrt(1 - rho^2) / (2 pi), m_xy = rho P + sqrt(1 - rho^2) / (2 pi):
    E = (c / D) P + M11 M21 A m_xx + (M11 M22 + M12 M21) sqrt(A B) m_xy + M12 M22 B m_xx.
    Checked against 2D Gauss-Hermite quadrature and neural-tangents' Gelu (tests).
    """
    import jax.numpy as jnp
    A, B = 1.0 + q1, 1.0 + q2
    D = A * B - c * c
    root_ab = jnp.sqrt(A * B)
    rho = c / root_ab
    root = jnp.sqrt((1.0 - rho) * (1.0 + rho))
    P = 0.25 + jnp.arcsin(rho) / (2 * jnp.pi)
    m_xx = P + rho * root / (2 * jnp.pi)
    m_xy = rho * P + root / (2 * jnp.pi)
    M11, M12, M22 = (q1 * B - c * c) / D, c / D, (q2 * A - c * c) / D
    return M12 * P + M11 * M12 * A * m_xx + (M11 * M22 + M12 * M12) * root_ab * m_xy + M12 * M22 * B * m_xx


def _activation(model: Model, nngp, ntk, c1, c2):
    import jax
    import jax.numpy as jnp
    a, b = c1[:, None], c2[None, :]
    if model.activation == "relu":
        theta, r = relu_angle(nngp, jnp.sqrt(a * b))
        slope = (jnp.pi - theta) / (2 * jnp.pi)
        return (r / (2 * jnp.pi) + slope * nngp, ntk * slope, c1 / 2, c2 / 2)
    if model.activation == "erf":
        def cov(c):
            return 2 / jnp.pi * jnp.arcsin(2 * c / (1 + 2 * c))
        q = (1 + 2 * a) * (1 + 2 * b)
        return (2 / jnp.pi * jnp.arcsin(2 * nngp / jnp.sqrt(q)), ntk * 4 / jnp.pi / jnp.sqrt(q - 4 * nngp ** 2),
                cov(c1), cov(c2))
    if model.activation == "gelu":
        value, slope = jax.jvp(lambda c: gelu_expectation(c, a, b), (nngp,), (jnp.ones_like(nngp),))
        return value, ntk * slope, gelu_expectation(c1, c1, c1), gelu_expectation(c2, c2, c2)
    w2 = model.omega0 ** 2  # sin
    minus, plus = jnp.exp(-w2 * (a + b - 2 * nngp) / 2), jnp.exp(-w2 * (a + b + 2 * nngp) / 2)

    def cov(c):
        return (1 - jnp.exp(-2 * w2 * c)) / 2
    return (minus - plus) / 2, ntk * w2 * (minus + plus) / 2, cov(c1), cov(c2)


def layers(model: Model, nngp, ntk, c1, c2, fan_in: int):
    """(ntk, nngp) after the model's layers that follow the input (after SIREN's first layer for SIREN), from the
    input covariance (nngp, ntk, cov1, cov2) of width ``fan_in``: the analogue of neural-tangents' ``kernel_fn``."""
    for layer in range(model.depth):
        if layer == 0 and model.init == "siren":
            continue
        nngp, ntk, c1, c2 = _dense(model, fan_in, nngp, ntk, c1, c2)
        nngp, ntk, c1, c2 = _activation(model, nngp, ntk, c1, c2)
        fan_in = model.width
    nngp, ntk, _, _ = _dense(model, fan_in, nngp, ntk, c1, c2)
    return ntk, nngp


@functools.lru_cache(maxsize=64)
def kernel_fn(model: Model, dim: int):
    """A jitted function (x1 (n1, dim), x2 (n2, dim), g1, g2) -> (ntk (n1, n2), nngp (n1, n2)), float64 when called
    inside `precision.float64`. ``g1``, ``g2``: the mapped points gamma(x) for finite mappings (else None)."""
    import jax
    import jax.numpy as jnp
    width = covariance.fan_in(model, dim)

    def run(x1, x2, g1, g2):
        nngp, ntk, c1, c2 = covariance.from_points(model, x1, x2, g1, g2, xp=jnp)
        return layers(model, nngp, ntk, c1, c2, width)

    return jax.jit(run)


def block(model: Model, x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NTK and NNGP ``(n1, n2)`` float64 between two validated point sets ``(n, d)``, in one piece."""
    with float64():
        ntk, nngp = kernel_fn(model, x1.shape[1])(x1, x2, covariance.features(model, x1),
                                                  covariance.features(model, x2))
        return np.asarray(ntk, dtype=np.float64), np.asarray(nngp, dtype=np.float64)
