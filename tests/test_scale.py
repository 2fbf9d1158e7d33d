"""The large-scale engine against oracles: the engine's arctangent and ReLU angle vs NumPy, the tiled operator vs the
dense kernel, block Lanczos vs numpy.linalg.eigh, top-K dynamics vs the dense prediction. (The engine vs
neural-tangents: tests/reference.)"""

import json
import re

import numpy as np
import pytest

from ntk_fourier import (InputError, Mapping, Model, block_lanczos, conjugate_gradients, kernels, predict, predict_top,
                         regress_points, siren_model, top_eigenpairs_points)
import ntk_fourier as nf
from ntk_fourier.cli import main
from ntk_fourier.core import layers as native
from ntk_fourier.kernel.operators import KernelOperator
from helpers import run_cli_without_neural_tangents

RNG = np.random.default_rng(7)
X1 = np.concatenate([[[0.0, 0.0]], RNG.uniform(-1, 1, (120, 2))])  # with the origin: zero variance without bias
X2 = np.concatenate([X1[:30], RNG.uniform(-1, 1, (70, 2))])  # shares 30 points with X1

def _model(kind, act, par, b):
    return Model(mapping=Mapping(kind, sigma=3.0, features=64), depth=3, width=128, activation=act,
                 parameterization=par, b_std=b, omega0=2.0)


def test_atan_unit_equals_numpy():
    """The engine's arctangent on [0, 1] (Cephes' rational approximation) vs numpy.arctan."""
    u = np.concatenate([[0.0, 1.0, 1e-300, 1e-12, np.sqrt(2) - 1, np.nextafter(np.sqrt(2) - 1, 1)], np.random.default_rng(0).uniform(0, 1, 200_000),
                        10.0 ** np.random.default_rng(1).uniform(-12, 0, 1000)])
    with nf.float64():
        ours = np.asarray(native.atan_unit(u))
    ref = np.arctan(u)
    # measured 2.8e-16 relative (2 ulp), near the reduction's threshold tan(pi/8); 1e-15 leaves room for other
    # processors' fused multiply-adds
    assert np.max(np.abs(ours - ref) / np.maximum(ref, 1e-300)) <= 1e-15


def test_relu_angle_equals_numpy():
    """theta = arccos(Sigma / s) and r = s sin(theta) vs numpy (atan2 of the exact pair), signs and zero variance."""
    rng = np.random.default_rng(2)
    s = 10.0 ** rng.uniform(-6, 6, 100_000)
    sigma = s * rng.uniform(-1, 1, s.size)
    sigma[:10], sigma[10:20], s[20:30], sigma[20:30] = s[:10], -s[10:20], 0.0, 0.0  # +-1 exactly, zero variance
    with nf.float64():
        theta, r = (np.asarray(a) for a in native.relu_angle(sigma, s))
    r_ref = np.sqrt(np.maximum((s - sigma) * (s + sigma), 0.0))
    theta_ref = np.where(s > 0, np.arctan2(r_ref, sigma), np.pi / 2)
    assert np.max(np.abs(theta - theta_ref)) <= 4e-15 * np.pi
    np.testing.assert_array_equal(theta[:10], 0.0)
    np.testing.assert_array_equal(theta[10:20], np.pi)
    assert np.max(np.abs(r - r_ref)) <= 4e-15 * np.max(s)


@pytest.mark.parametrize("model", [_model("none", "relu", "ntk", 0.1), _model("gaussian", "erf", "standard", 0.1),
                                   _model("gaussian_inf", "relu", "ntk", 0.0), siren_model(depth=2, width=64)],
                         ids=["raw-relu", "gauss-erf", "gauss_inf", "siren"])
@pytest.mark.parametrize("which", ["ntk", "nngp"])
def test_tiled_operator_equals_dense_kernel(model, which):
    x = RNG.uniform(0, 1, (300, 2))
    x[150] = x[10]  # a repeated point
    K = getattr(kernels(model, x, execution=nf.QUIET), which)
    op = KernelOperator(model, x, which, execution=nf.QUIET.replace(tile=128))  # 128 does not divide 300
    V = RNG.standard_normal((300, 5))
    assert np.max(np.abs(op @ V - K @ V)) <= 1e-11 * np.max(np.abs(K @ V))
    assert np.max(np.abs(op @ V[:, 0] - K @ V[:, 0])) <= 1e-11 * np.max(np.abs(K @ V[:, 0]))
    assert op.passes == 2
    with pytest.raises(InputError, match="300 columns"):
        op @ np.ones(7)


