"""Gaussian expectations E[f(u) g(v)], (u, v) ~ N(0, [[a, c], [c, b]]), of elementwise functions by quadrature in
polar coordinates: the infinite-width kernels of any activation (`ntk_fourier.core.activations`).

With (z_1, z_2) = r (cos phi, sin phi) standard normal, u = sqrt(a) r cos(phi) and v = sqrt(b) r cos(phi - psi),
psi = arccos(rho), rho = c / sqrt(a b):

    E[f(u) g(v)] = (1 / 2 pi) int_0^2pi dphi int_0^inf r exp(-r^2 / 2) f(u) g(v) dr.

Activations with a kink at 0 (relu, finer's |z|) are smooth off the four rays u = 0 and v = 0, so the angle is split
there into four arcs (lengths psi, pi - psi, psi, pi - psi), each integrated by Gauss-Legendre (`ANGLES` nodes),
and the radius by the Gauss rule of the weight r exp(-r^2 / 2) on [0, inf) (`RADII` nodes; `radial_rule`). On each
sector the integrand is smooth, so the error falls exponentially with the nodes while the activation's period, in
units of the pre-activation's standard deviation, spans a few nodes (measured against the closed forms in the tests).
Identical points have rho = 1 (psi = 0) exactly.

Derivatives follow Price's theorem instead of differentiating the square roots (infinite at rho = +-1 and at zero
variance): dE/dc = E[f'(u) g'(v)] and dE/da = E[f''(u) g(v)] / 2, the latter by Stein's lemma as
(E[u f'(u) g(v)] - c E[f'(u) g'(v)]) / (2 a), which needs no f'' (a jump in f', as relu's, is a Dirac delta in f'' that
automatic differentiation misses; f'' only at a = 0); likewise in b. Each is again a quadrature (with its own rule,
so higher derivatives follow); so are the derivatives in the activation's parameters (omega0, s0), E[d_p f(u) g(v)]
+ E[f(u) d_p g(v)]: the square roots are never differentiated.
"""
from __future__ import annotations

import functools
import math

import numpy as np

LIMIT = 4.0  # largest `activations.bandwidth` the rule resolves to 1e-8 relative (tests)
RADII = 48  # radial nodes
ANGLES = 32  # Gauss-Legendre nodes per arc (4 arcs): RADII * 4 * ANGLES evaluations of f g per kernel entry


@functools.lru_cache(maxsize=None)
def radial_rule(nodes: int):
    """(nodes, weights summing to 1) of the Gauss rule for the weight r exp(-r^2 / 2) on [0, inf): the recurrence of
    its orthonormal polynomials by the Stieltjes procedure on a 4,000-point Gauss-Legendre discretisation of [0, 40]
    (the weight beyond 40 is below 1e-340), then the eigenvalues of the Jacobi matrix (Golub-Welsch)."""
    import scipy.linalg
    x, w = np.polynomial.legendre.leggauss(4000)
    r = (x + 1.0) * 20.0
    weight = w * 20.0 * r * np.exp(-r * r / 2)
    diag, off = np.zeros(nodes), np.zeros(nodes)
    previous, q = np.zeros_like(r), np.full_like(r, 1.0 / math.sqrt(weight.sum()))
    for k in range(nodes):
        diag[k] = np.sum(weight * r * q * q)
        v = (r - diag[k]) * q - off[k] * previous
        if k + 1 < nodes:
            off[k + 1] = math.sqrt(np.sum(weight * v * v))
            previous, q = q, v / off[k + 1]
    radii, vectors = scipy.linalg.eigh_tridiagonal(diag, off[1:])
    weights = vectors[0] ** 2
    return tuple(radii.tolist()), tuple((weights / weights.sum()).tolist())


@functools.lru_cache(maxsize=None)
def derivative(f):
    """z -> f'(z, *params) of an elementwise ``f(z, *params)``, by forward-mode differentiation in z (cached, so
    one function gives one derivative object)."""
    import jax
    import jax.numpy as jnp

    def df(z, *params):
        return jax.jvp(lambda t: f(t, *params), (z,), (jnp.ones_like(z),))[1]
    return df


@functools.lru_cache(maxsize=None)
def _times_z(f):
    """z -> z f(z, *params)."""
    def zf(z, *params):
        return z * f(z, *params)
    return zf


@functools.lru_cache(maxsize=None)
def _along_params(f, n: int):
    """(z, *params, *dparams) -> the derivative of f(z, *params) along dparams (n parameters)."""
    import jax

    def fp(z, *both):
        return jax.jvp(lambda *p: f(z, *p), tuple(both[:n]), tuple(both[n:]))[1]
    return fp


@functools.lru_cache(maxsize=None)
def _first(f, n: int):
    """(z, *params, *dparams) -> f(z, *params)."""
    def head(z, *both):
        return f(z, *both[:n])
    return head


def _safe_sqrt(x):
    """sqrt(x), with derivative 0 instead of infinity at x = 0. `_plain` is differentiated directly only where a
    transformation drops the custom rule (JAX inlines it when it linearises a ``lax.scan`` for reverse mode, and an
    outer forward pass then sees the plain quadrature); there the derivative is exact where 0 < a, b and |rho| < 1,
    and finite elsewhere."""
    import jax.numpy as jnp
    positive = x > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, x, 1.0)), 0.0)


