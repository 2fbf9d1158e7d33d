"""The engine's kernels vs closed forms and an independent NumPy recursion (neural-tangents: tests/reference)."""
import numpy as np
import pytest

from oracle import mlp_kernels
from ntk_fourier import QUIET, Mapping, Model, encode, input_covariance, kernels, siren_model
from ntk_fourier.model.siren import first_layer_kernels, first_layer_variance

RTOL = 1e-9  # float64; see test_relu_diagonal_precision for the one place where precision is lower


def _points(n, d, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (n, d))


# At correlation +-1 (collinear inputs: every pair in 1D without bias) arccos has an infinite derivative, so a rounding
# error delta ~ 2^-52 in the correlation moves the angle by sqrt(2 delta) ~ 2.1e-8: there, entries are accurate to
# ~1e-8 of the kernel's scale in any implementation that forms the correlation, neural-tangents' included.
ANGLE_ATOL = 3e-8


def _angle(u, v):
    """Angle between rows of u (n1, k) and v (n2, k), well conditioned: atan2(|u x v|, u.v) (Lagrange identity)."""
    cross2 = sum((u[:, None, i] * v[None, :, j] - u[:, None, j] * v[None, :, i]) ** 2
                 for i in range(u.shape[1]) for j in range(i + 1, u.shape[1]))
    return np.arctan2(np.sqrt(cross2), u @ v.T)


@pytest.mark.parametrize("b_std", [0.0, 0.3])
@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
@pytest.mark.parametrize("dim", [1, 2, 3])
def test_one_hidden_layer_relu_equals_arc_cosine(b_std, parameterization, dim):
    """One hidden ReLU layer: the arc-cosine kernels of degree 0 and 1 (Cho & Saul 2009), written out."""
    w, width = 1.3, 64
    x1, x2 = _points(7, dim, 1), _points(5, dim, 2)
    k = kernels(Model(mapping=Mapping("none"), depth=1, width=width, w_std=w, b_std=b_std,
                      parameterization=parameterization), x1, x2, execution=QUIET)
    # first-layer pre-activations u = w W x / sqrt(d) + b_std b are Gaussian with covariance <u1, u2>, where
    u1 = np.hstack([w * x1 / np.sqrt(dim), np.full((len(x1), 1), b_std)])
    u2 = np.hstack([w * x2 / np.sqrt(dim), np.full((len(x2), 1), b_std)])
    theta = _angle(u1, u2)
    norm = np.outer(np.linalg.norm(u1, axis=1), np.linalg.norm(u2, axis=1))
    k0 = (np.pi - theta) / np.pi  # arc-cosine kernel of degree 0
    k1 = (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / np.pi  # degree 1
    nngp = w**2 * 0.5 * norm * k1 + b_std**2
    if parameterization == "ntk":
        ntk = nngp + w**2 * 0.5 * k0 * (u1 @ u2.T)
    else:  # gradients of the raw weights: fan_in * (mean product) for each layer, 1 for each bias
        bias = 1.0 if b_std > 0 else 0.0
        ntk = width * 0.5 * norm * k1 + bias + w**2 * 0.5 * k0 * (x1 @ x2.T + bias)
    for name, got, want in (("NNGP", k.nngp, nngp), ("NTK", k.ntk, ntk)):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ANGLE_ATOL * np.abs(want).max(),
                                   err_msg=f"{name} vs arc-cosine")


@pytest.mark.parametrize("mapping", [Mapping("none"), Mapping("basic"), Mapping("gaussian", sigma=3, features=16),
                                     Mapping("power", features=6, p=1.5)])
@pytest.mark.parametrize("activation", ["relu", "erf", "gelu", "sin"])
@pytest.mark.parametrize("depth", [2, 4])
@pytest.mark.parametrize("b_std", [0.0, 0.2])
@pytest.mark.parametrize("parameterization", ["ntk", "standard"])
def test_deep_kernels_equal_numpy_recursion(mapping, activation, depth, b_std, parameterization):
    model = Model(mapping=mapping, depth=depth, width=32, activation=activation, w_std=1.2, b_std=b_std,
                  parameterization=parameterization, omega0=1.5)
    x1, x2 = _points(6, 2, 3) * 0.5 + 0.5, _points(4, 2, 4) * 0.5 + 0.5
    g1, g2 = encode(mapping, x1), encode(mapping, x2)
    d_in = g1.shape[1]
    ntk, nngp = mlp_kernels(g1 @ g2.T / d_in, np.sum(g1**2, 1) / d_in, np.sum(g2**2, 1) / d_in, depth=depth,
                            activation=activation, w_std=1.2, b_std=b_std, parameterization=parameterization,
                            width=32, d_in=d_in, omega0=1.5)
    k = kernels(model, x1, x2, execution=QUIET)
    np.testing.assert_allclose(k.nngp, nngp, rtol=RTOL, atol=1e-12, err_msg="NNGP: ntk_fourier vs NumPy recursion")
    np.testing.assert_allclose(k.ntk, ntk, rtol=RTOL, atol=1e-12, err_msg="NTK: ntk_fourier vs NumPy recursion")


