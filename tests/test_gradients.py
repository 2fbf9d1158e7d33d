"""Derivatives of the pure kernel (`nf.kernel_fn`) against central differences, in float64, for every activation x
mapping x parameterization and SIREN: the total derivative of k(x, x) along x (diagonals included), partial
derivatives in the first argument (a coincident pair and, for raw inputs, an antipodal pair and the origin
included), and the derivative in every numeric hyperparameter of the model (its pytree leaves). Forward mode
(``jacfwd``) and reverse mode (``grad``) are both checked, and nothing may be NaN.

Central differences D(h) = (f(x + h) - f(x - h)) / (2 h) are Richardson-extrapolated (`_richardson`) to O(h^3). At a
coincident pair the ReLU kernels have a cusp (|x - x'|): there central differences measure the symmetric derivative,
the one the kernel's derivative rule gives, with an error linear in h that the extrapolation removes."""
import itertools

import numpy as np
import pytest

import ntk_fourier as nf

jax = pytest.importorskip("jax")
jnp = jax.numpy

KINDS = ("none", "basic", "positional", "power", "gaussian", "uniform", "uniform_log", "laplacian", "gaussian_inf",
         "amplitudes")
TOL = 1e-6


def _models():
    for act, kind, par in itertools.product(nf.core.activations.CLOSED_FORM, KINDS, nf.model.PARAMETERIZATIONS):
        if kind == "gaussian_inf" and par == "standard":
            continue
        features = 3 if kind in ("power", "amplitudes") else 6  # 1D points: the power lattice has 3 frequencies
        amps = tuple(np.linspace(1.0, 0.2, 3)) if kind == "amplitudes" else ()
        mapping = nf.Mapping(kind, sigma=1.5, features=features, p=1.5, seed=1, amplitudes=amps)
        yield pytest.param(nf.Model(mapping=mapping, depth=3, width=16, activation=act, omega0=1.7,
                                    w_std=1.2 if act != "sin" else 0.9, b_std=0.3, parameterization=par),
                           id=f"{act}-{kind}-{par}")
    for act, kind, par in itertools.product(nf.core.activations.QUADRATURE, ("none", "gaussian"),
                                            nf.model.PARAMETERIZATIONS):  # quadrature: inside its accurate range
        mapping = nf.Mapping(kind, sigma=1.5, features=6, seed=1)
        yield pytest.param(nf.Model(mapping=mapping, depth=3, width=16, activation=act, omega0=1.0, s0=0.8,
                                    w_std=0.6, b_std=0.3, parameterization=par), id=f"{act}-{kind}-{par}")
    for par in nf.model.PARAMETERIZATIONS:
        yield pytest.param(nf.siren_model(depth=3, width=16, omega0=3.0, parameterization=par), id=f"siren-{par}")


def _points(model):
    """x1 (3, 1) and x2 (3, 1) with x2[0] = x1[1] (coincident); raw inputs also get x2[1] = -x1[0] (antipodal)
    and the origin."""
    x1 = np.array([[0.31], [0.62], [0.05]])
    x2 = np.array([[0.62], [0.87], [0.44]])
    if model.mapping.kind == "none" and model.init != "siren":
        x1, x2 = np.array([[0.31], [0.62], [0.0]]), np.array([[0.62], [-0.31], [0.44]])
    return x1, x2


@pytest.fixture(autouse=True)
def _free_compiled_programs():
    """Each model of the grid compiles programs of its own: drop them after its test, so that the grid's memory stays
    that of one model."""
    yield
    jax.clear_caches()


STEPS = (1.0, -1.0, 0.5, -0.5, 0.25, -0.25)  # f(x + s h) for each s: the central differences of `_richardson`


def _richardson(values, h):
    """The derivative at 0 from f at the `STEPS` times h: central differences D(h), D(h/2), D(h/4), extrapolated
    twice. D(h) = D + a h + b h^2 + O(h^3) (a != 0 only at a cusp), so R(h) = 2 D(h/2) - D(h) = D - b h^2 / 2 +
    O(h^3) and (4 R(h/2) - R(h)) / 3 = D + O(h^3)."""
    d = [(values[i] - values[i + 1]) / (2 * STEPS[i] * h) for i in (0, 2, 4)]  # D(h), D(h/2), D(h/4)
    r_h, r_half = 2 * d[1] - d[0], 2 * d[2] - d[1]
    return (4 * r_half - r_h) / 3


