"""Kernel regression on arbitrary points at scale, matrix-free: conjugate gradients on the tiled kernel.

Solves (K + ridge I) alpha = y - f0 for all output columns at once (each CG iteration is one pass over the kernel,
`operators.KernelOperator`, shared by the columns), then predicts f_* = f0_* + K_{*X} alpha with one pass over the
test-by-train tiles. With ridge = 0 this is the t -> infinity limit of the predicted dynamics (`dynamics.predict`,
same convention): f_*(inf) = f0_* + K_* K^{-1} (y - f0). On the training points f = f0 + K alpha = y - ridge alpha,
so no extra pass is needed.

Preconditioner (optional): the top eigenpairs (V, lambda_1..lambda_K) of K, e.g. from `top_eigenpairs_points`:
M^{-1} = V diag(1 / (lambda + ridge)) V^T + (I - V V^T) / (lambda_K + ridge), which deflates the top modes: the
condition number drops from (lambda_1 + ridge) / (lambda_n + ridge) to about (lambda_K + ridge) / (lambda_n + ridge).
"""
from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from ntk_fourier.model import mappings
from ntk_fourier.kernel.dynamics import _as_2d
from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.model import Model
from ntk_fourier.kernel.operators import KernelOperator
from ntk_fourier.progress import status


class Regression(NamedTuple):
    """``alpha (n, k)``; ``f_train (n, k)``; ``f_test (m, k)`` or None; ``mse_test`` or None; ``iterations``;
    ``relative_residuals (k,)``: |y - f0 - (K + ridge) alpha| / |y - f0| per column (CG's recursive residual);
    ``converged``: all at most ``tol``; ``pass_seconds``: the time of each pass over the training kernel (one per
    iteration); ``test_seconds``: the pass over the test-by-train kernel."""

    alpha: np.ndarray
    f_train: np.ndarray
    f_test: np.ndarray | None
    mse_test: float | None
    iterations: int
    relative_residuals: np.ndarray
    converged: bool
    pass_seconds: tuple = ()
    test_seconds: float = 0.0


def _preconditioner(eigenpairs, n: int, ridge: float):
    if eigenpairs is None:
        return lambda R: R
    lam, V = np.asarray(eigenpairs[0], dtype=np.float64), np.asarray(eigenpairs[1], dtype=np.float64)
    if V.shape != (n, len(lam)):
        raise InputError(f"eigenvectors must have shape ({n}, {len(lam)}), got {V.shape}")
    floor = lam[-1] + ridge

    def apply(R):
        C = V.T @ R
        return V @ (C / (lam + ridge)[:, None]) + (R - V @ C) / floor

    return apply


def conjugate_gradients(apply, B: np.ndarray, *, precondition=None, tol: float = 1e-6, max_iter: int = 200,
                        execution: Execution = DEFAULT) -> tuple[np.ndarray, np.ndarray, int]:
    """Solve A X = B column by column for symmetric positive definite ``apply`` (``(n, k)`` -> ``(n, k)``), all
    columns in each product. Returns (X, residual B - A X as CG tracks it, iterations). ``execution.progress``: one
    status line per iteration (its time and residual)."""
    precondition = precondition or (lambda R: R)
    norms = np.linalg.norm(B, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    X, R = np.zeros_like(B), B.copy()
    Z = precondition(R)
    P, rz = Z.copy(), np.sum(R * Z, axis=0)
    iterations = 0
    for iterations in range(1, max_iter + 1):
        start = time.perf_counter()
        AP = apply(P)
        pap = np.sum(P * AP, axis=0)
        step = np.where(pap > 0, rz / np.where(pap > 0, pap, 1.0), 0.0)
        X += P * step
        R -= AP * step
        relative = np.linalg.norm(R, axis=0) / norms
        status(f"conjugate gradients, iteration {iterations}: {time.perf_counter() - start:.1f} s, largest relative "
               f"residual {np.max(relative):.1e} (stops at {tol:.0e})", execution.progress)
        if np.all(relative <= tol):
            break
        Z = precondition(R)
        rz_new = np.sum(R * Z, axis=0)
        P = Z + P * np.where(rz > 0, rz_new / np.where(rz > 0, rz, 1.0), 0.0)
        rz = rz_new
    return X, R, iterations


def regress_points(model: Model, x_train: np.ndarray, y_train: np.ndarray, *, x_test: np.ndarray | None = None,
                   y_test: np.ndarray | None = None, f0_train: np.ndarray | None = None,
                   f0_test: np.ndarray | None = None, ridge: float = 0.0, which: str = "ntk", eigenpairs=None,
                   tol: float = 1e-6, max_iter: int = 200, execution: Execution = DEFAULT) -> Regression:
    """Kernel regression with the model's NTK (or NNGP) on arbitrary points, matrix-free (see the module docstring).

    ``eigenpairs``: (eigenvalues descending, eigenvectors (n, K)) of the training kernel, for the preconditioner.
    ``execution``: the engine, the kernel's tile side (default 4096), the memory for the training kernel's tiles kept
    between iterations (``cache``, `KernelOperator`), progress, and the mesh (`devices.mesh`) whose devices the
    kernel's tiles are spread over at every iteration.
    """
    x = mappings._check_points(x_train, "x_train")
    y = _as_2d(y_train, "y_train")
    if len(y) != len(x):
        raise InputError(f"y_train has {len(y)} rows but x_train has {len(x)} points")
    if not (ridge >= 0 and np.isfinite(ridge)):
        raise InputError(f"ridge must be a non-negative number, got {ridge}")
    if ridge == 0:
        _, first, counts = np.unique(x, axis=0, return_index=True, return_counts=True)
        if np.any(counts > 1):
            i = int(first[np.argmax(counts > 1)])
            raise InputError(f"x_train holds {int(np.sum(counts - 1))} repeated point(s) (e.g. point {i}, "
                             f"{x[i].tolist()}): the kernel matrix is singular, so the system has no unique solution "
                             "without a ridge; give --ridge > 0 (e.g. 1e-6) or remove the repeats")
    f0 = np.zeros_like(y) if f0_train is None else _as_2d(f0_train, "f0_train").reshape(y.shape)
    K = KernelOperator(model, x, which, execution=execution)
    B = y - f0
    alpha, R, iterations = conjugate_gradients(
        lambda V: K @ V + ridge * V, B, precondition=_preconditioner(eigenpairs, len(x), ridge), tol=tol,
        max_iter=max_iter, execution=execution)
    norms = np.linalg.norm(B, axis=0)
    relative = np.linalg.norm(R, axis=0) / np.where(norms > 0, norms, 1.0)
    f_test = mse_test = None
    test_seconds = 0.0
    if x_test is not None:
        xs = mappings._check_points(x_test, "x_test")
        K_test = KernelOperator(model, xs, which, x2=x, execution=execution.replace(cache=0))  # used once
        f_test = K_test @ alpha
        test_seconds = K_test.seconds
        if f0_test is not None:
            f_test = f_test + _as_2d(f0_test, "f0_test").reshape(f_test.shape)
        if y_test is not None:
            mse_test = float(np.mean((f_test - _as_2d(y_test, "y_test").reshape(f_test.shape)) ** 2))
    return Regression(alpha=alpha, f_train=y - ridge * alpha - R, f_test=f_test, mse_test=mse_test,
                      iterations=iterations, relative_residuals=relative, converged=bool(np.all(relative <= tol)),
                      pass_seconds=tuple(K.pass_seconds), test_seconds=test_seconds)