@pytest.mark.parametrize("model", [_model("none", "relu", "ntk", 0.1), siren_model(depth=2, width=64),
                                   Model(mapping=Mapping("hash", sigma=1.0), depth=2)], ids=["raw-relu", "siren", "hash"])
def test_kept_tiles_change_no_number(model):
    """Tiles kept between products (all, some, none) give the dense kernel's products on every pass, the kept ones
    reused; 300 points in tiles of 200 (the second chunked with padding), square and rectangular."""
    x = RNG.uniform(0, 1, (300, 2))
    x[150] = x[10]
    xs = RNG.uniform(0, 1, (290, 2))
    K, Ks = (kernels(model, a, b, execution=nf.QUIET).ntk for a, b in ((x, None), (xs, x)))
    V = RNG.standard_normal((300, 4))
    sizes = 8 * np.array([200 * 200, 200 * 100, 100 * 100])  # bytes of the 3 tiles, in the order computed
    for cache, kept in ((None, 3), (0, 0), (sizes[0] + sizes[2], 2)):  # the last keeps the first and third tiles
        op = KernelOperator(model, x, execution=nf.QUIET.replace(tile=200, cache=cache))
        for _ in range(3):
            assert np.max(np.abs(op @ V - K @ V)) <= 1e-12 * np.max(np.abs(K @ V))
        assert (op.computed, op.reused, op.passes, len(op.pass_seconds)) == (3 + 2 * (3 - kept), 2 * kept, 3, 3)
        assert op.kept_bytes == {3: sizes.sum(), 0: 0, 2: sizes[0] + sizes[2]}[kept]
    rect = KernelOperator(model, xs, x2=x, execution=nf.QUIET.replace(tile=200))  # 290 rows: 200 (padded) + 90
    for _ in range(2):
        assert np.max(np.abs(rect @ V - Ks @ V)) <= 1e-12 * np.max(np.abs(Ks @ V))
    assert rect.computed == rect.reused == 2 * 2


def test_progress_says_where_the_time_goes(tmp_path):
    """A fresh process's stderr: each kernel pass (time, tiles computed and reused), each Lanczos pass (time, basis,
    residual) and each CG iteration (time, residual); the sidecars record each pass's time."""
    x = RNG.uniform(-1, 1, (300, 2))
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "d.npz", x_train=x, y_train=np.sin(3 * x[:, 0]), x_test=x[:20], y_test=np.sin(3 * x[:20, 0]))
    common = ["--mapping", "none", "--tile", "128", "--cache", "300kB"]
    top = run_cli_without_neural_tangents(["spectrum", "--x", tmp_path / "x.npy", "--top", "5", *common, "--out",
                                           tmp_path / "s.npz"])
    reg = run_cli_without_neural_tangents(["regress", "--data", tmp_path / "d.npz", "--ridge", "1", "--precondition",
                                           "5", *common, "--out", tmp_path / "r.npz"])
    assert top.returncode == 0 and reg.returncode == 0, top.stderr + reg.stderr
    # 6 tiles in order: 128 x 128, 128 x 128, 128 x 44, 128 x 128, 128 x 44, 44 x 44 (131, 131, 45, 131, 45, 15 kB);
    # 300 kB keep the first two and the last, the other three are computed on every pass
    assert re.search(r"ntk kernel pass 1 \(300 x 300 times 13 vectors\): [0-9.]+ s, 6 tiles computed, 0 reused",
                     top.stderr)
    assert re.search(r"ntk kernel pass 2 .*: [0-9.]+ s, 3 tiles computed, 3 reused \(kept: 278 kB of 300 kB\)",
                     top.stderr)
    assert re.search(r"block Lanczos pass 1: [0-9.]+ s \([0-9.]+ s in the product\), basis 13 vectors, largest "
                     r"residual / eigenvalue of the top 5 [0-9.e+-]+ \(stops at 1e-06\)", top.stderr)
    assert re.search(r"conjugate gradients, iteration 1: [0-9.]+ s, largest relative residual", reg.stderr)
    meta = json.loads((tmp_path / "s.json").read_text())
    assert len(meta["pass_seconds"]) == meta["passes"] and min(meta["pass_seconds"]) > 0
    meta = json.loads((tmp_path / "r.json").read_text())
    assert len(meta["pass_seconds"]) == meta["iterations"] and meta["test_seconds"] > 0
    assert len(meta["precondition_pass_seconds"]) >= 1


