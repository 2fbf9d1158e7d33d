"""Top eigenpairs of a large symmetric operator whose products are expensive: block Lanczos (Golub & Underwood 1977)
with full reorthogonalisation.

Each step multiplies the operator by a block of b vectors at once, so with a kernel computed tile by tile
(`operators.KernelOperator`) one pass over the kernel serves b vectors: the top k eigenpairs take a few passes of
b >= k columns instead of the hundreds of single products ARPACK (``scipy.sparse.linalg.eigsh``) would need.

Certificate: for a Ritz pair (theta, v) of the Krylov basis Q, K v - theta v = Q_next B y_last, so its norm
``||K v - theta v||`` is known without another product. Some eigenvalue of K lies within that residual of theta, and
within residual^2 / gap when theta is separated by ``gap`` from the rest of K's spectrum (Kato-Temple).
"""
from __future__ import annotations

import time
from typing import Callable, NamedTuple

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.progress import status


class Eigenpairs(NamedTuple):
    """``values`` ``(k,)`` descending, ``vectors`` ``(n, k)`` orthonormal columns, ``residuals`` ``(k,)`` =
    ``||K v - value v||``, ``passes``: products with the operator (each a block of vectors), ``pass_seconds``: the
    time of each product."""

    values: np.ndarray
    vectors: np.ndarray
    residuals: np.ndarray
    passes: int
    pass_seconds: tuple = ()


def _project_out(W: np.ndarray, basis: list[np.ndarray]) -> np.ndarray:
    """W minus its components along the orthonormal basis blocks (twice, for stability)."""
    for _ in range(2):
        for Q in basis:
            W = W - Q @ (Q.T @ W)
    return W


def _tridiagonal(alphas: list[np.ndarray], betas: list[np.ndarray]) -> np.ndarray:
    b = alphas[0].shape[0]
    T = np.zeros((b * len(alphas), b * len(alphas)))
    for i, A in enumerate(alphas):
        T[i * b:(i + 1) * b, i * b:(i + 1) * b] = A
    for i, B in enumerate(betas[:len(alphas) - 1]):  # Q_{i+1} B_i = residual of block i
        T[(i + 1) * b:(i + 2) * b, i * b:(i + 1) * b] = B
        T[i * b:(i + 1) * b, (i + 1) * b:(i + 2) * b] = B.T
    return T


def block_lanczos(apply: Callable[[np.ndarray], np.ndarray], n: int, k: int, *, block: int | None = None,
                  tol: float = 1e-8, max_passes: int = 60, seed: int = 0,
                  execution: Execution = DEFAULT) -> Eigenpairs:
    """Top ``k`` eigenpairs of the symmetric operator ``apply`` (``(n, b)`` -> ``(n, b)``) on R^n.

    Stops when every one of the top k Ritz pairs has ``residual <= tol * value`` (relative to the largest value for
    values <= 0), when the Krylov basis spans R^n (then exact), or after ``max_passes`` products; the residuals say
    which happened (the basis cannot grow past n - b columns). ``block`` (default ``k + 8``): vectors per product.
    There are no restarts: each pass adds one block to the basis, which is kept whole.
    ``execution.progress``: one status line per pass (its time, the product's share, the basis, the residuals).
    """
    b = int(block) if block is not None else k + 8
    if not 1 <= k < n:
        raise InputError(f"the number of eigenpairs must be between 1 and {n - 1} for {n} points, got {k}")
    if b < 1:
        raise InputError(f"block must be positive, got {block}")
    b = min(b, n)
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, b)))
    basis, alphas, betas, seconds = [Q], [], [], []  # K Q_j = Q_{j-1} B_{j-1}^T + Q_j A_j + Q_{j+1} B_j
    for passes in range(1, max_passes + 1):
        Q = basis[-1]
        start = time.perf_counter()
        W = apply(Q)
        seconds.append(time.perf_counter() - start)
        A = Q.T @ W
        alphas.append((A + A.T) / 2)
        W = W - Q @ alphas[-1] - (basis[-2] @ betas[-1].T if betas else 0.0)
        W = _project_out(W, basis)
        theta, Y = np.linalg.eigh(_tridiagonal(alphas, betas))
        theta, Y = theta[::-1][:k], Y[:, ::-1][:, :k]
        residuals = np.linalg.norm(W @ Y[-b:], axis=0)
        scale = np.where(theta > 0, theta, theta[0] if theta[0] > 0 else 1.0)
        status(f"block Lanczos pass {passes}: {time.perf_counter() - start:.1f} s ({seconds[-1]:.1f} s in the "
               f"product), basis {b * len(basis)} vectors, largest residual / eigenvalue of the top {k} "
               f"{np.max(residuals / scale):.1e} (stops at {tol:.0e})", execution.progress)
        if np.all(residuals <= tol * scale) or passes == max_passes or n - b * len(basis) < b:
            break
        Q_next, B = np.linalg.qr(W)
        basis.append(Q_next)
        betas.append(B)
    vectors = np.zeros((n, k))
    for i, block_q in enumerate(basis):
        vectors += block_q @ Y[i * b:(i + 1) * b]
    return Eigenpairs(values=theta, vectors=vectors, residuals=residuals, passes=passes, pass_seconds=tuple(seconds))
