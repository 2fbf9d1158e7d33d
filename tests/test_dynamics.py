"""Predicted dynamics vs gradient descent run step by step on the linear model with the kernel's features."""
import warnings

import numpy as np
import pytest
from scipy.linalg import expm

import ntk_fourier as nf
from ntk_fourier import Mapping, Model, StabilityWarning, decay, kernels, max_stable_lr, predict


def _problem(outputs=1, seed=0):
    """A real NTK on train + test points and its exact feature factorisation K = Phi Phi^T."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (30, 1))
    model = Model(mapping=Mapping("gaussian", sigma=3.0, features=64), depth=2)
    k = kernels(model, x, execution=nf.QUIET)
    lam, V = np.linalg.eigh(k.ntk)
    phi = V * np.sqrt(np.clip(lam, 0, None))  # (30, 30): the linear model f = phi @ w has kernel phi phi^T
    joint = phi @ phi.T
    y = np.sin(2 * np.pi * 3 * x) + (0 if outputs == 1 else np.cos(2 * np.pi * x) * np.arange(outputs))
    tr, te = np.arange(0, 30, 2), np.arange(1, 30, 2)
    return joint, k.nngp, phi, y.reshape(30, outputs), tr, te


def _gd(phi, y, tr, te, lr, steps, w0):
    """Plain gradient descent on w for L = 1/(2n) sum (phi_tr w - y)^2, n = y_train.size; outputs at ``steps``."""
    w, n = w0.copy(), y[tr].size
    f_tr, f_te = [], []
    for t in range(max(steps) + 1):
        if t in steps:
            f_tr.append(phi[tr] @ w)
            f_te.append(phi[te] @ w)
        w -= lr * phi[tr].T @ (phi[tr] @ w - y[tr]) / n
    return np.array(f_tr), np.array(f_te)


@pytest.mark.parametrize("outputs", [1, 3])
@pytest.mark.parametrize("from_zero", [True, False])
def test_discrete_prediction_equals_step_by_step_gd(outputs, from_zero):
    K, _, phi, y, tr, te = _problem(outputs)
    n = y[tr].size
    lr = 0.9 * max_stable_lr(np.linalg.eigvalsh(K[np.ix_(tr, tr)]), n)
    w0 = np.zeros((phi.shape[1], outputs)) if from_zero else np.random.default_rng(1).normal(size=(30, outputs))
    steps = [0, 1, 5, 40, 300]
    f_tr, f_te = _gd(phi, y, tr, te, lr, steps, w0)
    p = predict(K[np.ix_(tr, tr)], y[tr], lr=lr, steps=steps, ntk_test=K[np.ix_(te, tr)], y_test=y[te],
                f0_train=None if from_zero else phi[tr] @ w0, f0_test=None if from_zero else phi[te] @ w0)
    scale = np.abs(y).max()
    np.testing.assert_allclose(p.f_train, f_tr, atol=1e-9 * scale, err_msg="train outputs: predict vs GD")
    np.testing.assert_allclose(p.f_test, f_te, atol=1e-9 * scale, err_msg="test outputs: predict vs GD")
    np.testing.assert_allclose(p.mse_train, np.mean((f_tr - y[tr]) ** 2, axis=(1, 2)), rtol=1e-8)
    np.testing.assert_allclose(p.mse_test, np.mean((f_te - y[te]) ** 2, axis=(1, 2)), rtol=1e-8)
    np.testing.assert_allclose(p.mode_residuals, np.einsum("ij,tjk->tik", p.eigenvectors.T, f_tr - y[tr]),
                               atol=1e-9 * scale)


def test_gradient_flow_equals_matrix_exponential():
    K, _, _, y, tr, te = _problem()
    Ktr, n = K[np.ix_(tr, tr)], len(tr)
    f0 = np.random.default_rng(2).normal(size=(len(tr), 1))
    p = predict(Ktr, y[tr], lr=0.5, steps=[0.0, 3.0, 250.0], f0_train=f0, flow=True)
    for t, f in zip(p.steps, p.f_train):
        np.testing.assert_allclose(f, y[tr] + expm(-0.5 * Ktr * t / n) @ (f0 - y[tr]), atol=1e-10)


def test_per_mode_decay_rates():
    """r_k(t) = (1 - eta lambda_k / n)^t r_k(0) (GD) and exp(-eta lambda_k t / n) r_k(0) (flow)."""
    K, _, _, y, tr, _ = _problem()
    p = predict(K[np.ix_(tr, tr)], y[tr], lr=0.3, steps=[0, 7, 50])
    n = len(tr)
    for t, modes in zip(p.steps, p.mode_residuals):
        np.testing.assert_allclose(modes, (1 - 0.3 * p.eigenvalues / n)[:, None] ** t * p.mode_residuals[0],
                                   atol=1e-12)
    d, gain = decay(np.array([1e-30, 0.0, 2.0]), lr=0.1, t=10, n=4, flow=True)
    np.testing.assert_allclose(d, [1.0, 1.0, np.exp(-0.1 * 2 * 10 / 4)])
    np.testing.assert_allclose(gain, [0.1 * 10 / 4, 0.1 * 10 / 4, -np.expm1(-0.5) / 2.0])


def test_ensemble_variance_equals_propagated_covariance():
    """f(0) ~ GP(0, NNGP): the variance of the outputs equals M Sigma M^T, with M found by running GD on basis
    vectors of f(0) (the dynamics are affine in f(0))."""
    K, G, phi, y, tr, te = _problem()
    n, steps = len(tr), [0, 10, 200]
    lr = 0.5 * max_stable_lr(np.linalg.eigvalsh(K[np.ix_(tr, tr)]), n)
    p = predict(K[np.ix_(tr, tr)], y[tr], lr=lr, steps=steps, ntk_test=K[np.ix_(te, tr)], y_test=y[te],
                nngp_train=G[np.ix_(tr, tr)], nngp_test=G[np.ix_(te, tr)], nngp_test_diag=np.diag(G)[te])
    order = np.concatenate([tr, te])
    Sigma = G[np.ix_(order, order)]
    Ktr, Kte = K[np.ix_(tr, tr)], K[np.ix_(te, tr)]
    for i, t in enumerate(steps):
        # the part of the outputs that depends on f(0): one GD step maps (f_tr, f_te) by M below
        M_tr, M_te = np.eye(n), np.zeros((len(te), n))
        for _ in range(t):
            M_te = M_te - lr / n * Kte @ M_tr
            M_tr = M_tr - lr / n * Ktr @ M_tr
        M = np.block([[M_tr, np.zeros((n, len(te)))], [M_te, np.eye(len(te))]])
        var = np.diag(M @ Sigma @ M.T)
        np.testing.assert_allclose(p.var_train[i], var[:n], atol=1e-10 * var.max())
        np.testing.assert_allclose(p.var_test[i], var[n:], atol=1e-10 * var.max())


def test_stability_limit_and_warning():
    K, _, phi, y, tr, te = _problem()
    Ktr, n = K[np.ix_(tr, tr)], len(tr)
    lr_max = max_stable_lr(np.linalg.eigvalsh(Ktr), n)
    np.testing.assert_allclose(lr_max, 2 * n / np.linalg.eigvalsh(Ktr).max())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stable = predict(Ktr, y[tr], lr=0.99 * lr_max, steps=[0, 2000])
    assert stable.mse_train[-1] < stable.mse_train[0]
    with pytest.warns(StabilityWarning, match="stable limit"):
        unstable = predict(Ktr, y[tr], lr=1.01 * lr_max, steps=[0, 2000])
    f_tr, _ = _gd(phi, y, tr, te, 1.01 * lr_max, [2000], np.zeros((30, 1)))
    assert unstable.mse_train[-1] > 1e3 * unstable.mse_train[0]
    np.testing.assert_allclose(unstable.f_train[-1], f_tr[0], rtol=1e-6)


@pytest.mark.parametrize("flow", [True, False])
def test_residual_per_frequency_on_a_circulant_kernel(flow):
    """Sum of sines on a 32-point grid, a periodic stationary kernel (circulant Gram matrix): the residual at each
    frequency decays exactly as exp(-eta lambda_f t / n) (flow) or (1 - eta lambda_f / n)^t (GD), lambda_f the FFT
    eigenvalue of that frequency (`grid_spectrum`); `fourier_residuals` reads it from the predicted outputs."""
    from ntk_fourier.model.points import fourier_residuals
    model = Model(mapping=Mapping("power", features=12, p=1.0), depth=2)
    x = nf.grid((32,))
    y = np.sin(2 * np.pi * 1 * x[:, 0]) + 0.5 * np.cos(2 * np.pi * 3 * x[:, 0] + 0.3) + 0.2 * np.sin(2 * np.pi * 7 * x[:, 0])
    K = kernels(model, x, execution=nf.QUIET).ntk
    s = nf.grid_spectrum(model, (32,), execution=nf.QUIET)
    assert s.method == "fft"
    lam = {abs(int(f[0])): v for f, v in zip(s.frequencies, s.eigenvalues)}
    lr, steps = 0.5 * nf.max_stable_lr(s.eigenvalues, 32), np.array([0, 3, 30, 300])
    p = predict(K, y, lr=lr, steps=steps, flow=flow)
    freqs, r = fourier_residuals(x, p.f_train - y[:, None])  # (F, 1), (T, F, 1)
    _, y_f = fourier_residuals(x, y[:, None])
    for i, f in enumerate(freqs[:, 0]):
        if f not in (1, 3, 7):
            assert np.all(r[:, i, 0] <= 1e-12), f  # frequencies absent from the target stay absent
            continue
        rate = lr * lam[int(f)] / 32
        want = y_f[i, 0] * (np.exp(-rate * steps) if flow else np.abs(1 - rate) ** steps)
        np.testing.assert_allclose(r[:, i, 0], want, rtol=1e-9, atol=1e-13, err_msg=f"frequency {f}")


def test_grid_detection():
    from ntk_fourier.model.points import grid_of
    d = nf.one_over_f(n=256, stride=8)
    assert grid_of(d["x_train"])[0] == (32,) and grid_of(d["x_test"]) is None
    x = nf.grid((4, 6)) + 0.01
    shape, order = grid_of(x[::-1])
    assert shape == (4, 6) and np.array_equal(x[::-1][order], x)
    assert grid_of(np.random.default_rng(0).uniform(size=(24, 2))) is None
