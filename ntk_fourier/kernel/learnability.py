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

These are exact, for large n and many modes, when the eigenfunctions evaluated at the training points behave like
independent Gaussian features (the "Gaussian design"); `gaussian_design` simulates exactly that, with the same
eigenvalues and coefficients, as a control. Real points are not Gaussian features: for ridgeless regression on random
points in low dimension with a kernel that has a cusp (the ReLU NTK), the error on each draw follows the gaps
between neighbouring training points, and the equations underestimate the mean error (by a factor of about 1.2 to 1.9
for 1D 1/f signals at n = 32 to 128); a ridge closes the gap. `measured` draws training sets from the population and
regresses, to check them. The NTK's regression at convergence is the ridgeless case (delta = 0), as in
`regression.regress_points`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import optimize

from ntk_fourier.errors import InputError
from ntk_fourier.traced import numpy_only


class Population(NamedTuple):
    """``eigenvalues (N,)`` of the integral operator (descending), ``coefficients (N,)`` v_i of the target in its
    eigenfunctions, ``kernel (N, N)`` the Gram matrix (for `measured`), ``target (N,)``, ``vectors (N, N)`` the
    Gram matrix's unit eigenvectors (columns, in the eigenvalues' order; phi_i = sqrt(N) u_i)."""

    eigenvalues: np.ndarray
    coefficients: np.ndarray
    kernel: np.ndarray
    target: np.ndarray
    vectors: np.ndarray | None = None


@numpy_only("jax.numpy.linalg.eigh")
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
                      target=y, vectors=U)


@numpy_only("nf.core.learnability.effective_ridge")
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


@numpy_only("nf.core.learnability.learnability")
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


def training_sets(size: int, n: int, draws: int, seed: int = 0, replace: bool = False) -> np.ndarray:
    """``draws`` random training sets of ``n`` indices into a population of ``size`` points, ``(draws, n)``
    (numpy ``default_rng(seed)``): without replacement (the default: distinct points, as from a continuous
    distribution, which a population of at least 8 n approximates) or i.i.d. with replacement (a point may repeat)."""
    if not 1 <= n < size:
        raise InputError(f"n must be between 1 and {size - 1}, got {n}")
    rng = np.random.default_rng(seed)
    if replace:
        return rng.integers(0, size, (draws, n))
    return np.argsort(rng.random((draws, size)), axis=1)[:, :n]


def regression_errors(pop: Population, sets: np.ndarray, ridge: float = 0.0, held_out: bool = False,
                chunk: int = 64) -> np.ndarray:
    """Test MSE of kernel regression ((K + ridge I) alpha = y; ridgeless: interpolation) on each training set of
    ``sets (draws, n)`` (`training_sets`), ``(draws,)``: over the whole population, training points included, as the
    equations define it (``held_out``: over the points outside the training set only; ridgeless, the two differ by
    the factor 1 - n / N)."""
    K, y = pop.kernel, pop.target
    sets = np.asarray(sets, dtype=int)
    out = np.empty(len(sets))
    for start in range(0, len(sets), chunk):
        idx = sets[start:start + chunk]
        distinct = all(len(np.unique(row)) == idx.shape[1] for row in idx)
        if not distinct:  # repeated points: solve per draw (ridgeless: the repeats are the same constraint)
            for j, row in enumerate(idx):
                rows = np.unique(row) if ridge == 0 else row
                alpha = np.linalg.solve(K[np.ix_(rows, rows)] + ridge * np.eye(len(rows)), y[rows])
                residual = (alpha @ K[rows] - y) ** 2
                out[start + j] = np.mean(np.delete(residual, np.unique(row))) if held_out else np.mean(residual)
            continue
        A = K[idx[:, :, None], idx[:, None, :]] + ridge * np.eye(idx.shape[1])
        alpha = np.linalg.solve(A, y[idx][..., None])[..., 0]
        residual = ((alpha[:, None, :] @ K[idx])[:, 0] - y) ** 2
        if held_out:
            np.put_along_axis(residual, idx, 0.0, axis=1)
        out[start:start + len(idx)] = residual.sum(1) / (len(y) - idx.shape[1] if held_out else len(y))
    return out


def measured(pop: Population, ns, ridge: float = 0.0, draws: int = 20, seed: int = 0,
             replace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Kernel regression on ``draws`` random training sets of each size n (`training_sets` with ``seed`` + n, without
    replacement unless ``replace``; `regression_errors` over the whole population): (mean test MSE (len(ns),), its
    standard error)."""
    means, errors = [], []
    for n in np.asarray(ns, dtype=int):
        mse = regression_errors(pop, training_sets(len(pop.target), int(n), draws, seed + int(n), replace), ridge)
        means.append(np.mean(mse))
        errors.append(np.std(mse, ddof=1) / np.sqrt(draws) if draws > 1 else np.nan)
    return np.array(means), np.array(errors)


def gaussian_design(pop: Population, n: int, ridge: float = 0.0, draws: int = 20, seed: int = 0,
                    chunk: int = 16) -> np.ndarray:
    """The control where the equations are exact for large n: ridge regression with Gaussian features of the same
    eigenvalues and coefficients (z ~ N(0, I) per training point, k(z, z') = sum_i lambda_i z_i z'_i, target
    y = sum_i v_i z_i; test MSE sum_i (lambda_i (Z^T alpha)_i - v_i)^2, exact). Per-draw test MSE ``(draws,)``
    (numpy ``default_rng(seed)``)."""
    keep = pop.eigenvalues > 0
    lam, v = pop.eigenvalues[keep], pop.coefficients[keep]
    lost = float(np.sum(pop.coefficients[~keep] ** 2))  # modes of zero eigenvalue are never learned
    if not 1 <= n < len(lam) or ridge < 0:
        raise InputError(f"n must be between 1 and {len(lam) - 1} and the ridge non-negative, got n = {n}, "
                         f"ridge = {ridge}")
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, draws, chunk):
        Z = rng.standard_normal((min(chunk, draws - start), n, len(lam)))
        A = (Z * lam) @ Z.transpose(0, 2, 1) + ridge * np.eye(n)
        alpha = np.linalg.solve(A, (Z @ v)[..., None])[..., 0]
        w = lam * (alpha[:, None, :] @ Z)[:, 0]
        out.append(np.sum((w - v) ** 2, axis=1) + lost)
    return np.concatenate(out)
