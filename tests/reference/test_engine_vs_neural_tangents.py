"""The engine (plain JAX) against the reference (neural-tangents) over the grid that matters: activation x depth 1-4 x
parameterization x mapping x bias, SIREN, every kernel-computing path (dense tiles, tiled operator, CLI), and the
finite network against neural-tangents' apply_fn. Tolerance 1e-12 relative to the largest entry (float64), except
one case, stated where it is used."""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.cli import main
from ntk_fourier.core import layers as native
from ntk_fourier.kernel import reference

RNG = np.random.default_rng(7)
X1 = np.concatenate([[[0.0, 0.0]], RNG.uniform(-1, 1, (120, 2))])  # with the origin: zero variance without bias
X2 = np.concatenate([X1[:30], RNG.uniform(-1, 1, (70, 2))])  # shares 30 points with X1
RTOL = 1e-12
MAPPINGS = ["none", "basic", "gaussian", "power", "gaussian_inf"]
GRID = [c for c in itertools.product(MAPPINGS, ["relu", "erf", "gelu", "sin"], ["ntk", "standard"], [0.0, 0.1],
                                     [1, 2, 3, 4]) if not (c[0] == "gaussian_inf" and c[2] == "standard")]


def _model(kind, act, par, b, depth):
    return nf.Model(mapping=nf.Mapping(kind, sigma=3.0, features=16 if kind == "power" else 64), depth=depth,
                    width=128, activation=act, parameterization=par, b_std=b, omega0=2.0)


def _tolerance(kind, act, b, depth):
    # Raw-input ReLU without bias, two or more layers: neural-tangents computes an identical pair's correlation from
    # the diagonal and the off-diagonal recursions, which differ by rounding after the first layer; arccos turns a
    # 1e-16 change of a correlation near 1 into 1e-8 (sqrt(2e-16)). The engine keeps identical points exactly
    # correlated (test_engine_is_exact_on_identical_points), so the difference is neural-tangents' rounding.
    return 3e-8 if (kind, act, b) == ("none", "relu", 0.0) and depth >= 2 else RTOL


@pytest.mark.parametrize("kind, act, par, b, depth", GRID, ids=lambda v: str(v))
def test_engine_equals_neural_tangents(kind, act, par, b, depth):
    model = _model(kind, act, par, b, depth)
    for name, ref, ours in zip(("NTK", "NNGP"), reference.block(model, X1, X2), tuple(nf.kernels(model, X1, X2, execution=nf.QUIET))):
        err = np.max(np.abs(ref - ours)) / np.max(np.abs(ref))
        assert err <= _tolerance(kind, act, b, depth), f"{name}: native vs neural-tangents, relative error {err:.1e}"


@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_engine_equals_neural_tangents_siren(parameterization, depth):
    model = nf.siren_model(depth=depth, width=128, parameterization=parameterization)
    for ref, ours in zip(reference.block(model, X1, X2), tuple(nf.kernels(model, X1, X2, execution=nf.QUIET))):
        assert np.max(np.abs(ref - ours)) <= RTOL * np.max(np.abs(ref))


def test_engine_is_exact_on_identical_points():
    """The case neural-tangents rounds: raw ReLU without bias. Identical points (rows 0..29 of X1 and X2) must equal
    the kernel's own diagonal exactly."""
    model = _model("none", "relu", "ntk", 0.0, 4)
    ntk, nngp = tuple(nf.kernels(model, X1, X2, execution=nf.QUIET))
    diag = nf.kernel_diagonal(model, X1[:30])
    np.testing.assert_array_equal(np.diag(ntk[:30, :30]), diag.ntk)
    np.testing.assert_array_equal(np.diag(nngp[:30, :30]), diag.nngp)


