"""Eigenlearning as pure JAX functions: the effective regularisation kappa, each mode's learnability and the predicted
test and train MSE of kernel regression on n points (the equations of `ntk_fourier.kernel.learnability`), traceable
in the eigenvalues, the target's coefficients, n and the ridge.

kappa is found by bisection in log kappa (200 halvings: to rounding) and then moved by one Newton step whose slope is
held constant, which leaves its value and gives its derivative by the implicit function theorem:
dkappa = -dg / g'(kappa) for g(kappa) = sum_i lambda_i / (lambda_i + kappa) + ridge / kappa - n.
"""
from __future__ import annotations

from typing import NamedTuple


class Learnability(NamedTuple):
    """``kappa``, predicted ``test_mse`` and ``train_mse``, and each mode's ``learnability`` L_i."""

    kappa: object
    test_mse: object
    train_mse: object
    learnability: object


def effective_ridge(eigenvalues, n, ridge=0.0):
    """kappa > 0 with sum_i lambda_i / (lambda_i + kappa) + ridge / kappa = n (non-positive eigenvalues count as 0);
    n must be below the number of positive eigenvalues when ridge is 0 (not checked: traced values cannot be)."""
    import jax
    import jax.numpy as jnp
    lam = jnp.asarray(eigenvalues)
    lam = jnp.where(lam > 0, lam, 0.0)

    def excess(kappa):
        return jnp.sum(lam / (lam + kappa)) + ridge / kappa - n

    def halve(_, bounds):
        lo, hi = bounds
        mid = (lo + hi) / 2
        above = excess(jnp.exp(mid)) > 0  # excess falls as kappa grows
        return jnp.where(above, mid, lo), jnp.where(above, hi, mid)

    fixed = jax.lax.stop_gradient
    bounds = (jnp.log(fixed(jnp.max(lam))) - 80.0, jnp.log(fixed(jnp.sum(lam) + ridge)) + 5.0)
    lo, hi = jax.lax.fori_loop(0, 200, halve, bounds)
    kappa = fixed(jnp.exp((lo + hi) / 2))
    slope = fixed(-jnp.sum(lam / (lam + kappa) ** 2) - ridge / kappa ** 2)
    return kappa - excess(kappa) / slope


def learnability(eigenvalues, coefficients, n, ridge=0.0) -> Learnability:
    """kappa, predicted test and train MSE, and L_i = lambda_i / (lambda_i + kappa) for ``n`` training points:
    E_test = n / (n - sum L^2) sum (1 - L)^2 v^2, E_train = (ridge / (n kappa))^2 E_test."""
    import jax.numpy as jnp
    lam = jnp.asarray(eigenvalues)
    kappa = effective_ridge(lam, n, ridge)
    L = jnp.where(lam > 0, lam, 0.0) / (jnp.where(lam > 0, lam, 0.0) + kappa)
    test = n / (n - jnp.sum(L ** 2)) * jnp.sum((1.0 - L) ** 2 * jnp.asarray(coefficients) ** 2)
    return Learnability(kappa=kappa, test_mse=test, train_mse=(ridge / (n * kappa)) ** 2 * test, learnability=L)
