"""The network view is "the same model" (outputs vs neural-tangents' apply_fn: tests/reference): the layerwise
empirical NTK equals J J^T, and wide networks' empirical NTKs approach the analytic NTK like width^-1/2 (SIREN included)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier import Mapping, Model, grid, kernels, siren_model
from ntk_fourier.compare import fit_slope
from ntk_fourier.network import empirical_ntk, jacobian_ntk
from ntk_fourier.network.mlp import build as network
from helpers import run_cli_without_neural_tangents


@pytest.mark.parametrize("model", [Model(width=12), Model(mapping=Mapping("none"), width=12, b_std=0.0,
                                                         parameterization="standard"),
                                   siren_model(depth=2, width=12), siren_model(depth=2, width=12,
                                                                               parameterization="standard")],
                         ids=["gaussian-ntk", "none-standard", "siren-ntk", "siren-standard"])
@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.usefixtures("x64")
def test_layerwise_empirical_ntk_equals_jacobian(model, outputs):
    net = network(model, 1, outputs)
    params = net.init(jax.random.PRNGKey(0), jnp.float64)
    x1, x2 = jnp.asarray(grid((7,))), jnp.asarray(grid((5,)) + 0.03)
    np.testing.assert_allclose(empirical_ntk(net, params, x1, x2), jacobian_ntk(net, params, x1, x2), rtol=1e-10,
                               err_msg="layerwise identity vs J J^T")


@pytest.mark.usefixtures("x64")
def test_siren_initialisation_is_sirens():
    """Standard parameterization: the drawn parameters are SIREN's (uniform ranges of Sitzmann et al. 2020)."""
    d, width, omega0 = 2, 512, 30.0
    net = network(siren_model(depth=2, width=width, parameterization="standard"), d)
    (W1, b1), (W2, b2), (W3, _) = net.init(jax.random.PRNGKey(0), jnp.float64)
    for array, bound in ((W1, 1 / d), (b1, 1 / np.sqrt(d)), (W2, np.sqrt(6 / width) / omega0),
                         (W3, np.sqrt(6 / width) / omega0)):
        a = np.asarray(array)
        assert a.max() <= bound and a.min() >= -bound and a.max() > 0.98 * bound  # fills the range
        np.testing.assert_allclose(a.var(), bound**2 / 3, rtol=0.1)  # uniform, not Gaussian: var = bound^2 / 3
    assert b2 is None  # no hidden biases (they vanish at infinite width)


@pytest.mark.parametrize("model", [Model(mapping=Mapping("gaussian", sigma=5), depth=3),
                                   Model(mapping=Mapping("none"), depth=3), siren_model(depth=3)],
                         ids=["gaussian-relu", "none-relu", "siren"])
@pytest.mark.usefixtures("x64")
def test_empirical_ntk_approaches_analytic_like_inverse_sqrt_width(model):
    x = grid((24,)) * 2 - 1 if model.init == "siren" else grid((24,))
    analytic = kernels(model, x, execution=nf.QUIET).ntk
    widths, errors = [128, 512, 2048], []
    for width in widths:
        net = network(model.replace(width=width), 1)
        errs = [np.linalg.norm(np.asarray(empirical_ntk(net, net.init(jax.random.PRNGKey(s), jnp.float64),
                                                        jnp.asarray(x))) - analytic) / np.linalg.norm(analytic)
                for s in range(6)]
        errors.append(np.mean(errs))
    slope = fit_slope(widths, errors)
    print(f"{model.mapping.kind}/{model.init}: relative Frobenius errors {np.round(errors, 4)}, slope {slope:.3f}")
    assert -0.7 < slope < -0.3, (errors, slope)
    assert errors[-1] < 0.15


def test_network_view_runs_without_neural_tangents(tmp_path):
    """neural-tangents absent (blocked), `python -m ntk_fourier` from the checkout: training and kernels run;
    only `--engine neural-tangents` is refused, in one line."""
    x = np.arange(32) / 32
    np.savez(tmp_path / "d.npz", x_train=x[::2], y_train=np.sin(2 * np.pi * x[::2]), x_test=x[1::2],
             y_test=np.sin(2 * np.pi * x[1::2]))
    done = run_cli_without_neural_tangents(["train", "--data", tmp_path / "d.npz", "--width", "64", "--seeds", "2",
                                            "--lr", "0.1", "--steps", "0,5,20", "--record-ntk", "--out",
                                            tmp_path / "r.npz", "--quiet"])
    assert done.returncode == 0, done.stderr
    with np.load(tmp_path / "r.npz") as r:
        assert r["f_train"].shape == (3, 2, 16, 1) and r["drift"][0].tolist() == [0.0, 0.0]
    np.save(tmp_path / "x.npy", x)  # the kernel view too: the engine needs no neural-tangents
    done = run_cli_without_neural_tangents(["kernel", "--x", tmp_path / "x.npy", "--out", tmp_path / "k.npz"])
    assert done.returncode == 0, done.stderr
    with np.load(tmp_path / "k.npz") as k:
        np.testing.assert_array_equal(k["ntk"], nf.kernels(nf.Model(), x, execution=nf.QUIET).ntk)
    blocked = run_cli_without_neural_tangents(["kernel", "--x", tmp_path / "x.npy", "--engine", "neural-tangents",
                                               "--out", tmp_path / "k2.npz"])
    assert blocked.returncode == 2 and "needs neural-tangents" in blocked.stderr, blocked.stderr
    assert len(blocked.stderr.strip().splitlines()) == 1 and not (tmp_path / "k2.npz").exists()