def _close(ours, theirs, what):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert np.all(np.isfinite(ours)), f"{what}: not finite"
    scale = max(np.max(np.abs(theirs)), 1e-8)
    err = np.max(np.abs(ours - theirs)) / scale
    assert err < TOL, f"{what}: max |error| / max |derivative| = {err:.2e}"


@jax.jit
def _derivatives(model, x1, x2, weights):
    """Forward mode in the points (the total derivative of K(x1, x1), the partial one of K(x1, x2)) and reverse mode
    in the model's leaves (of the weighted sum of K(x1, x2)): one compiled program per model structure."""
    both = lambda m, a, b: jnp.stack(nf.kernel_fn(m)(a, b))  # noqa: E731  (2, n1, n2)
    total = jax.jacfwd(lambda x: both(model, x, x))(x1)
    partial = jax.jacfwd(lambda x: both(model, x, x2))(x1)
    grad = jax.grad(lambda m: jnp.sum(both(m, x1, x2) * weights))(model)
    return total, partial, grad


@jax.jit
def _evaluate(models, xa, xb):
    """K(xa, xb) for a batch of (model, xa, xb): the central differences in one compiled program."""
    return jax.vmap(lambda m, a, b: jnp.stack(nf.kernel_fn(m)(a, b)))(models, xa, xb)


@pytest.mark.parametrize("model", list(_models()))
def test_derivatives_match_central_differences(model, x64):
    x1, x2 = _points(model)
    weights = np.random.default_rng(0).standard_normal((2, 3, 3))
    total, partial, grad = _derivatives(model, jnp.asarray(x1), jnp.asarray(x2), jnp.asarray(weights))
    leaves, tree = jax.tree_util.tree_flatten(model)
    paths = [jax.tree_util.keystr(path) for path, _ in jax.tree_util.tree_flatten_with_path(model)[0]]
    h_x = 1e-3
    cases, checks = [], []  # (model leaves, xa, xb) to evaluate; (ours, slice of cases, step, what)
    for i in range(len(x1)):
        e = np.zeros_like(x1)
        e[i] = 1.0
        start = len(cases)
        cases += [(leaves, x1 + s * h_x * e, x1 + s * h_x * e) for s in STEPS]
        checks.append((total[..., i, 0], start, h_x, f"total derivative of K(x, x) along x_{i}"))
        start = len(cases)
        cases += [(leaves, x1 + s * h_x * e, x2) for s in STEPS]
        checks.append((partial[..., i, 0], start, h_x, f"partial derivative of K(x1, x2) in x1_{i}"))
    grads = jax.tree_util.tree_leaves(grad)
    assert len(grads) == len(leaves)
    for k, (leaf, g) in enumerate(zip(leaves, grads)):
        if not np.isfinite(leaf):  # p = inf: no neighbourhood to differentiate in
            continue
        if paths[k] == ".b_std" and leaf == 0 and model.parameterization == "standard":
            assert np.isfinite(g)  # the standard NTK gains the bias's + 1 at b_std > 0: a jump, no derivative
            continue
        h = 1e-3 * max(abs(leaf), 1.0)
        start = len(cases)
        for s in STEPS:
            moved = list(leaves)
            moved[k] = leaf + s * h
            cases.append((moved, x1, x2))
        checks.append((g, start, h, f"derivative in {paths[k]}"))
    models = jax.tree_util.tree_unflatten(tree, [jnp.asarray([c[0][k] for c in cases]) for k in range(len(leaves))])
    values = np.asarray(_evaluate(models, jnp.asarray([c[1] for c in cases]), jnp.asarray([c[2] for c in cases])))
    for ours, start, h, what in checks:
        fd = _richardson(values[start:start + len(STEPS)], h)
        if what.startswith("derivative in"):
            fd = np.sum(fd * weights)
        _close(ours, fd, what)


