"""The pure JAX core (`nf.kernel_fn`, `nf.core.dynamics`, `nf.core.spectrum`, `nf.core.learnability`): equal to the
values ntk_fourier 0.2.0 computed before the core existed (tests/data/snapshot.npz, made by
tests/data/make_snapshot.py at that commit), under jit, vmap and grad."""
import sys
from pathlib import Path

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.core import dynamics, learnability, spectrum

jax = pytest.importorskip("jax")
jnp = jax.numpy
DATA = Path(__file__).parent / "data"
SNAPSHOT = np.load(DATA / "snapshot.npz")
sys.path.insert(0, str(DATA))
from make_snapshot import models  # noqa: E402  (the snapshot's own models)

RTOL = 1e-12


def _relative(ours, theirs, scale=0.0):
    """max |ours - theirs| / max |theirs| (or ``scale`` where larger: outputs that start at zero)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    return np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), scale)


def _relu_diagonal(model, cov0: float, fan_in: int) -> float:
    """The ReLU NTK at coincident points, from the layer recursion in plain floats (the arc-cosine kernel at
    correlation 1 halves the covariance and the tangent kernel)."""
    w2, b2 = model.w_std ** 2, model.b_std ** 2
    c, t = cov0, 0.0
    for _ in range(model.depth + 1):
        if model.parameterization == "standard":
            t = fan_in * c + w2 * t + (1.0 if model.b_std > 0 else 0.0)
            c = w2 * c + b2
        else:
            c = w2 * c + b2
            t = c + w2 * t
        fan_in = model.width
        c, t = c / 2, t / 2
    return 2 * t  # the readout has no activation: undo the last halving


@pytest.mark.parametrize("name, model", list(models()), ids=[name for name, _ in models()])
def test_kernel_equals_the_snapshot(name, model, x64):
    """Every activation x mapping x parameterization, jit-compiled, to 1e-12 relative. At coincident points the
    ReLU kernels of 0.2.0 were off by up to 4e-9 relative (an arc-cosine at a correlation a rounding error below 1);
    there the oracle is the closed-form recursion, which the core meets to 1e-14."""
    x1, x2 = SNAPSHOT["x1"], SNAPSHOT["x2"]
    f = jax.jit(nf.kernel_fn(model))
    for suffix, got in (("", f(x1, x2)), ("_square", f(x1))):
        for which in ("ntk", "nngp"):
            ours = np.asarray(getattr(got, which))
            theirs = SNAPSHOT[f"kernel/{name}/{which}{suffix}"].copy()
            if model.activation == "relu":
                same = np.all(x1[:, None] == (x2 if not suffix else x1)[None], axis=-1)
                if which == "ntk":
                    fourier = model.mapping.kind != "none"
                    for i, j in zip(*np.nonzero(same)):
                        cov0 = 1.0 if fourier else float(x1[i] @ x1[i]) / x1.shape[1]
                        fan = 2 * nf.model.mappings.count(model.mapping, 2) if fourier else x1.shape[1]
                        exact = _relu_diagonal(model, cov0, fan)
                        assert abs(ours[i, j] - exact) <= 1e-14 * abs(exact), (i, j, ours[i, j], exact)
                        theirs[i, j] = exact
            assert _relative(ours, theirs) < RTOL, (which, suffix, _relative(ours, theirs))


@pytest.mark.parametrize("activation", ["relu", "erf", "gelu", "sin"])
def test_identical_points_exact_when_variances_differ_in_the_last_bit(activation, x64):
    """The two variances of a coincident pair come from separate reductions, which XLA may compile to results one
    rounding apart. The layers must not see it: with the second variance nudged by a few ulps, the kernel at the
    coincident pair equals the kernel of the point with itself: to 1e-15 for ReLU and sin, whose arccos and
    exp(-omega0^2 E[(u - v)^2] / 2) would amplify the nudge (and the ReLU NTK is the closed form)."""
    from ntk_fourier.core import covariance, layers
    model = nf.Model(nf.Mapping("none"), depth=3, width=64, activation=activation, b_std=0.0)
    x = np.array([[0.3, -0.7], [0.9, 0.2]])
    nngp, ntk, c1, c2 = covariance.from_points(model, x, x, xp=jnp)
    nudged = c2.at[1].multiply(1 + 4 * np.finfo(float).eps)  # a few roundings
    same = jnp.eye(2, dtype=bool)
    exact = layers.layers(model, nngp, ntk, c1, c1, 2, same)
    got = layers.layers(model, nngp, ntk, c1, nudged, 2, same)
    tol = 1e-15 if activation in ("relu", "sin") else 1e-14  # erf, gelu: the nudge passes through, not amplified
    for ours, theirs in zip(got, exact):
        assert abs(float(ours[1, 1]) - float(theirs[1, 1])) <= tol * abs(float(theirs[1, 1]))
    if activation == "relu":
        closed = _relu_diagonal(model, float(x[1] @ x[1]) / 2, 2)
        assert abs(float(got[0][1, 1]) - closed) <= 1e-14 * closed


def test_vmap_over_models_equals_a_loop(x64):
    """64 values of sigma through one vmapped call: the kernels of each model alone, to 1e-12."""
    base = nf.Model(nf.Mapping("gaussian", features=32), depth=3)
    sigmas = np.geomspace(1.0, 64.0, 64)
    batch = jax.tree_util.tree_map(lambda leaf: jnp.full(64, leaf), base)
    batch = batch.replace(mapping=batch.mapping.replace(sigma=jnp.asarray(sigmas)))
    x = np.linspace(0, 1, 9)[:, None]
    swept = jax.jit(jax.vmap(lambda m: nf.kernel_fn(m)(x).ntk))(batch)
    for i in (0, 31, 63):
        alone = nf.kernels(base.replace(mapping=base.mapping.replace(sigma=float(sigmas[i]))), x,
                           execution=nf.QUIET).ntk
        assert _relative(swept[i], alone) < RTOL


def _kernels_of_dynamics():
    model = nf.Model(nf.Mapping("gaussian", sigma=5.0, features=32), depth=3)
    xt, xs = np.linspace(0, 1, 16, endpoint=False)[:, None], np.linspace(0, 1, 40, endpoint=False)[:, None]
    return (nf.kernels(model, xt, execution=nf.QUIET).ntk, nf.kernels(model, xs, xt, execution=nf.QUIET).ntk,
            np.sin(2 * np.pi * 3 * xt[:, 0]), np.sin(2 * np.pi * 3 * xs[:, 0]))


@pytest.mark.parametrize("flow", [False, True])
def test_dynamics_equal_the_snapshot(flow, x64):
    """Outputs after t steps (GD by repeated squaring, flow by one matrix exponential), jit-compiled: equal to 0.2.0's
    eigendecomposition, to 1e-12."""
    K, Ks, yt, _ = _kernels_of_dynamics()
    key = f"dynamics/{'flow' if flow else 'gd'}"
    lr = float(SNAPSHOT[f"{key}/lr"])
    for i, t in enumerate(SNAPSHOT["dynamics/steps"]):
        t = float(t) if flow else int(t)
        out = jax.jit(lambda K, Ks, y, lr, t=t: dynamics.predict(K, y, t, lr=lr, ntk_test=Ks, flow=flow))(K, Ks, yt,
                                                                                                         lr)
        assert _relative(out.f_train, SNAPSHOT[f"{key}/f_train"][i], 1.0) < RTOL, t  # relative to max |y| = 1
        assert _relative(out.f_test, SNAPSHOT[f"{key}/f_test"][i], 1.0) < RTOL, t


def test_converged_prediction_is_kernel_regression(x64):
    """t -> infinity: the flow's outputs once its slowest mode has decayed by exp(-50) equal the converged ones, and
    those equal a dense solve."""
    K, Ks, yt, _ = _kernels_of_dynamics()
    ridge = 1e-6 * np.trace(K) / len(K)
    converged = dynamics.converged(K + ridge * np.eye(len(K)), yt, Ks)
    t = 50.0 * yt.size / np.linalg.eigvalsh(K + ridge * np.eye(len(K)))[0]
    late = dynamics.predict(K + ridge * np.eye(len(K)), yt, t, lr=1.0, ntk_test=Ks, flow=True).f_test
    assert _relative(late, converged) < 1e-8
    assert _relative(converged[:, 0], Ks @ np.linalg.solve(K + ridge * np.eye(len(K)), yt)) < 1e-9


def test_decay_equals_numpy_and_differentiates(x64):
    lam = np.geomspace(1e-6, 10.0, 7)
    for flow in (False, True):
        ours = jax.jit(lambda lam, lr, t: dynamics.decay(lam, lr, t, 8, flow))(lam, 0.5, 100.0)
        theirs = nf.decay(lam, 0.5, 100.0, 8, flow)
        for a, b in zip(ours, theirs):
            assert _relative(a, b) < RTOL
    # d decay / d lr for gradient flow: -lambda t / n exp(-lr lambda t / n)
    grad = jax.vmap(jax.grad(lambda lam: dynamics.decay(lam, 0.5, 100.0, 8, True)[0]), in_axes=0)(jnp.asarray(lam))
    np.testing.assert_allclose(grad, -0.5 * 100.0 / 8 * np.exp(-0.5 * lam * 100.0 / 8), rtol=1e-12)


@pytest.mark.parametrize("name, shape", [("gaussian", (64,)), ("power", (8, 8)), ("positional", (32,))])
def test_grid_spectrum_equals_the_snapshot(name, shape, x64):
    """The FFT spectrum, jit-compiled, at each frequency the snapshot labels: equal to 1e-12 of lambda_max."""
    model = {"gaussian": nf.Model(nf.Mapping("gaussian", sigma=4.0, features=32), depth=2),
             "power": nf.Model(nf.Mapping("power", features=4, p=1.0), depth=2),
             "positional": nf.Model(nf.Mapping("positional", sigma=8.0, features=6))}[name]
    lam = np.asarray(jax.jit(lambda m: spectrum.grid_spectrum(m, shape))(model))
    index = {tuple(f): i for i, f in enumerate(spectrum.frequencies(shape))}
    theirs = SNAPSHOT[f"spectrum/{name}/eigenvalues"]
    ours = lam[[index[tuple(f)] for f in SNAPSHOT[f"spectrum/{name}/frequencies"]]]
    assert np.max(np.abs(ours - theirs)) < RTOL * theirs[0]


@pytest.mark.parametrize("ridge", [0.0, 1e-3])
def test_learnability_equals_the_snapshot(ridge, x64):
    model = nf.Model(nf.Mapping("gaussian", sigma=5.0, features=32), depth=3)
    grid = nf.grid((64,))
    target = np.sin(2 * np.pi * 5 * grid[:, 0]) + 0.3 * np.cos(2 * np.pi * 11 * grid[:, 0])
    pop = nf.kernel.learnability.population(nf.kernels(model, grid, execution=nf.QUIET).ntk, target)
    fn = jax.jit(jax.vmap(lambda n: learnability.learnability(pop.eigenvalues, pop.coefficients, n, ridge)))
    got = fn(jnp.asarray([4.0, 8.0, 16.0, 32.0]))
    for key in ("kappa", "test_mse", "train_mse", "learnability"):
        theirs = SNAPSHOT[f"learnability/{ridge:g}/{key}"]
        if key == "train_mse" and ridge == 0:
            assert np.all(np.asarray(got.train_mse) == 0)
            continue
        assert _relative(getattr(got, key), theirs) < RTOL, key


def test_learnability_gradient_is_the_implicit_derivative(x64):
    """d test_mse / d ridge by reverse mode through the bisection's Newton step, against central differences."""
    lam = np.geomspace(1.0, 1e-6, 40)
    v = lam ** 0.3
    f = jax.jit(lambda r: learnability.learnability(lam, v, 10.0, r).test_mse)
    g = float(jax.grad(f)(1e-3))
    h = 1e-7
    fd = (float(f(1e-3 + h)) - float(f(1e-3 - h))) / (2 * h)
    assert abs(g - fd) < 1e-6 * abs(fd)