@pytest.mark.parametrize("kind", ["basic", "positional", "gaussian", "uniform", "laplacian", "uniform_log", "none"])
@pytest.mark.parametrize("activation", ["relu", "gelu", "sin"])
def test_covariance_input_equals_stax_on_features(kind, activation):
    """The engine starts from the input covariance; neural-tangents fed gamma(x) itself must agree."""
    model = nf.Model(mapping=nf.Mapping(kind, sigma=4, features=8), depth=3, activation=activation, omega0=2.0)
    x1, x2 = RNG.uniform(0, 1, (6, 2)), RNG.uniform(0, 1, (5, 2))
    ours = nf.kernels(model, x1, x2, execution=nf.QUIET)
    with nf.float64():
        ntk, nngp = reference.stax_kernel_fn(model)(nf.encode(model.mapping, x1), nf.encode(model.mapping, x2),
                                                    ("ntk", "nngp"))
    np.testing.assert_allclose(ours.ntk, np.asarray(ntk), rtol=1e-9, err_msg="NTK: engine vs stax on features")
    np.testing.assert_allclose(ours.nngp, np.asarray(nngp), rtol=1e-9, err_msg="NNGP: engine vs stax on features")


@pytest.mark.parametrize("model", [_model("gaussian", "relu", "ntk", 0.1, 4), nf.siren_model(depth=2, width=64),
                                   _model("none", "gelu", "standard", 0.1, 2)], ids=["gauss", "siren", "gelu"])
def test_engines_agree_through_every_path(model):
    """Dense tiles (symmetric and not), diagonals and the tiled operator, with each engine."""
    x = RNG.uniform(0, 1, (150, 2))
    a = nf.kernels(model, x, execution=nf.Execution(engine="native", tile=64, progress=False))
    b = nf.kernels(model, x, execution=nf.Execution(engine="neural-tangents", tile=64, progress=False))
    for name in ("ntk", "nngp"):
        ref = getattr(b, name)
        assert np.max(np.abs(getattr(a, name) - ref)) <= RTOL * np.max(np.abs(ref)), name
    da, db = nf.kernel_diagonal(model, x), nf.kernel_diagonal(model, x, execution=nf.Execution(engine="neural-tangents"))
    np.testing.assert_allclose(da.ntk, db.ntk, rtol=RTOL)
    V = RNG.standard_normal((150, 3))
    op_a = nf.KernelOperator(model, x, execution=nf.QUIET.replace(tile=64)) @ V
    op_b = nf.KernelOperator(model, x, execution=nf.Execution(engine="neural-tangents", tile=64, progress=False)) @ V
    assert np.max(np.abs(op_a - op_b)) <= 1e-11 * np.max(np.abs(op_b))


def _nt_apply(model, outputs):
    stax = reference._stax()
    act = {"relu": stax.Relu, "erf": stax.Erf, "gelu": stax.Gelu, "sin": lambda: stax.Sin(b=model.omega0)}
    b_std = model.b_std or None
    layers = []
    for _ in range(model.depth):
        layers += [stax.Dense(model.width, W_std=model.w_std, b_std=b_std, parameterization=model.parameterization),
                   act[model.activation]()]
    layers.append(stax.Dense(outputs, W_std=model.w_std, b_std=b_std, parameterization=model.parameterization))
    return stax.serial(*layers)[1]


@pytest.mark.parametrize("mapping", [nf.Mapping("none"), nf.Mapping("basic"), nf.Mapping("gaussian", sigma=3, features=8),
                                     nf.Mapping("power", features=4, p=1.0)])
