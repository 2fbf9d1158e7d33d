"""The network view is "the same model": outputs equal neural-tangents' apply_fn, the layerwise empirical NTK equals
J J^T, and wide networks' empirical NTKs approach the analytic NTK like width^-1/2 (SIREN included)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ntk_fourier import Mapping, Model, encode, grid, kernels, siren_model, stax_kernel_fn
from ntk_fourier.compare import fit_slope
from ntk_fourier.empirical import empirical_ntk, jacobian_ntk
from ntk_fourier.network import network
from helpers import run_cli_without_neural_tangents


def _nt_apply(model, dim, outputs):
    """neural-tangents' apply_fn for the same layers (gaussian init only: SIREN's first layer is not a stax layer)."""
    from ntk_fourier.analytic import _stax
    stax = _stax()  # neural_tangents.stax, imported quietly
    act = {"relu": stax.Relu, "erf": stax.Erf, "gelu": stax.Gelu, "sin": lambda: stax.Sin(b=model.omega0)}
    b_std = model.b_std or None
    layers = []
    for _ in range(model.depth):
        layers += [stax.Dense(model.width, W_std=model.w_std, b_std=b_std, parameterization=model.parameterization),
                   act[model.activation]()]
    layers.append(stax.Dense(outputs, W_std=model.w_std, b_std=b_std, parameterization=model.parameterization))
    return stax.serial(*layers)[1]


@pytest.mark.parametrize("mapping", [Mapping("none"), Mapping("basic"), Mapping("gaussian", sigma=3, features=8),
                                     Mapping("power", features=4, p=1.0)])
@pytest.mark.parametrize("activation", ["relu", "erf", "gelu", "sin"])
@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
@pytest.mark.parametrize("b_std", [0.0, 0.3])
def test_apply_equals_neural_tangents(mapping, activation, parameterization, b_std):
    model = Model(mapping=mapping, depth=2, width=16, activation=activation, omega0=3.0, w_std=1.3, b_std=b_std,
                  parameterization=parameterization)
    net = network(model, 2, outputs=3)
    params = net.init(jax.random.PRNGKey(1), jnp.float64)
    nt_params = []
    for W, b in params:  # stax: (W, b) per Dense with b of shape (1, out), () per activation
        nt_params += [(W, None if b is None else b[None, :]), ()]
    x = np.random.default_rng(0).uniform(size=(5, 2))
    ours = net.apply(params, jnp.asarray(x))
    theirs = _nt_apply(model, 2, 3)(nt_params[:-1], jnp.asarray(encode(mapping, x)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg="network.apply vs stax apply_fn")


@pytest.mark.parametrize("model", [Model(width=12), Model(mapping=Mapping("none"), width=12, b_std=0.0,
                                                         parameterization="standard"),
                                   siren_model(depth=2, width=12), siren_model(depth=2, width=12,
                                                                               parameterization="standard")],
                         ids=["gaussian-ntk", "none-standard", "siren-ntk", "siren-standard"])
@pytest.mark.parametrize("outputs", [1, 2])
def test_layerwise_empirical_ntk_equals_jacobian(model, outputs):
    net = network(model, 1, outputs)
    params = net.init(jax.random.PRNGKey(0), jnp.float64)
    x1, x2 = jnp.asarray(grid((7,))), jnp.asarray(grid((5,)) + 0.03)
    np.testing.assert_allclose(empirical_ntk(net, params, x1, x2), jacobian_ntk(net, params, x1, x2), rtol=1e-10,
                               err_msg="layerwise identity vs J J^T")


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
def test_empirical_ntk_approaches_analytic_like_inverse_sqrt_width(model):
    x = grid((24,)) * 2 - 1 if model.init == "siren" else grid((24,))
    analytic = kernels(model, x, show_progress=False).ntk
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
    """The GPU path: neural-tangents absent (blocked), `python -m ntk_fourier train` from the checkout."""
    x = np.arange(32) / 32
    np.savez(tmp_path / "d.npz", x_train=x[::2], y_train=np.sin(2 * np.pi * x[::2]), x_test=x[1::2],
             y_test=np.sin(2 * np.pi * x[1::2]))
    done = run_cli_without_neural_tangents(["train", "--data", tmp_path / "d.npz", "--width", "64", "--seeds", "2",
                                            "--lr", "0.1", "--steps", "0,5,20", "--record-ntk", "--out",
                                            tmp_path / "r.npz", "--quiet"])
    assert done.returncode == 0, done.stderr
    with np.load(tmp_path / "r.npz") as r:
        assert r["f_train"].shape == (3, 2, 16, 1) and r["drift"][0].tolist() == [0.0, 0.0]
    np.save(tmp_path / "x.npy", x)
    blocked = run_cli_without_neural_tangents(["kernel", "--x", tmp_path / "x.npy", "--out", tmp_path / "k.npz"])
    assert blocked.returncode == 2 and "needs neural-tangents" in blocked.stderr, blocked.stderr
