"""Predicted training dynamics of the linearised (infinite-width) network under MSE, from t = 0.

Convention (the one of ``neural_tangents.predict.gradient_descent_mse``), used everywhere in ntk_fourier:

    L(f) = 1/(2n) * sum_i (f_i - y_i)^2,     n = number of training values = y_train.size.

With the NTK K = V diag(lambda) V^T on the training points, the residual r = f(X) - y along eigenvector k evolves as

    gradient flow (time t = eta * steps):   r_k(t) = exp(-eta lambda_k t / n) r_k(0)
    gradient descent (t steps, rate eta):   r_k(t) = (1 - eta lambda_k / n)^t r_k(0)

and the test outputs as f_*(t) = f_*(0) - K_* V diag((1 - decay_k(t)) / lambda_k) V^T r(0) (Lee et al. 2019,
arXiv:1902.06720, eqs. 9-10). Discrete GD is stable iff eta < 2n / lambda_max.

The start f(0) is either given (a network's own outputs at initialisation) or zero: the mean of the infinite
ensemble. With the NNGP K^G, an ensemble started from f(0) ~ GP(0, K^G) has variance on test points
Var f_*(t) = diag(K^G_**) - 2 diag(A K^G_{X*}) + diag(A K^G_XX A^T), with A = K_* V diag((1 - decay)/lambda) V^T.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.execution import DEFAULT, Execution
from ntk_fourier.steps import check_steps
from ntk_fourier.traced import numpy_only


class StabilityWarning(UserWarning):
    """The learning rate is above 2n / lambda_max: discrete gradient descent diverges."""


class Prediction(NamedTuple):
    """Predicted dynamics at the requested steps. T = len(steps), n train points, m test points, k outputs.

    ``f_train (T, n, k)``, ``f_test (T, m, k)``, ``mse_train (T,)`` and ``mse_test (T,)`` (mean over all values),
    ``mode_residuals (T, n, k)``: V^T (f(X) - y), the residual along each NTK eigenvector (eigenvalues descending),
    ``eigenvalues (n,)`` and ``eigenvectors (n, n)`` of the training NTK, ``var_train (T, n)`` and ``var_test (T, m)``
    (ensemble variance; None unless the NNGP was given), ``max_stable_lr`` = 2n / lambda_max.
    """

    steps: np.ndarray
    f_train: np.ndarray
    f_test: np.ndarray | None
    mse_train: np.ndarray
    mse_test: np.ndarray | None
    mode_residuals: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    var_train: np.ndarray | None
    var_test: np.ndarray | None
    max_stable_lr: float


@numpy_only("2 * n / jax.numpy.max(eigenvalues)")
def max_stable_lr(eigenvalues: np.ndarray, n: int) -> float:
    """Largest stable gradient-descent rate 2n / lambda_max for the loss 1/(2n) sum (f - y)^2."""
    return 2.0 * n / float(np.max(eigenvalues))


@numpy_only("nf.core.dynamics.decay")
def decay(eigenvalues: np.ndarray, lr: float, t: float, n: int, flow: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(decay_k(t), (1 - decay_k(t)) / lambda_k) for each eigenvalue, computed without cancellation."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    x = lr * lam / n
    if flow:
        log_decay = -x * t
    else:  # log (1 - x)^t where x < 1; x >= 1 (unstable or oscillating) is handled by the direct power below
        log_decay = np.where(x < 1.0, t * np.log1p(-np.where(x < 1.0, x, 0.0)), 0.0)
    unstable = np.zeros_like(x, dtype=bool) if flow else x >= 1.0
    with np.errstate(over="ignore"):  # diverging modes overflow to inf, as gradient descent would
        d = np.where(unstable, np.power(1.0 - x, t), np.exp(log_decay))
    one_minus = np.where(unstable, 1.0 - d, -np.expm1(log_decay))
    tiny = np.abs(lam) < 1e-300
    gain = np.where(tiny, lr * t / n, one_minus / np.where(tiny, 1.0, lam))
    return d, gain


def _as_2d(y: np.ndarray, name: str) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.size == 0:
        raise InputError(f"{name} must have shape (n,) or (n, outputs) with n >= 1, got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise InputError(f"{name} contains NaN or infinite values")
    return y


def _rate_and_start(lam: np.ndarray, lr: float, flow: bool, f0_train, y: np.ndarray) -> tuple[float, np.ndarray]:
    """(2n / lambda_max, warning when gradient descent diverges; the start f(0) shaped like y, default zero)."""
    lr_max = max_stable_lr(lam, y.size)
    if not flow and lr >= lr_max:
        warnings.warn(f"learning rate {lr:g} is at or above the stable limit 2n/lambda_max = {lr_max:.4g}: "
                      "gradient descent diverges", StabilityWarning, stacklevel=3)
    f0 = np.zeros_like(y) if f0_train is None else _as_2d(f0_train, "f0_train")
    if f0.size != y.size:
        raise InputError(f"f0_train has {f0.size} values but y_train has {y.size}")
    return lr_max, f0.reshape(y.shape)


@numpy_only("nf.core.dynamics.predict")
def predict(ntk_train: np.ndarray, y_train: np.ndarray, *, lr: float, steps, ntk_test: np.ndarray | None = None,
            y_test: np.ndarray | None = None, f0_train: np.ndarray | None = None,
            f0_test: np.ndarray | None = None, flow: bool = False, nngp_train: np.ndarray | None = None,
            nngp_test: np.ndarray | None = None, nngp_test_diag: np.ndarray | None = None) -> Prediction:
    """Predicted outputs, errors and per-eigenmode residuals at ``steps`` (see the module docstring).

    Args:
      ntk_train: NTK on the training points, ``(n, n)``.
      y_train: targets, ``(n,)`` or ``(n, k)``.
      lr: learning rate eta.
      steps: GD step counts (with ``flow=True``, gradient-flow time in units of steps).
      ntk_test: test-by-train NTK, ``(m, n)``.
      y_test: test targets, ``(m,)`` or ``(m, k)`` (for ``mse_test``).
      f0_train: outputs on the training points at t = 0 (default zero: the infinite-ensemble mean).
      f0_test: outputs on the test points at t = 0 (default zero).
      flow: gradient flow exp(-eta lambda t / n) instead of gradient descent (1 - eta lambda / n)^t.
      nngp_train: NNGP on the training points ``(n, n)``; with the next two, gives the ensemble variance.
      nngp_test: test-by-train NNGP ``(m, n)``.
      nngp_test_diag: NNGP variance at each test point ``(m,)``.
    """
    y = _as_2d(y_train, "y_train")
    n_pts, n_out = y.shape
    K = np.asarray(ntk_train, dtype=np.float64)
    if K.shape != (n_pts, n_pts) or not np.all(np.isfinite(K)):
        raise InputError(f"ntk_train must be a finite ({n_pts}, {n_pts}) matrix to match y_train, got {K.shape}")
    if not lr > 0 or not np.isfinite(lr):
        raise InputError(f"learning rate must be a positive number, got {lr}")
    steps = check_steps(steps)
    n = y.size
    lam, V = np.linalg.eigh(K)
    lam, V = lam[::-1], V[:, ::-1]  # descending
    lr_max, f0 = _rate_and_start(lam, lr, flow, f0_train, y)
    r0_modes = V.T @ (f0 - y)  # (n, k)
    has_test = ntk_test is not None
    if has_test:
        Ks = np.asarray(ntk_test, dtype=np.float64)
        if Ks.ndim != 2 or Ks.shape[1] != n_pts:
            raise InputError(f"ntk_test must have shape (m, {n_pts}), got {Ks.shape}")
        m = Ks.shape[0]
        f0s = np.zeros((m, n_out)) if f0_test is None else _as_2d(f0_test, "f0_test")
        if f0s.size != m * n_out:
            raise InputError(f"f0_test has {f0s.size} values but the test set needs {m * n_out}")
        f0s = f0s.reshape(m, n_out)
        ys = None if y_test is None else _as_2d(y_test, "y_test")
        if ys is not None and ys.shape != (m, n_out):
            raise InputError(f"y_test must have shape ({m}, {n_out}) to match the test kernel, got {ys.shape}")
        KsV = Ks @ V  # (m, n)
    with_var = nngp_train is not None
    out = {k: [] for k in ("f_train", "f_test", "mse_train", "mse_test", "modes", "var_train", "var_test")}
    for t in steps:
        d, gain = decay(lam, lr, t, n, flow)
        modes = d[:, None] * r0_modes
        f_train = f0 - V @ ((1.0 - d)[:, None] * r0_modes)  # equals y + V modes; exact f0 at t = 0
        out["modes"].append(modes)
        out["f_train"].append(f_train)
        out["mse_train"].append(np.mean((f_train - y) ** 2))
        if has_test:
            f_test = f0s - KsV @ (gain[:, None] * r0_modes)
            out["f_test"].append(f_test)
            if ys is not None:
                out["mse_test"].append(np.mean((f_test - ys) ** 2))
        if with_var:
            D = (V * d) @ V.T  # residual propagator (n, n)
            out["var_train"].append(np.einsum("ij,jk,ik->i", D, nngp_train, D))
            if has_test:
                A = (KsV * gain) @ V.T  # (m, n)
                out["var_test"].append(nngp_test_diag - 2.0 * np.sum(A * nngp_test, 1)
                                       + np.einsum("ij,jk,ik->i", A, nngp_train, A))
    stack = lambda key: np.array(out[key]) if out[key] else None  # noqa: E731
    return Prediction(steps=steps, f_train=stack("f_train"), f_test=stack("f_test"), mse_train=stack("mse_train"),
                      mse_test=stack("mse_test"), mode_residuals=stack("modes"), eigenvalues=lam, eigenvectors=V,
                      var_train=stack("var_train"), var_test=stack("var_test"), max_stable_lr=lr_max)


class TopPrediction(NamedTuple):
    """Training-point dynamics from the top K eigenpairs only. T steps, n points, k outputs.

    ``f_train (T, n, k)``, ``mse_train (T,)``, ``mode_residuals (T, K, k)`` (residual along each given eigenvector),
    ``error_bound (T,)``: a bound on the RMS difference between ``f_train`` and the full-kernel prediction (see
    `predict_top`), ``max_stable_lr`` = 2n / lambda_1.
    """

    steps: np.ndarray
    f_train: np.ndarray
    mse_train: np.ndarray
    mode_residuals: np.ndarray
    error_bound: np.ndarray
    max_stable_lr: float


@numpy_only("nf.core.dynamics.decay")
def predict_top(eigenvalues: np.ndarray, eigenvectors: np.ndarray, y_train: np.ndarray, *, lr: float, steps,
                f0_train: np.ndarray | None = None, flow: bool = False,
                residuals: np.ndarray | None = None) -> TopPrediction:
    """Predicted training-point outputs from the top K eigenpairs of the training NTK (e.g. `top_eigenpairs_points`),
    for point sets too large for `predict`'s dense eigendecomposition. Same convention as `predict`.

    The K given modes evolve exactly; the rest (the residual outside their span, r_perp) is held at its start
    value. Those modes have eigenvalues at most lambda_K (plus the residual ``residuals[-1]`` of the K-th pair when
    given), so the error is at most (1 - decay(lambda_K, t)) |r_perp| (in RMS over the n k values): small while
    eta lambda_K t / n << 1, i.e. until the first unresolved modes would start to be learned. Raise K for longer
    horizons.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    V = np.asarray(eigenvectors, dtype=np.float64)
    y = _as_2d(y_train, "y_train")
    if lam.ndim != 1 or V.shape != (len(y), len(lam)):
        raise InputError(f"eigenvectors must have shape ({len(y)}, {len(lam)}) for {len(lam)} eigenvalues and "
                         f"{len(y)} training points, got {V.shape}")
    if not lr > 0 or not np.isfinite(lr):
        raise InputError(f"learning rate must be a positive number, got {lr}")
    steps = check_steps(steps)
    n = y.size
    lr_max, f0 = _rate_and_start(lam, lr, flow, f0_train, y)
    r0 = f0 - y
    modes0 = V.T @ r0  # (K, k)
    r_perp = np.linalg.norm(r0 - V @ modes0)
    lam_tail = lam[-1] + (0.0 if residuals is None else float(np.asarray(residuals)[-1]))
    f_train, mse, modes, bound = [], [], [], []
    for t in steps:
        d, _ = decay(lam, lr, t, n, flow)
        r = r0 + V @ ((d - 1.0)[:, None] * modes0)
        f_train.append(y + r)
        mse.append(np.mean(r ** 2))
        modes.append(d[:, None] * modes0)
        tail, _ = decay(np.array([lam_tail]), lr, t, n, flow)  # 1 - decay grows with lambda while eta lambda < n
        factor = abs(1.0 - tail[0]) if flow or lr * lam_tail < n else 2.0
        bound.append(factor * r_perp / np.sqrt(n))
    return TopPrediction(steps=steps, f_train=np.array(f_train), mse_train=np.array(mse),
                         mode_residuals=np.array(modes), error_bound=np.array(bound), max_stable_lr=lr_max)


