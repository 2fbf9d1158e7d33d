"""Predicted training dynamics of the linearised network under MSE, as pure JAX functions (the convention of
`ntk_fourier.kernel.dynamics`: loss 1/(2n) sum (f - y)^2, n = y.size; Lee et al. 2019, eqs. 9-10).

With K the NTK on the training points, a = eta / n and r0 = f(0) - y, the residual and the test outputs after t
steps are r(t) = P r0 and f_*(t) = f_*(0) - K_* S r0, where

    gradient descent:  P = (I - a K)^t,         S = a sum_{k<t} (I - a K)^k    (repeated squaring, t a Python int)
    gradient flow:     P = exp(-a t K),         S = K^-1 (I - exp(-a t K))   (one matrix exponential, t traceable)

No eigendecomposition is needed, so derivatives are defined also where eigenvalues repeat (periodic grids make them
repeat in pairs), and every argument but the GD step count can be traced (jit, vmap, grad in the kernel, the rate,
the targets, the flow time). Per-mode decay (`decay`) takes eigenvalues.

The matrix exponential scales and squares (at most 32 squarings): its rounding error grows with eta t lambda_max / n,
and beyond about 2e10 it returns NaN; use `converged` for t -> infinity.
"""
from __future__ import annotations

from typing import NamedTuple

from ntk_fourier.errors import InputError


class Outputs(NamedTuple):
    """``f_train (n, k)``, ``f_test (m, k)`` or None, ``residual (n, k)`` = f_train - y."""

    f_train: object
    f_test: object
    residual: object


def decay(eigenvalues, lr, t, n: int, flow: bool = False):
    """(decay_k(t), (1 - decay_k(t)) / lambda_k) per eigenvalue: (1 - eta lambda / n)^t for gradient descent,
    exp(-eta lambda t / n) for gradient flow, without cancellation (the pure form of `nf.decay`)."""
    import jax.numpy as jnp
    lam = jnp.asarray(eigenvalues)
    x = lr * lam / n
    if flow:
        log_decay = -x * t
        unstable = jnp.zeros_like(x, dtype=bool)
    else:
        stable = x < 1.0
        log_decay = jnp.where(stable, t * jnp.log1p(-jnp.where(stable, x, 0.0)), 0.0)
        unstable = ~stable
    direct = jnp.power(1.0 - jnp.where(unstable, x, 0.0), t)
    d = jnp.where(unstable, direct, jnp.exp(log_decay))
    one_minus = jnp.where(unstable, 1.0 - d, -jnp.expm1(log_decay))
    tiny = jnp.abs(lam) < 1e-300
    gain = jnp.where(tiny, lr * t / n, one_minus / jnp.where(tiny, 1.0, lam))
    return d, gain


def _geometric(M, t: int):
    """(M^t, sum_{k<t} M^k) by repeated squaring: about 3 log2(t) matrix products."""
    import jax.numpy as jnp
    eye = jnp.eye(M.shape[0], dtype=M.dtype)
    power, total = eye, jnp.zeros_like(M)  # M^done, sum_{k<done} M^k
    square, square_sum = M, eye  # M^(2^i), sum_{k<2^i} M^k
    while t:
        if t & 1:
            total = total + power @ square_sum
            power = power @ square
        square_sum = square_sum + square @ square_sum
        square = square @ square
        t >>= 1
    return power, total


def propagators(ntk_train, lr, t, n: int, flow: bool = False):
    """(P, S) of the module docstring, each ``(n_train, n_train)``: r(t) = P r0, f_*(t) = f_*(0) - K_* S r0."""
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl
    K = jnp.asarray(ntk_train)
    size = K.shape[0]
    if not flow:
        if not isinstance(t, int) or t < 0:
            raise InputError(f"gradient-descent steps must be a non-negative Python int, got {t!r} (use flow=True "
                             "for a time that is traced)")
        power, total = _geometric(jnp.eye(size, dtype=K.dtype) - (lr / n) * K, t)
        return power, (lr / n) * total
    a = lr * t / n
    # expm([[-a K, I], [0, 0]]) = [[exp(-a K), (exp(-a K) - I) / (-a K)], [0, I]]
    block = jnp.block([[-a * K, jnp.eye(size, dtype=K.dtype)], [jnp.zeros_like(K), jnp.zeros_like(K)]])
    E = jsl.expm(block, max_squarings=32)  # a t K / n up to 2e10 (expm gives NaN beyond)
    return E[:size, :size], a * E[:size, size:]


def _columns(y):
    import jax.numpy as jnp
    y = jnp.asarray(y)
    return y[:, None] if y.ndim == 1 else y


def predict(ntk_train, y_train, t, *, lr, ntk_test=None, f0_train=None, f0_test=None, flow: bool = False) -> Outputs:
    """Outputs after ``t`` steps (gradient descent, ``t`` a Python int) or at flow time ``t`` (in units of steps,
    traceable), from f(0) = ``f0_train`` / ``f0_test`` (default zero: the infinite ensemble's mean). Targets ``(n,)``
    or ``(n, k)``; results ``(n, k)``."""
    import jax.numpy as jnp
    y = _columns(y_train)
    f0 = jnp.zeros_like(y) if f0_train is None else _columns(f0_train).reshape(y.shape)
    P, S = propagators(ntk_train, lr, t, y.size, flow)
    r0 = f0 - y
    residual = P @ r0
    f_test = None
    if ntk_test is not None:
        Ks = jnp.asarray(ntk_test)
        f0s = jnp.zeros((Ks.shape[0], y.shape[1]), y.dtype) if f0_test is None else _columns(f0_test).reshape(
            Ks.shape[0], y.shape[1])
        f_test = f0s - Ks @ (S @ r0)
    return Outputs(f_train=y + residual, f_test=f_test, residual=residual)


def converged(ntk_train, y_train, ntk_test, *, f0_train=None, f0_test=None, ridge=0.0):
    """Test outputs at t -> infinity (kernel regression from f(0)): f_*(0) - K_* (K + ridge I)^-1 (f(0) - y),
    ``(m, k)``; traceable, solved by Cholesky (K symmetric positive definite)."""
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl
    y = _columns(y_train)
    K = jnp.asarray(ntk_train)
    Ks = jnp.asarray(ntk_test)
    f0 = jnp.zeros_like(y) if f0_train is None else _columns(f0_train).reshape(y.shape)
    f0s = jnp.zeros((Ks.shape[0], y.shape[1]), y.dtype) if f0_test is None else _columns(f0_test).reshape(
        Ks.shape[0], y.shape[1])
    factor = jsl.cho_factor(K + ridge * jnp.eye(K.shape[0], dtype=K.dtype))
    return f0s - Ks @ jsl.cho_solve(factor, f0 - y)
