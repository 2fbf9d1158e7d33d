"""Kernels of any elementwise activation by quadrature (`nf.core.quadrature`): the rule against exact moments, the
quadrature against the closed forms of relu, erf, gelu and sin (also through every layer), its self-convergence up
to the bandwidth it admits, the finer, gauss and gabor kernels against the empirical NTKs of wide networks, and the
one-line refusals."""
import math

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.core import activations, layers, quadrature

jax = pytest.importorskip("jax")
jnp = jax.numpy


def _pairs(n=60, seed=0):
    """(c, a, b) of random covariances, with correlation exactly +-1 and a zero variance among them."""
    rng = np.random.default_rng(seed)
    a, b, rho = rng.uniform(0.05, 2.0, n), rng.uniform(0.05, 2.0, n), rng.uniform(-1.0, 1.0, n)
    rho[:3] = 1.0, -1.0, 0.0
    b[0] = a[0]
    a[4] = 0.0
    return rho * np.sqrt(a * b), a, b


def _closed_forms(name, c, a, b, omega0):
    """(E[phi(u) phi(v)], E[phi'(u) phi'(v)]) in closed form (`nf.core.layers` and the formulas of its docstring)."""
    c, a, b = (jnp.asarray(v) for v in (c, a, b))
    if name == "relu":
        return layers.relu_kernels(c, a, b)
    if name == "gelu":
        return jax.jvp(lambda t: layers.gelu_expectation(t, a, b), (c,), (jnp.ones_like(c),))
    if name == "erf":
        q = (1 + 2 * a) * (1 + 2 * b)
        return 2 / np.pi * jnp.arcsin(2 * c / jnp.sqrt(q)), 4 / np.pi / jnp.sqrt(q - 4 * c ** 2)
    minus, plus = jnp.exp(-omega0 ** 2 * (a + b - 2 * c) / 2), jnp.exp(-omega0 ** 2 * (a + b + 2 * c) / 2)
    return (minus - plus) / 2, omega0 ** 2 * (minus + plus) / 2


def test_radial_rule_integrates_moments():
    """sum_i w_i r_i^k = int_0^inf r^k r exp(-r^2 / 2) dr = 2^(k/2) Gamma(k/2 + 1), for k up to 40."""
    radii, weights = (np.asarray(v) for v in quadrature.radial_rule(quadrature.RADII))
    for k in range(41):
        exact = 2 ** (k / 2) * math.gamma(k / 2 + 1)
        assert abs(np.sum(weights * radii ** k) - exact) <= 1e-10 * exact, k


@pytest.mark.parametrize("name, omega0", [("relu", 1.0), ("erf", 1.0), ("gelu", 1.0), ("sin", 1.0), ("sin", 2.8)])
def test_quadrature_equals_closed_forms(name, omega0, x64):
    """The kernel and its slope kernel, by quadrature, equal the closed forms to 1e-12 of their largest value, at
    correlations +-1 and zero variance included (sin: omega0 2.8 times a spread up to sqrt(2), a bandwidth of 4, the
    rule's limit). relu's kink at 0 lies on the rule's arc boundaries; at zero variance relu' (0) is a convention
    (the closed form takes 1/2, automatic differentiation 0), so that entry is left out of relu's slope."""
    c, a, b = _pairs()
    f = activations.function(name)
    df = quadrature.derivative(f)
    ours = (quadrature.expectation(f, f, c, a, b, params=(omega0, 1.0)),
            quadrature.expectation(df, df, c, a, b, params=(omega0, 1.0)))
    for got, exact, what in zip(ours, _closed_forms(name, c, a, b, omega0), ("kernel", "slope")):
        exact = np.asarray(exact)
        finite = (a > 0) | (name != "relu") | (what == "kernel")
        err = np.max(np.abs(np.asarray(got)[finite] - exact[finite])) / np.max(np.abs(exact[finite]))
        assert err < 1e-12, (what, err)


@pytest.mark.parametrize("name", ["relu", "erf", "gelu", "sin"])
def test_layers_by_quadrature_equal_the_closed_form_layers(name, monkeypatch, x64):
    """Whole kernels (NTK and NNGP, depth 3, Fourier features and raw inputs) with the activation routed through the
    quadrature equal the closed-form layers to 1e-12 relative."""
    x1, x2 = np.linspace(0, 1, 6)[:, None], np.array([[0.2], [0.55], [0.9]])
    for mapping in (nf.Mapping("gaussian", sigma=2.0, features=8), nf.Mapping("none")):
        model = nf.Model(mapping, depth=3, activation=name, omega0=1.3, w_std=0.9)
        closed = nf.kernel_fn(model)(x1, x2)
        monkeypatch.setattr(activations, "QUADRATURE", activations.QUADRATURE + (name,))
        routed = nf.kernel_fn(model)(x1, x2)
        monkeypatch.undo()
        for ours, theirs in zip(routed, closed):
            assert np.max(np.abs(ours - theirs)) <= 1e-12 * np.max(np.abs(theirs))