def test_gradient_of_a_predicted_error_in_sigma(x64):
    """The whole chain (kernel -> flow dynamics -> test MSE) differentiated in sigma: equals central differences."""
    x = np.linspace(0, 1, 12, endpoint=False)[:, None]
    xs = np.linspace(0, 1, 30, endpoint=False)[:, None] + 0.01
    y, ys = np.sin(2 * np.pi * 2 * x[:, 0]), np.sin(2 * np.pi * 2 * xs[:, 0])

    def error(sigma):
        model = nf.Model(nf.Mapping("gaussian", sigma=sigma, features=16), depth=2)
        f = nf.kernel_fn(model)
        out = dynamics.predict(f(x).ntk, y, 50.0, lr=1.0, ntk_test=f(xs, x).ntk, flow=True)
        return jnp.mean((out.f_test[:, 0] - ys) ** 2)

    g = float(jax.jit(jax.grad(error))(3.0))
    h = 1e-5
    fd = (float(error(3.0 + h)) - float(error(3.0 - h))) / (2 * h)
    assert np.isfinite(g) and abs(g - fd) < 1e-6 * abs(fd)


@pytest.mark.parametrize("call, counterpart", [
    (lambda m, x: nf.kernels(m, x, execution=nf.QUIET), "nf.kernel_fn"),
    (lambda m, x: nf.grid_spectrum(m, (8,), execution=nf.QUIET), "nf.core.spectrum.grid_spectrum"),
    (lambda m, x: nf.encode(m.mapping, x), "nf.model.mappings.features"),
])
def test_numpy_conveniences_name_their_pure_counterpart(call, counterpart):
    """Given traced values (here under jax.grad in sigma), a NumPy convenience raises one line naming the pure
    function to use instead."""
    x = np.linspace(0, 1, 4)[:, None]

    def f(sigma):
        model = nf.Model(nf.Mapping("gaussian", sigma=sigma, features=8))
        return jnp.sum(jnp.asarray(call(model, x)[0]))

    with pytest.raises(nf.InputError) as err:
        jax.grad(f)(3.0)
    assert counterpart in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("kind, theta", [("power", [1.2]), ("sigma", [np.log(6.0)]),
                                         ("amplitudes", -1.0 * np.log(np.arange(1, 9)))])