@pytest.mark.parametrize("size", ["lots", "1e400", "5XB"])
def test_cli_cache_refuses_a_non_size(tmp_path, size):
    np.save(tmp_path / "x.npy", RNG.uniform(-1, 1, (30, 2)))
    done = run_cli_without_neural_tangents(["spectrum", "--x", tmp_path / "x.npy", "--top", "3", "--cache", size,
                                            "--out", tmp_path / "s.npz"])
    assert done.returncode == 2 and f"--cache: '{size}' is not a size; write e.g. 16GB, 512MB or 0" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2 and "Traceback" not in done.stderr


def _spd(n, decay, seed=0):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    lam = np.arange(1, n + 1, dtype=float) ** -decay
    return (Q * lam) @ Q.T, lam


@pytest.mark.parametrize("k, block", [(10, None), (10, 4), (30, 40)])
def test_block_lanczos_equals_eigh(k, block):
    A, lam = _spd(400, 2.0)
    e = block_lanczos(lambda V: A @ V, 400, k, block=block, tol=1e-10, execution=nf.QUIET)
    assert np.max(np.abs(e.values - lam[:k]) / lam[:k]) <= 1e-10
    np.testing.assert_allclose(e.vectors.T @ e.vectors, np.eye(k), atol=1e-12)
    true_residuals = np.linalg.norm(A @ e.vectors - e.vectors * e.values, axis=0)
    np.testing.assert_allclose(e.residuals, true_residuals, rtol=1e-3, atol=1e-14)  # the certificate is the truth
    assert np.all(e.residuals <= 1e-10 * e.values)


def test_block_lanczos_spanning_the_space_is_exact():
    A, lam = _spd(24, 1.0)
    e = block_lanczos(lambda V: A @ V, 24, 5, block=8, tol=1e-300, execution=nf.QUIET)
    assert e.passes == 3 and np.max(np.abs(e.values - lam[:5])) <= 1e-12


def test_block_lanczos_stops_at_max_passes_with_honest_residuals():
    A, _ = _spd(400, 0.2)  # flat spectrum: slow convergence
    e = block_lanczos(lambda V: A @ V, 400, 10, block=10, tol=1e-12, max_passes=3, execution=nf.QUIET)
    assert e.passes == 3 and np.max(e.residuals / e.values) > 1e-12
    np.testing.assert_allclose(e.residuals, np.linalg.norm(A @ e.vectors - e.vectors * e.values, axis=0), rtol=1e-6)


def test_block_lanczos_rejects_bad_k():
    with pytest.raises(InputError, match="between 1 and 9"):
        block_lanczos(lambda V: V, 10, 10, execution=nf.QUIET)


@pytest.mark.parametrize("model", [Model(mapping=Mapping("none"), depth=4), siren_model(depth=3, width=64)],
                         ids=["raw-relu", "siren"])
def test_top_eigenpairs_points_equal_eigh(model):
    x = RNG.uniform(-1, 1, (700, 2))
    K = kernels(model, x, execution=nf.QUIET).ntk
    lam, V = np.linalg.eigh(K)
    lam, V = lam[::-1][:20], V[:, ::-1][:, :20]
    e = top_eigenpairs_points(model, x, 20, tol=1e-10, execution=nf.QUIET.replace(tile=256))
    assert np.max(np.abs(e.values - lam) / lam) <= 1e-9
    assert np.min(np.abs(np.sum(e.vectors * V, axis=0))) >= 1 - 1e-8  # same eigenvectors up to sign


