"""The layer recursion of the infinite-width NTK and NNGP in closed form, as pure JAX functions.

Traceable by jit, vmap and grad, in the dtype of its inputs; on any current JAX, CPU or GPU. neural-tangents
(`reference`) is the implementation it is tested against (to 1e-12 relative; 1e-8 for raw-input ReLU without bias,
where any arccos formula loses half the digits for nearly parallel points). Per layer, with nngp = Sigma(x, x'),
cov = Sigma(x, x), ntk = Theta(x, x') and w2 = w_std^2, b2 = b_std^2:

- Dense, ntk parameterization: Sigma <- w2 Sigma + b2, Theta <- Sigma_new + w2 Theta;
  standard parameterization: Theta <- fan_in Sigma_old + w2 Theta (+ 1 with a bias), Sigma <- w2 Sigma + b2.
- ReLU (arc-cosine kernel, Cho & Saul 2009): with s = sqrt(cov cov'), theta = arccos(Sigma / s) and
  r = s sin(theta) (`relu_angle`, exact at identical points): Sigma <- (r + (pi - theta) Sigma) / (2 pi),
  Theta <- Theta (pi - theta) / (2 pi), cov <- cov / 2.
- erf: Sigma <- (2/pi) asin(2 Sigma / sqrt((1 + 2 cov)(1 + 2 cov'))),
  Theta <- Theta (4/pi) / sqrt((1 + 2 cov)(1 + 2 cov') - 4 Sigma^2).
- sin(omega0 z): Sigma <- (exp(-w^2 (cov + cov' - 2 Sigma) / 2) - exp(-w^2 (cov + cov' + 2 Sigma) / 2)) / 2,
  Theta <- Theta w^2 (the same two exponentials added) / 2, with w = omega0.
- Any other elementwise activation (`ntk_fourier.core.activations`: finer, gauss, gabor): Sigma <- E[phi(u) phi(v)],
  Theta <- Theta E[phi'(u) phi'(v)], cov <- E[phi(u)^2] by a polar Gauss rule (`ntk_fourier.core.quadrature`).
- GELU, gelu(z) = z Phi(z): see `gelu_expectation` (a closed form derived here from Gaussian orthant moments);
  Theta <- Theta dSigma_new/dSigma (Price's theorem: E[gelu'(u) gelu'(v)] is the derivative of E[gelu(u) gelu(v)]
  in the covariance), taken by forward-mode differentiation of that closed form.

Derivatives are right everywhere. The arc-cosine kernel's angle theta has an infinite derivative at correlation +-1
(coincident or antipodal points), where automatic differentiation would give 0 * inf = NaN: `relu_kernels` has its
own derivative rule, from dSigma_new = slope dSigma + sin(theta) / (2 pi) ds and dtheta = -(dSigma - rho ds) / r,
with dtheta = 0 where r = 0. There the slope (pi - theta) / (2 pi) has a cusp (|x - x'| in the points); 0 is its
symmetric derivative, which central differences measure, and the total derivative of k(x, x) along x, exact.

Depth is a loop: the first layer (its own fan-in) is applied apart, the identical layers after it by `lax.scan`, so
compiling takes the same time for any depth.
"""
from __future__ import annotations

import functools

import numpy as np

from ntk_fourier.core import activations as _activations
from ntk_fourier.core import covariance as _covariance
from ntk_fourier.core import quadrature as _quadrature
from ntk_fourier.model import Model


def _dense(model: Model, fan_in: int, nngp, ntk, c1, c2):
    import jax.numpy as jnp
    w2, b2 = model.w_std ** 2, model.b_std ** 2
    if model.parameterization == "standard":
        ntk = fan_in * nngp + w2 * ntk + jnp.where(model.b_std > 0, 1.0, 0.0)  # + 1: the bias, where there is one
        nngp, c1, c2 = (w2 * a + b2 for a in (nngp, c1, c2))
    else:
        nngp, c1, c2 = (w2 * a + b2 for a in (nngp, c1, c2))
        ntk = nngp + w2 * ntk
    return nngp, ntk, c1, c2


