"""Generalisation from the spectrum: the test error of kernel regression on n random training points, and how much
of each eigenmode it learns, predicted from the kernel's eigenvalues and the target's coefficients alone
(the "eigenlearning" form of Simon et al. 2021, equivalent to Bordelon et al. 2020 and Canatar et al. 2021).

Population: the N points of a grid (or any point set), each equally likely. Eigenpairs of the kernel's integral
operator on it: lambda_i = (eigenvalues of the Gram matrix) / N, eigenfunctions phi_i = sqrt(N) u_i (mean square 1),
target f = sum_i v_i phi_i. For n training points drawn from the population and ridge delta (added to the Gram
matrix: (K + delta I) alpha = y), the effective regularisation kappa solves

    sum_i lambda_i / (lambda_i + kappa) + delta / kappa = n,

mode i's learnability is L_i = lambda_i / (lambda_i + kappa) (the fraction of it the predictor recovers, on average),
and the predicted test MSE (over the population) and train MSE are

    E_test = n / (n - sum_i L_i^2) * sum_i (1 - L_i)^2 v_i^2,    E_train = (delta / (n kappa))^2 E_test.

These hold for large n and many modes ("omniscient" approximation); `measured` draws training sets and regresses, to
check them. The NTK's regression at convergence is the ridgeless case (delta = 0), as in `regression.regress_points`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize

from ntk_fourier.errors import InputError


class Population(NamedTuple):
    """``eigenvalues (N,)`` of the integral operator (descending), ``coefficients (N,)`` v_i of the target in its
    eigenfunctions, ``kernel (N, N)`` the Gram matrix (for `measured`), ``target (N,)``."""

    eigenvalues: np.ndarray
    coefficients: np.ndarray
    kernel: np.ndarray
    target: np.ndarray


def population(kernel: np.ndarray, target: np.ndarray) -> Population:
    """The integral operator's spectrum and the target's coefficients, from the Gram matrix on the N population
    points (dense ``eigh``)."""
    K = np.asarray(kernel, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64).reshape(-1)
    if K.ndim != 2 or K.shape != (len(y), len(y)):
        raise InputError(f"the kernel must be ({len(y)}, {len(y)}) for {len(y)} target values, got {K.shape}")
    lam, U = np.linalg.eigh(K)
    lam, U = lam[::-1], U[:, ::-1]
    N = len(y)
    return Population(eigenvalues=np.clip(lam, 0.0, None) / N, coefficients=U.T @ y / np.sqrt(N), kernel=K,
                      target=y)


def effective_ridge(eigenvalues: np.ndarray, n: int, ridge: float = 0.0) -> float:
    """kappa > 0 with sum_i lambda_i / (lambda_i + kappa) + ridge / kappa = n (the module docstring)."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    lam = lam[lam > 0]
    if ridge < 0 or not np.isfinite(ridge):
        raise InputError(f"ridge must be a non-negative number, got {ridge}")
    if n < 1 or (ridge == 0 and n >= len(lam)):
        raise InputError(f"n must be between 1 and {len(lam) - 1} (the kernel's positive eigenvalues) without a "
                         f"ridge, got {n}")

    def excess(log_kappa):
        kappa = np.exp(log_kappa)
        return np.sum(lam / (lam + kappa)) + ridge / kappa - n

    lo, hi = np.log(lam.max()) - 80.0, np.log(lam.sum() + ridge) + 5.0  # excess > 0 at lo, < 0 at hi
    return float(np.exp(optimize.brentq(excess, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=500)))


class Prediction(NamedTuple):
    """Per n: ``kappa``, predicted ``test_mse``, ``train_mse``; ``learnability (len(n), modes)`` per mode."""

    n: np.ndarray
    kappa: np.ndarray
    test_mse: np.ndarray
    train_mse: np.ndarray
    learnability: np.ndarray


def predict(pop: Population, ns, ridge: float = 0.0) -> Prediction:
    """Predicted test and train MSE and the modes' learnabilities for each number of training points in ``ns``."""
    ns = np.asarray(ns, dtype=int)
    kappas, tests, trains, learn = [], [], [], []
    for n in ns:
        kappa = effective_ridge(pop.eigenvalues, int(n), ridge)
        L = pop.eigenvalues / (pop.eigenvalues + kappa)
        e0 = n / (n - np.sum(L**2))
        test = e0 * np.sum((1.0 - L) ** 2 * pop.coefficients**2)
        kappas.append(kappa)
        tests.append(test)
        trains.append((ridge / (n * kappa)) ** 2 * test)
        learn.append(L)
    return Prediction(n=ns, kappa=np.array(kappas), test_mse=np.array(tests), train_mse=np.array(trains),
                      learnability=np.array(learn))


def measured(pop: Population, ns, ridge: float = 0.0, draws: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Kernel regression on ``draws`` random training sets of each size n (i.i.d. from the population, as the theory
    assumes, so a point may repeat; numpy ``default_rng(seed)``; ridgeless: least squares): (mean test MSE over the
    whole population (len(ns),), its standard error)."""
    rng = np.random.default_rng(seed)
    N = len(pop.target)
    means, errors = [], []
    for n in np.asarray(ns, dtype=int):
        if not 1 <= n < N:
            raise InputError(f"n must be between 1 and {N - 1}, got {n}")
        mse = []
        for _ in range(draws):
            idx = rng.choice(N, size=int(n), replace=True)
            K = pop.kernel[np.ix_(idx, idx)] + ridge * np.eye(len(idx))
            alpha = np.linalg.lstsq(K, pop.target[idx], rcond=1e-13)[0] if ridge == 0 else np.linalg.solve(
                K, pop.target[idx])
            mse.append(np.mean((pop.kernel[:, idx] @ alpha - pop.target) ** 2))
        means.append(np.mean(mse))
        errors.append(np.std(mse, ddof=1) / np.sqrt(draws) if draws > 1 else np.nan)
    return np.array(means), np.array(errors)