def _settings(act, omega0):
    """omega0 (and, for the activations computed by quadrature, w_std and s0 inside the quadrature's range)."""
    return dict(omega0=omega0) if act in nf.core.activations.CLOSED_FORM else dict(omega0=1.0, s0=0.8, w_std=0.6)


def test_reverse_mode_equals_forward_mode(x64):
    """grad (the transposed derivative rules) equals jacfwd on the ReLU kernel at a coincident pair."""
    model = nf.Model(nf.Mapping("none"), depth=4)
    x = jnp.asarray([[0.3], [0.3], [-0.7]])
    f = lambda x: nf.kernel_fn(model)(x, x[::-1]).ntk.sum()  # noqa: E731
    np.testing.assert_allclose(jax.grad(f)(x), jax.jacfwd(f)(x), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("act", nf.model.ACTIVATIONS)
def test_finite_at_the_origin_without_bias(act, x64):
    """Raw inputs, no bias, a point at the origin (zero variance after the first layer): every derivative is finite
    (the ReLU kernels are not differentiable there; the rule gives the finite value of its other branches)."""
    model = nf.Model(nf.Mapping("none"), depth=3, activation=act, b_std=0.0, **_settings(act, 1.3))
    x = jnp.asarray([[0.0, 0.0], [0.4, -0.2], [-0.4, 0.2]])  # the origin, a point and its antipode
    jac = jax.jacfwd(lambda x: jnp.stack(nf.kernel_fn(model)(x)))(x)
    grad = jax.grad(lambda m: jnp.sum(jnp.stack(nf.kernel_fn(m)(x))))(model)
    assert np.all(np.isfinite(jac)) and all(np.isfinite(g) for g in jax.tree_util.tree_leaves(grad))


@pytest.mark.parametrize("act", nf.model.ACTIVATIONS)
def test_sigma_towards_zero(act, x64):
    """Gaussian features as sigma -> 0 (the kernel tends to a constant): the derivative in sigma is finite at
    sigma = 0 (traced; a concrete 0 is refused) and equals central differences at sigma = 1e-3."""
    base = nf.Model(nf.Mapping("gaussian", features=16), depth=3, activation=act, **_settings(act, 1.3))
    x = jnp.asarray(np.linspace(0.0, 1.0, 5)[:, None])

    def total(sigma):
        return jnp.sum(jnp.stack(nf.kernel_fn(base.replace(mapping=base.mapping.replace(sigma=sigma)))(x)))

    assert np.isfinite(float(jax.grad(total)(0.0)))
    ours = float(jax.grad(total)(1e-3))
    fd = _richardson([float(total(1e-3 + s * 2e-4)) for s in STEPS], 2e-4)  # below 1e-4, rounding dominates
    assert abs(ours - fd) <= TOL * max(abs(fd), 1e-8), (ours, fd)


@pytest.mark.parametrize("act", nf.model.ACTIVATIONS)
def test_hessian_off_the_diagonal(act, x64):
    """jax.hessian of k(x, x') in x at distinct points (raw inputs and Gaussian features): finite and equal to central
    differences of the gradient. For finer, the NNGP's (the NTK's second derivatives miss the Dirac delta of
    finer's third derivative: docs/jax.md)."""
    which = "nngp" if act == "finer" else "ntk"
    for kind in ("none", "gaussian"):
        depth = 2 if act in nf.core.activations.QUADRATURE else 3  # 2: one layer in the lax.scan
        model = nf.Model(nf.Mapping(kind, sigma=2.0, features=8), depth=depth, activation=act, **_settings(act, 1.5))
        x2 = jnp.asarray([[0.3, 0.1]])
        k = lambda x: getattr(nf.kernel_fn(model)(x[None], x2), which)[0, 0]  # noqa: E731
        x = jnp.asarray([0.7, -0.2])
        ours = np.asarray(jax.hessian(k)(x))
        grad = jax.grad(k)
        fd = np.stack([_richardson([np.asarray(grad(x + s * 1e-3 * e)) for s in STEPS], 1e-3) for e in np.eye(2)])
        assert np.all(np.isfinite(ours))
        assert np.max(np.abs(ours - fd)) < TOL * np.max(np.abs(fd)), (kind, np.max(np.abs(ours - fd)))