def test_predict_top_with_all_modes_equals_predict():
    x = RNG.uniform(-1, 1, (60, 2))
    y = np.sin(3 * x[:, :1]) + x[:, 1:] ** 2
    K = kernels(Model(mapping=Mapping("none"), depth=2), x, execution=nf.QUIET).ntk
    lam, V = np.linalg.eigh(K)
    steps = [0, 1, 10, 100, 1000]
    lr = 0.5 * 2 * 60 / lam[-1]
    full = predict(K, y, lr=lr, steps=steps)
    top = predict_top(lam[::-1], V[:, ::-1], y, lr=lr, steps=steps)
    np.testing.assert_allclose(top.f_train, full.f_train, atol=1e-10)
    np.testing.assert_allclose(top.mse_train, full.mse_train, rtol=1e-9)
    assert np.max(top.error_bound) <= 1e-12


@pytest.mark.parametrize("flow", [False, True])
def test_predict_top_error_is_within_its_bound(flow):
    x = RNG.uniform(-1, 1, (200, 2))
    y = np.cos(4 * x[:, 0]) * x[:, 1]
    f0 = 0.1 * np.sin(9 * x[:, 1])
    K = kernels(Model(mapping=Mapping("none"), depth=3), x, execution=nf.QUIET).ntk
    lam, V = np.linalg.eigh(K)
    lam, V = lam[::-1], V[:, ::-1]
    steps = [0, 3, 30, 300, 3000]
    lr = 0.9 * 2 * 200 / lam[0]
    full = predict(K, y, lr=lr, steps=steps, f0_train=f0, flow=flow)
    top = predict_top(lam[:15], V[:, :15], y, lr=lr, steps=steps, f0_train=f0, flow=flow)
    rms = np.sqrt(np.mean((top.f_train - full.f_train) ** 2, axis=(1, 2)))
    assert np.all(rms <= top.error_bound * (1 + 1e-9) + 1e-14)
    assert rms[0] <= 1e-15 and 0 < top.error_bound[-1] < np.sqrt(np.mean((f0 - y) ** 2))  # informative, not vacuous
    np.testing.assert_allclose(top.mode_residuals, full.mode_residuals[:, :15], atol=1e-10)


def test_cli_spectrum_top_on_points(tmp_path, capsys):
    x = RNG.uniform(-1, 1, (500, 2))
    np.save(tmp_path / "x.npy", x)
    assert main(["spectrum", "--x", str(tmp_path / "x.npy"), "--top", "8", "--mapping", "none", "--quiet",
                 "--out", str(tmp_path / "s.npz")]) == 0
    with np.load(tmp_path / "s.npz") as s:
        exact = np.linalg.eigvalsh(kernels(Model(mapping=Mapping("none")), x, execution=nf.QUIET).ntk)[::-1][:8]
        assert np.max(np.abs(s["eigenvalues"] - exact) / exact) <= 1e-9
        assert np.all(s["residuals"] <= 1e-6 * s["eigenvalues"])
    assert main(["spectrum", "--harmonic", "2", "--top", "3", "--out", str(tmp_path / "h.npz")]) == 2
    assert "--top works with --grid or --x" in capsys.readouterr().err


def test_large_scale_path_runs_without_neural_tangents(tmp_path):
    """The GPU path for the tiled spectra: neural-tangents blocked, `python -m ntk_fourier spectrum --x --top`."""
    np.save(tmp_path / "x.npy", RNG.uniform(-1, 1, (300, 2)))
    done = run_cli_without_neural_tangents(["spectrum", "--x", tmp_path / "x.npy", "--top", "5", "--mapping", "none",
                                            "--out", tmp_path / "s.npz", "--quiet"])
    assert done.returncode == 0, done.stderr
    with np.load(tmp_path / "s.npz") as s:
        exact = np.linalg.eigvalsh(kernels(Model(mapping=Mapping("none")), np.load(tmp_path / "x.npy"),
                                           execution=nf.QUIET).ntk)[::-1][:5]
        assert np.max(np.abs(s["eigenvalues"] - exact) / exact) <= 1e-9