def _plain(f, g, c, a, b, same, params):
    """The polar quadrature (module docstring), elementwise over the broadcast shape of c, a, b."""
    import jax
    import jax.numpy as jnp
    c, a, b, same = jnp.broadcast_arrays(c, a, b, same)
    radii, weights = (jnp.asarray(v, c.dtype) for v in radial_rule(RADII))
    x, w = np.polynomial.legendre.leggauss(ANGLES)
    sa, sb = _safe_sqrt(a), _safe_sqrt(b)
    s = sa * sb
    rho = jnp.clip(jnp.where(s > 0, c / jnp.where(s > 0, s, 1.0), 0.0), -1.0, 1.0)
    rho = jnp.where(same, 1.0, rho)
    psi = jnp.arctan2(_safe_sqrt((1.0 - rho) * (1.0 + rho)), rho)  # in [0, pi]
    starts = (jnp.full_like(psi, np.pi / 2), psi + np.pi / 2, jnp.full_like(psi, 1.5 * np.pi), psi + 1.5 * np.pi)
    lengths = (psi, np.pi - psi, psi, np.pi - psi)  # the arcs between the rays u = 0 and v = 0
    arcs = jnp.asarray([[j, k] for j in range(4) for k in range(ANGLES)])

    def step(total, arc):
        j, k = arc[0], arc[1]
        start = jnp.select([j == i for i in range(4)], starts)
        length = jnp.select([j == i for i in range(4)], lengths)
        phi = start + length * (jnp.asarray(x, c.dtype)[k] + 1.0) / 2.0
        u = (sa * jnp.cos(phi))[..., None] * radii  # (..., RADII)
        v = (sb * jnp.cos(phi - psi))[..., None] * radii
        inner = jnp.sum(weights * f(u, *params) * g(v, *params), axis=-1)
        return total + length * jnp.asarray(w, c.dtype)[k] / (4.0 * np.pi) * inner, None

    total, _ = jax.lax.scan(step, jnp.zeros_like(c), arcs)
    return total


@functools.lru_cache(maxsize=1)
def _custom():
    import jax
    import jax.numpy as jnp
    from jax.custom_derivatives import SymbolicZero
    fn = jax.custom_jvp(_plain, nondiff_argnums=(0, 1))

    def jvp(f, g, primals, tangents):  # terms whose tangent is a symbolic zero are not computed
        c, a, b, same, params = primals
        dc, da, db, _, dparams = tangents
        moving = [not isinstance(t, SymbolicZero) for t in (dc, da, db)]
        params_moving = any(not isinstance(t, SymbolicZero) for t in dparams)
        value = fn(f, g, c, a, b, same, params)
        if not (any(moving) or params_moving):
            return value, jnp.zeros_like(value)
        f1, g1 = derivative(f), derivative(g)
        slopes = fn(f1, g1, c, a, b, same, params) if any(moving) else None
        tangent = jnp.zeros_like(value)
        if moving[0]:
            tangent = tangent + slopes * dc

        def by_variance(variance, stein, second):  # dE/da = E[f''(u) g(v)] / 2, by Stein's lemma where a > 0
            positive = variance > 0
            at_zero = jax.lax.cond(jnp.any(~positive), second, lambda: jnp.zeros_like(value))
            return 0.5 * jnp.where(positive, (stein - c * slopes) / jnp.where(positive, variance, 1.0), at_zero)
        if moving[1]:
            tangent = tangent + da * by_variance(a, fn(_times_z(f1), g, c, a, b, same, params),
                                                 lambda: fn(derivative(f1), g, c, a, b, same, params))
        if moving[2]:
            tangent = tangent + db * by_variance(b, fn(f, _times_z(g1), c, a, b, same, params),
                                                 lambda: fn(f, derivative(g1), c, a, b, same, params))
        if params_moving:  # along the parameters: again this rule
            n = len(params)
            both = tuple(params) + tuple(jnp.zeros_like(p) if isinstance(t, SymbolicZero) else t
                                         for p, t in zip(params, dparams))
            tangent = tangent + (fn(_along_params(f, n), _first(g, n), c, a, b, same, both)
                                 + fn(_first(f, n), _along_params(g, n), c, a, b, same, both))
        return value, tangent

    fn.defjvp(jvp, symbolic_zeros=True)
    return fn


def expectation(f, g, c, a, b, same=False, params=()):
    """E[f(u, *params) g(v, *params)] for (u, v) ~ N(0, [[a, c], [c, b]]), elementwise over the broadcast shape of
    ``c``, ``a``, ``b``; ``same``: where the two points are identical (rho = 1 exactly). Traceable in c, a, b and
    ``params`` (module docstring for the derivatives); ``f``, ``g``: elementwise jax.numpy functions of
    (z, *params) that close over no traced value."""
    import jax.numpy as jnp
    params = tuple(jnp.asarray(p, jnp.result_type(c)) for p in params)
    return _custom()(f, g, c, a, b, jnp.asarray(same), params)