# atan(u) = u + u^3 P(u^2) / Q(u^2) on |u| <= tan(pi/8), a rational approximation from S. L. Moshier's Cephes
# library (atan.c), after the reduction atan(t) = pi/4 + atan((t - 1) / (t + 1)) for t > tan(pi/8).
_ATAN_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
           -1.228866684490136173410e2, -6.485021904942025371773e1)
_ATAN_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
           4.853903996359136964868e2, 1.945506571482613964425e2)
_TAN_PI_8 = 0.41421356237309504880


def atan_unit(u):
    """atan(u) for u in [0, 1], elementwise in jax.numpy: Cephes' rational approximation (two divisions, 11
    multiply-adds), within a few ulp of numpy.arctan. Written out because XLA's float64 arctangent on CPU is slower
    (docs/benchmarks.md)."""
    import jax.numpy as jnp
    big = u > _TAN_PI_8
    t = jnp.where(big, (u - 1.0) / (u + 1.0), u)
    z = t * t
    p = (((_ATAN_P[0] * z + _ATAN_P[1]) * z + _ATAN_P[2]) * z + _ATAN_P[3]) * z + _ATAN_P[4]
    q = ((((z + _ATAN_Q[0]) * z + _ATAN_Q[1]) * z + _ATAN_Q[2]) * z + _ATAN_Q[3]) * z + _ATAN_Q[4]
    return jnp.where(big, np.pi / 4, 0.0) + (t + t * z * p / q)


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


def _relu_parts_impl(nngp, a, b, same):
    import jax.numpy as jnp
    theta, r = relu_angle(nngp, _sqrt_product(a, b))
    theta, r = jnp.where(same, 0.0, theta), jnp.where(same, 0.0, r)  # identical points: angle 0, whatever rounding
    slope = (np.pi - theta) / (2 * np.pi)
    s = _sqrt_product(a, b)
    sin_theta = jnp.where(s > 0, r / jnp.where(s > 0, s, 1.0), 1.0)  # s = 0: theta = pi / 2
    return r / (2 * np.pi) + slope * nngp, slope, sin_theta


def _sqrt_product(a, b):
    import jax.numpy as jnp
    return jnp.sqrt(a * b)


def _relu_parts_jvp(primals, tangents):
    """The derivative rule of `relu_kernels` (module docstring): finite at correlation +-1 and at zero variance. The
    slope and sin(theta) it uses come from the rule's own function, so higher derivatives follow the same rule."""
    import jax.numpy as jnp
    nngp, a, b, same = primals
    d_nngp, d_a, d_b, _ = tangents
    value, slope, sin_theta = _relu_custom()(nngp, a, b, same)
    s = _sqrt_product(a, b)
    positive = s > 0
    safe_s = jnp.where(positive, s, 1.0)
    ds = jnp.where(positive, (b * d_a + a * d_b) / (2.0 * safe_s), 0.0)
    rho = jnp.where(positive, nngp / safe_s, 0.0)  # cos(theta)
    r = s * sin_theta
    apart = r > 0
    inverse_r = jnp.where(apart, 1.0 / jnp.where(apart, r, 1.0), 0.0)
    d_theta = -(d_nngp - rho * ds) * inverse_r
    d_value = slope * d_nngp + sin_theta / (2 * np.pi) * ds
    return (value, slope, sin_theta), (d_value, -d_theta / (2 * np.pi), rho * d_theta)


def relu_kernels(nngp, a, b, same=False):
    """(E[relu(u) relu(v)], E[relu'(u) relu'(v)]) for (u, v) ~ N(0, [[a, nngp], [nngp, b]]), elementwise: the
    arc-cosine kernel (r + (pi - theta) nngp) / (2 pi) and its slope (pi - theta) / (2 pi), with a derivative rule
    that is finite at correlation +-1 (module docstring). ``same``: where the two points are identical; there the
    angle is 0 by definition. (Computed, it is 0 only if nngp, a and b agree to the last bit, and XLA may compile
    the one variance into different fusions that round it differently; the arccos would turn one ulp into 1e-8.)"""
    import jax.numpy as jnp
    value, slope, _ = _relu_custom()(nngp, a, b, jnp.asarray(same))
    return value, slope