@pytest.mark.parametrize("name", activations.QUADRATURE)
@pytest.mark.parametrize("spread", [0.3, 1.0])
def test_converged_at_the_bandwidth_limit(name, spread, x64):
    """At the largest bandwidth the toolkit admits (`quadrature.LIMIT`), the kernel and slope kernel with the
    default rule equal those with twice the nodes in each direction to 1e-8 of their largest value."""
    sigma2 = spread ** 2
    if name == "finer":  # spread omega0 (8 spread + 1) = LIMIT
        omega0, s0 = quadrature.LIMIT / (spread * (8 * spread + 1)), 1.0
    elif name == "gauss":
        omega0, s0 = 1.0, quadrature.LIMIT / (1.5 * spread)
    else:  # gabor: carrier and envelope at equal shares
        omega0 = s0 = quadrature.LIMIT / (2 * spread)
    assert abs(activations.bandwidth(name, sigma2, omega0, s0) - quadrature.LIMIT) < 1e-12
    rho = np.linspace(-1.0, 1.0, 41)
    f = activations.function(name)
    df = quadrature.derivative(f)

    def both():
        return [np.asarray(quadrature.expectation(h, h, rho * sigma2, sigma2, sigma2, params=(omega0, s0)))
                for h in (f, df)]

    default = both()
    radii, angles = quadrature.RADII, quadrature.ANGLES
    try:
        quadrature.RADII, quadrature.ANGLES = 2 * radii, 2 * angles
        finer_rule = both()
    finally:
        quadrature.RADII, quadrature.ANGLES = radii, angles
    for ours, theirs in zip(default, finer_rule):
        assert np.max(np.abs(ours - theirs)) <= 1e-8 * np.max(np.abs(theirs))


@pytest.mark.parametrize("name, omega0, s0, w_std", [("finer", 1.5, 1.0, 0.5), ("gauss", 1.0, 1.0, 1.0),
                                                     ("gabor", 2.0, 1.0, 0.7)])
def test_wide_networks_match_the_kernel(name, omega0, s0, w_std, x64):
    """The mean empirical NTK of 32 networks of width 4096 (Gaussian features, depth 2) lies within 4 standard errors
    of the analytic NTK at every entry."""
    from ntk_fourier.network import empirical_ntk
    from ntk_fourier.network.mlp import build
    model = nf.Model(nf.Mapping("gaussian", sigma=2.0, features=16), depth=2, width=4096, activation=name,
                     omega0=omega0, s0=s0, w_std=w_std)
    x = np.linspace(0, 1, 6)[:, None]
    analytic = nf.kernels(model, x, execution=nf.QUIET).ntk
    net = build(model, 1)
    draws = np.stack([np.asarray(empirical_ntk(net, net.init(jax.random.PRNGKey(s), jnp.float64), jnp.asarray(x)))
                      for s in range(32)])
    mean, se = draws.mean(0), draws.std(0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(mean - analytic) <= 4 * se), np.max(np.abs(mean - analytic) / se)


def test_too_fast_an_activation_is_refused_in_one_line(tmp_path):
    """finer at omega0 30 on unit-variance pre-activations is beyond the quadrature: the library and the CLI say so
    in one line, before any kernel; the neural-tangents engine refuses the new activations likewise."""
    x = np.linspace(0, 1, 5)[:, None]
    with pytest.raises(nf.errors.InputError, match="varies too fast .* lower --omega0 or --w-std"):
        nf.kernels(nf.Model(activation="finer"), x, execution=nf.QUIET)
    import subprocess
    import sys
    from ntk_fourier.kernel import reference
    np.save(tmp_path / "x.npy", x)
    done = subprocess.run([sys.executable, "-m", "ntk_fourier", "kernel", "--activation", "gauss", "--s0", "50",
                           "--x", str(tmp_path / "x.npy"), "--out", str(tmp_path / "k.npz")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "lower --s0 or --w-std" in done.stderr, done.stderr
    ok = subprocess.run([sys.executable, "-m", "ntk_fourier", "kernel", "--activation", "gabor", "--omega0", "2",
                         "--w-std", "1", "--x", str(tmp_path / "x.npy"), "--out", str(tmp_path / "k.npz"), "--quiet"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    model = nf.Model(activation="gabor", omega0=2.0, w_std=1.0)
    np.testing.assert_allclose(np.load(tmp_path / "k.npz")["ntk"], nf.kernels(model, x, execution=nf.QUIET).ntk,
                               rtol=1e-12)
    with pytest.raises(nf.errors.InputError, match="no neural-tangents counterpart"):
        reference.stax_kernel_fn(nf.Model(activation="gabor"))