@pytest.mark.parametrize("ridge", [0.0, 1e-3])
def test_regress_points_equals_dense_solve(ridge):
    model = Model(mapping=Mapping("gaussian", sigma=2.0, features=64), depth=2)
    x, xs = RNG.uniform(0, 1, (250, 2)), RNG.uniform(0, 1, (90, 2))
    y = np.stack([np.sin(5 * x[:, 0]), x[:, 1] ** 2], 1)
    f0, f0s = 0.05 * np.cos(7 * x[:, :1]) * np.ones((1, 2)), np.zeros((90, 2))
    K, Ks = (kernels(model, a, b, execution=nf.QUIET).ntk for a, b in ((x, None), (xs, x)))
    ridge = ridge * np.trace(K) / len(x)
    alpha = np.linalg.solve(K + ridge * np.eye(len(x)), y - f0)
    plain = regress_points(model, x, y, x_test=xs, y_test=np.zeros((90, 2)), f0_train=f0, f0_test=f0s, ridge=ridge,
                           tol=1e-10, max_iter=2000, execution=nf.QUIET.replace(tile=100))
    lam, V = np.linalg.eigh(K)
    deflated = regress_points(model, x, y, x_test=xs, f0_train=f0, ridge=ridge, tol=1e-10, max_iter=2000,
                              eigenpairs=(lam[::-1][:40], V[:, ::-1][:, :40]),
                              execution=nf.QUIET.replace(tile=100))
    for r in (plain, deflated):
        assert r.converged
        np.testing.assert_allclose(r.f_test, Ks @ alpha, rtol=0, atol=1e-7 * np.abs(Ks @ alpha).max())
        np.testing.assert_allclose(r.f_train, f0 + K @ r.alpha, atol=1e-9)
    assert plain.mse_test == pytest.approx(np.mean((Ks @ alpha) ** 2), rel=1e-6)
    assert deflated.iterations < plain.iterations / 2, (deflated.iterations, plain.iterations)


def test_cli_regress(tmp_path):
    x, xs = RNG.uniform(0, 1, (200, 1)), RNG.uniform(0, 1, (50, 1))
    y, ys = np.sin(6 * x[:, 0]), np.sin(6 * xs[:, 0])
    np.savez(tmp_path / "d.npz", x_train=x, y_train=y, x_test=xs, y_test=ys)
    assert main(["regress", "--data", str(tmp_path / "d.npz"), "--mapping", "gaussian", "--sigma", "1", "--ridge",
                 "1e-2", "--precondition", "20", "--tol", "1e-10", "--quiet", "--out", str(tmp_path / "r.npz")]) == 0
    model = Model(mapping=Mapping("gaussian", sigma=1.0))
    K, Ks = kernels(model, x, execution=nf.QUIET).ntk, kernels(model, xs, x, execution=nf.QUIET).ntk
    expected = Ks @ np.linalg.solve(K + 1e-2 * np.eye(200), y)
    with np.load(tmp_path / "r.npz") as r:
        assert r["f_test"].shape == (50,)
        np.testing.assert_allclose(r["f_test"], expected, atol=1e-7 * np.abs(expected).max())
        assert r["mse_test"] == pytest.approx(np.mean((expected - ys) ** 2), rel=1e-6)
    assert main(["regress", "--data", str(tmp_path / "d.npz"), "--ridge", "-1", "--out", str(tmp_path / "r.npz")]) == 2


def test_conjugate_gradients_reports_non_convergence_honestly():
    A, _ = _spd(200, 1.5, seed=3)
    B = np.random.default_rng(4).standard_normal((200, 3))
    X, R, iterations = conjugate_gradients(lambda V: A @ V, B, tol=1e-12, max_iter=5, execution=nf.QUIET)
    assert iterations == 5
    np.testing.assert_allclose(R, B - A @ X, atol=1e-12)  # the tracked residual is the true one
    assert np.all(np.linalg.norm(R, axis=0) > 1e-12 * np.linalg.norm(B, axis=0))
    X, R, _ = conjugate_gradients(lambda V: A @ V, B, tol=1e-12, max_iter=1000, execution=nf.QUIET)
    np.testing.assert_allclose(X, np.linalg.solve(A, B), rtol=0, atol=1e-9 * np.abs(np.linalg.solve(A, B)).max())