@functools.lru_cache(maxsize=1)
def _relu_custom():
    """(value, slope, sin(theta)) of the arc-cosine kernel, with the derivative rule `_relu_parts_jvp`."""
    import jax
    fn = jax.custom_jvp(_relu_parts_impl)
    fn.defjvp(_relu_parts_jvp)
    return fn


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


def _activation(model: Model, nngp, ntk, c1, c2, same):
    import jax
    import jax.numpy as jnp
    a, b = c1[:, None], c2[None, :]
    if model.activation == "relu":
        value, slope = relu_kernels(nngp, a, b, same)
        return value, ntk * slope, c1 / 2, c2 / 2
    if model.activation == "erf":
        def cov(c):
            return 2 / jnp.pi * jnp.arcsin(2 * c / (1 + 2 * c))
        q = (1 + 2 * a) * (1 + 2 * b)
        return (2 / jnp.pi * jnp.arcsin(2 * nngp / jnp.sqrt(q)), ntk * 4 / jnp.pi / jnp.sqrt(q - 4 * nngp ** 2),
                cov(c1), cov(c2))
    if model.activation in _activations.QUADRATURE:
        f = _activations.function(model.activation)
        df = _quadrature.derivative(f)
        params = (model.omega0, model.s0)

        def cov(c):
            return _quadrature.expectation(f, f, c, c, c, True, params)
        return (_quadrature.expectation(f, f, nngp, a, b, same, params),
                ntk * _quadrature.expectation(df, df, nngp, a, b, same, params), cov(c1), cov(c2))
    if model.activation == "gelu":
        value, slope = jax.jvp(lambda c: gelu_expectation(c, a, b), (nngp,), (jnp.ones_like(nngp),))
        return value, ntk * slope, gelu_expectation(c1, c1, c1), gelu_expectation(c2, c2, c2)
    w2 = model.omega0 ** 2  # sin
    apart = a + b - 2 * nngp  # E[(u - v)^2]: 0 for identical points, where rounding would be amplified by w2
    apart = _covariance.identical_value(apart, jnp.where(same, 0.0, apart))
    minus, plus = jnp.exp(-w2 * apart / 2), jnp.exp(-w2 * (a + b + 2 * nngp) / 2)

    def cov(c):
        return (1 - jnp.exp(-2 * w2 * c)) / 2
    return (minus - plus) / 2, ntk * w2 * (minus + plus) / 2, cov(c1), cov(c2)


def layers(model: Model, nngp, ntk, c1, c2, fan_in: int, same=None):
    """(ntk, nngp) after the model's layers that follow the input (after SIREN's first layer for SIREN), from the
    input covariance (nngp, ntk, cov1, cov2) of width ``fan_in``: the analogue of neural-tangents' ``kernel_fn``.
    The first hidden layer is applied apart (its own fan-in), the ``depth - 1`` identical ones after it by
    ``lax.scan``. ``same`` ``(n1, n2)``: where the points are identical; there each layer's covariance is set to
    the variance exactly, and the ReLU angle and sin's E[(u - v)^2] to 0 (computed from the same numbers, they can
    differ in the last bit when XLA fuses a multiply-add in one place and not in another, which the arc-cosine would
    turn into 1e-8)."""
    import jax
    import jax.numpy as jnp

    def layer(state, fan):
        nngp, ntk, c1, c2 = _dense(model, fan, *state)
        if same is not None:
            nngp = _covariance.identical_value(nngp, jnp.where(same, c1[:, None], nngp))
        return _activation(model, nngp, ntk, c1, c2, False if same is None else same)

    state = (nngp, ntk, c1, c2)
    first = 1 if model.init == "siren" else 0  # SIREN's first layer is in the input covariance
    if model.depth > first:
        state = layer(state, fan_in)
        fan_in = model.width
        if model.depth - first > 1:
            state, _ = jax.lax.scan(lambda carry, _: (layer(carry, model.width), None), state, None,
                                    length=model.depth - first - 1)
    nngp, ntk, _, _ = _dense(model, fan_in, *state)
    return ntk, nngp