def predict_model(model, data: dict, *, lr: float, steps, flow: bool = False, f0_train=None, f0_test=None,
                  execution: Execution = DEFAULT) -> Prediction:
    """`predict` for a model on a data set (``x_train``, ``y_train``, ``x_test``, ``y_test``): computes the
    model's kernels first (`kernels`, with ``execution``). Without ``f0_train`` it predicts the infinite ensemble
    (mean from zero, with the NNGP variance); with it, the network started from those outputs."""
    from ntk_fourier.kernel.engine import kernel_diagonal, kernels, require_dense
    n, m = len(data["x_train"]), len(data["x_test"])  # both kernels of both sets, the eigendecomposition, predictions
    require_dense(n, n + m, 4, "the NTK and NNGP prediction")
    k_train = kernels(model, data["x_train"], execution=execution)
    k_test = kernels(model, data["x_test"], data["x_train"], execution=execution)
    ensemble = f0_train is None
    return predict(k_train.ntk, data["y_train"], lr=lr, steps=steps, ntk_test=k_test.ntk, y_test=data["y_test"],
                   f0_train=f0_train, f0_test=f0_test, flow=flow,
                   nngp_train=k_train.nngp if ensemble else None, nngp_test=k_test.nngp if ensemble else None,
                   nngp_test_diag=(kernel_diagonal(model, data["x_test"], execution=execution).nngp if ensemble
                                   else None))