def test_design_objective_equals_the_snapshot(kind, theta):
    """The design tool's predicted errors and their gradients, now through nf.kernel_fn and nf.core.dynamics: equal
    to 0.2.0's own closed-form covariance and geometric sums, to 1e-12."""
    design = nf.kernel.design
    base = nf.Model(nf.Mapping("power"), depth=2)
    signals = design.one_over_f_signals(1.0, [0, 1], n=64, stride=4)
    for steps in (100, None):
        for network in (False, True):
            key = f"design/{kind}/{steps}/{network}"
            errors = design.predicted_errors(base, kind, theta, [signals], lr=0.5, steps=steps, features=8, seed=2,
                                             network=network)
            assert _relative(errors, SNAPSHOT[f"{key}/errors"]) < RTOL, key
            value, grad = design.gradient(base, kind, theta, signals, lr=0.5, steps=steps, features=8, seed=2,
                                          network=network)
            assert abs(value - SNAPSHOT[f"{key}/value"]) < RTOL * abs(SNAPSHOT[f"{key}/value"]), key
            assert _relative(grad, SNAPSHOT[f"{key}/gradient"]) < RTOL, key


def test_sweep_equals_kernels_of_each_model():
    """nf.kernel.sweep (vmap over stacked models, p = inf included) equals nf.kernels of each model, to 1e-12."""
    models = [nf.Model(nf.Mapping("power", features=16, p=p), depth=2) for p in (0.0, 1.0, 2.0, np.inf)]
    x, xs = np.linspace(0, 1, 16, endpoint=False)[:, None], np.linspace(0, 1, 5)[:, None]
    swept = nf.kernel.sweep(models, xs, x)
    assert swept.ntk.shape == (4, 5, 16)
    for i, m in enumerate(models):
        alone = nf.kernels(m, xs, x, execution=nf.QUIET)
        assert _relative(swept.ntk[i], alone.ntk) < RTOL and _relative(swept.nngp[i], alone.nngp) < RTOL
    with pytest.raises(nf.InputError, match="differs in structure"):
        nf.kernel.sweep([models[0], models[0].replace(depth=3)], x)


@pytest.mark.parametrize("model", [nf.Model(nf.Mapping("gaussian", features=8)), nf.Model(nf.Mapping("none")),
                                   nf.siren_model(), nf.Model(nf.Mapping("power", features=4), activation="gelu")],
                         ids=["gaussian", "none", "siren", "power-gelu"])
def test_kernel_keeps_the_inputs_dtype(model):
    """float32 points give float32 kernels even with 64-bit mode on, float64 points float64 kernels."""
    x = np.linspace(0, 1, 6)[:, None]
    with nf.float64():
        assert nf.kernel_fn(model)(x.astype(np.float32)).ntk.dtype == np.float32
        k64 = nf.kernel_fn(model)(x)
        assert k64.ntk.dtype == np.float64 and k64.nngp.dtype == np.float64
    assert nf.kernel_fn(model)(x.astype(np.float32)).nngp.dtype == np.float32