def test_relu_diagonal_precision():
    """On identical points the correlation is exactly 1 (no arccos rounding blow-up): diagonal = closed form."""
    x = np.arange(8)[:, None] / 8
    k = kernels(Model(mapping=Mapping("gaussian", sigma=3), depth=3, w_std=np.sqrt(2), b_std=0.1), x,
                execution=QUIET)
    # With C(x, x) = 1 and w^2 = 2 each ReLU layer keeps q: q_l = 2 * q_{l-1} / 2 + b^2; NTK_l = q_l + NTK_{l-1}.
    q, ntk = 2 * 1.0 + 0.01, 2 * 1.0 + 0.01
    for _ in range(3):
        q = q + 0.01
        ntk = q + ntk  # (w^2 * 1/2 derivative expectation = 1)
    np.testing.assert_allclose(np.diag(k.ntk), ntk, rtol=1e-14)
    np.testing.assert_allclose(np.diag(k.nngp), q, rtol=1e-14)


def test_gaussian_mapping_approaches_infinite_features():
    """Random Fourier features: C_m - C_inf = O(m^-1/2), and the NTK follows (Rahimi & Recht 2007)."""
    x = np.linspace(0, 1, 33)[:, None]
    exact_cov = input_covariance(Mapping("gaussian_inf", sigma=2.0), x, x)
    np.testing.assert_allclose(exact_cov, np.exp(-2 * np.pi**2 * 4.0 * (x - x.T) ** 2), rtol=1e-14)
    errors = []
    for m in (256, 4096, 65536):
        cov = input_covariance(Mapping("gaussian", sigma=2.0, features=m, seed=1), x, x)
        errors.append(np.abs(cov - exact_cov).max())
    assert errors[-1] < 0.02 and errors[0] / errors[-1] > 4, errors  # 16x per step would be m^-1/2 -> 4x
    inf = kernels(Model(mapping=Mapping("gaussian_inf", sigma=2.0)), x, execution=QUIET)
    fin = kernels(Model(mapping=Mapping("gaussian", sigma=2.0, features=65536, seed=1)), x, execution=QUIET)
    assert np.abs(fin.ntk - inf.ntk).max() / np.abs(inf.ntk).max() < 0.01


def test_siren_first_layer_equals_monte_carlo():
    """SIREN's uniform first layer: closed-form E[sin u sin u'] and E[cos u cos u'] vs 2e6 samples (5 sigma)."""
    omega0, d = 30.0, 2
    x = np.array([[0.1, 0.2], [0.12, 0.25], [0.6, 0.9], [0.0, 0.0]])
    rng = np.random.default_rng(0)
    n = 2_000_000
    w = rng.uniform(-1 / d, 1 / d, (n, d))
    c = rng.uniform(-1 / np.sqrt(d), 1 / np.sqrt(d), (n, 1))
    u = omega0 * (w @ x.T + c)  # (n, points)
    sin, cos = np.sin(u), np.cos(u)
    mc_sin, mc_cos = sin.T @ sin / n, cos.T @ cos / n
    nngp, ntk = first_layer_kernels(x, x, omega0, "standard")
    grad = x @ x.T + 1.0
    # The only error is Monte Carlo: each entry is a mean of n i.i.d. products, so its standard error is that
    # entry's own sample standard deviation / sqrt(n) (~0.35 / sqrt(n) on the diagonal, ~0.5 / sqrt(n) off it,
    # i.e. 2.5e-4 and 3.6e-4). 5 of them per entry: P(false failure) ~ 32 entries * 6e-7 ~ 2e-5. Measured: largest
    # |error| 5.1e-4 = 1.8 standard errors (seed 0; <= 2.2 over seeds 0-5). Dropping the small term
    # S(x + x') sinc(2 omega0 / sqrt(d)) (sinc = -0.024) moves the NNGP by up to 0.011: 45 standard errors.
    se_sin = np.sqrt(((sin**2).T @ sin**2 / n - mc_sin**2) / n)
    se_cos = np.sqrt(((cos**2).T @ cos**2 / n - mc_cos**2) / n)
    assert np.all(np.abs(nngp - mc_sin) < 5 * se_sin)
    assert np.all(np.abs(ntk / (omega0**2 * grad) - mc_cos) < 5 * se_cos)
    np.testing.assert_allclose(first_layer_variance(x, omega0), np.diag(nngp), rtol=1e-14)


def test_siren_kernel_is_finite_and_psd():
    x = np.linspace(-1, 1, 64)[:, None]
    k = kernels(siren_model(depth=3), x, execution=QUIET)
    for name in ("ntk", "nngp"):
        K = getattr(k, name)
        lam = np.linalg.eigvalsh(K)
        # Exact K is positive semi-definite; the float64 entries (relative round-off ~1e-16) and eigvalsh (backward
        # error ~ n eps ||K||) move its eigenvalues by <~ n eps lam.max = 1.4e-14 lam.max. Measured lam.min / lam.max:
        # +8.0e-3 (NTK), +3.3e-3 (NNGP) -- this kernel is even positive definite -- so any negative eigenvalue past
        # round-off means a wrong kernel.
        assert np.all(np.isfinite(K)) and lam.min() > -len(x) * np.finfo(float).eps * lam.max(), name


def test_blocks_equal_one_shot():
    x = _points(70, 1, 7)
    model = Model(mapping=Mapping("gaussian", sigma=5))
    one = kernels(model, x, execution=QUIET.replace(tile=1024))
    blocks = kernels(model, x, execution=QUIET.replace(tile=16))
    cross = kernels(model, x, x[:33], execution=QUIET.replace(tile=16))
    np.testing.assert_array_equal(blocks.ntk, blocks.ntk.T)
    np.testing.assert_allclose(blocks.ntk, one.ntk, rtol=1e-12)
    np.testing.assert_allclose(cross.nngp, one.nngp[:, :33], rtol=1e-12)