@pytest.mark.parametrize("activation", ["relu", "erf", "gelu", "sin"])
@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
@pytest.mark.parametrize("b_std", [0.0, 0.3])
def test_network_apply_equals_neural_tangents(mapping, activation, parameterization, b_std):
    """The network view is the same model: outputs equal neural-tangents' apply_fn for equal parameters."""
    model = nf.Model(mapping=mapping, depth=2, width=16, activation=activation, omega0=3.0, w_std=1.3, b_std=b_std,
                     parameterization=parameterization)
    net = nf.network.build(model, 2, outputs=3)
    x = np.random.default_rng(0).uniform(size=(5, 2))
    with nf.float64():
        params = net.init(jax.random.PRNGKey(1), jnp.float64)
        nt_params = []
        for W, b in params:  # stax: (W, b) per Dense with b of shape (1, out), () per activation
            nt_params += [(W, None if b is None else b[None, :]), ()]
        ours = net.apply(params, jnp.asarray(x))
        theirs = _nt_apply(model, 3)(nt_params[:-1], jnp.asarray(nf.encode(mapping, x)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg="network apply vs stax apply_fn")


@pytest.mark.parametrize("argv", [
    ["kernel", "--x", "{x}"],
    ["spectrum", "--grid", "32", "--mapping", "power", "--features", "8"],
    ["spectrum", "--grid", "16", "--top", "4", "--mapping", "power", "--features", "8"],
    ["spectrum", "--x", "{x}", "--top", "3"],
    ["spectrum", "--harmonic", "2", "--max-degree", "8", "--mapping", "none", "--depth", "1"],
    ["predict", "--data", "{data}", "--lr", "0.1", "--steps", "0,10,100"],
    ["regress", "--data", "{data}", "--ridge", "0.01"],
], ids=["kernel", "spectrum-grid", "spectrum-grid-top", "spectrum-x-top", "harmonic", "predict", "regress"])
def test_cli_engine_option(tmp_path, argv):
    """`--engine neural-tangents` gives the engine's results on every command that computes a kernel."""
    x = np.random.default_rng(1).uniform(size=(300, 1))
    np.save(tmp_path / "x.npy", x)
    d = nf.one_over_f(n=64, stride=4)
    np.savez(tmp_path / "d.npz", **{k: d[k] for k in ("x_train", "y_train", "x_test", "y_test")})
    args = [a.format(x=tmp_path / "x.npy", data=tmp_path / "d.npz") for a in argv] + ["--quiet"]
    outs = {}
    for engine in ("native", "neural-tangents"):
        assert main(args + ["--engine", engine, "--out", str(tmp_path / f"{engine}.npz")]) == 0
        with np.load(tmp_path / f"{engine}.npz") as f:
            outs[engine] = {k: f[k] for k in f.files}
    for key, ref in outs["neural-tangents"].items():
        if key == "residuals":  # Lanczos residuals are at the tolerance, not at round-off: both converged
            assert np.all(outs["native"][key] <= 1e-6 * outs["native"]["eigenvalues"]), outs["native"][key]
            continue
        if key == "frequencies":  # eigenvectors of a degenerate pair (f, -f) may come in either order
            np.testing.assert_array_equal(np.abs(outs["native"][key]), np.abs(ref))
            continue
        np.testing.assert_allclose(outs["native"][key], ref, rtol=1e-9, atol=1e-11 * np.max(np.abs(ref)),
                                   err_msg=f"{argv[0]} {key}: native vs neural-tangents")


@pytest.mark.parametrize("kind", ["grid", "hash"])
@pytest.mark.parametrize("act, par, depth", [("relu", "ntk", 1), ("relu", "standard", 3), ("sin", "ntk", 2),
                                             ("erf", "standard", 2)])
def test_grid_encodings_equal_neural_tangents(kind, act, par, depth):
    """Grid and hash encodings: the input NNGP from the encoding and the tables' input NTK (`covariance.table_ntk`)
    through the engine's layers and through neural-tangents' (which starts from the same input covariances)."""
    mapping = nf.model.grid_mapping(kind, levels=4, base=2, finest=32, table_size=64, scale=0.5)
    model = nf.Model(mapping, depth=depth, width=128, activation=act, parameterization=par, omega0=2.0)
    x1 = np.random.default_rng(2).uniform(0, 1, (40, 2))
    x2 = np.concatenate([x1[:10], np.random.default_rng(3).uniform(0, 1, (20, 2))])
    ours = nf.kernels(model, x1, x2, execution=nf.QUIET)
    ref = nf.kernels(model, x1, x2, execution=nf.Execution(engine="neural-tangents", progress=False))
    for a, b in ((ours.ntk, ref.ntk), (ours.nngp, ref.nngp)):
        np.testing.assert_allclose(a, b, rtol=0, atol=RTOL * np.max(np.abs(b)))
