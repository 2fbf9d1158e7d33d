"""Spectra vs numpy.linalg.eigvalsh, known expansions, and the known decay of the ReLU NTK on the circle/sphere."""
import numpy as np
import pytest
from scipy import special

from ntk_fourier import (QUIET, InputError, Mapping, Model, dense_spectrum, grid, grid_spectrum, harmonic_spectrum,
                         is_periodic, kernels, toeplitz_operator, top_eigenpairs, zonal_eigenvalues)

PERIODIC = [Mapping("basic"), Mapping("power", features=8, p=0.0), Mapping("power", features=8, p=1.0),
            Mapping("power", features=8, p=float("inf")), Mapping("positional", sigma=4.0, features=2)]


@pytest.mark.parametrize("mapping", PERIODIC, ids=lambda m: f"{m.kind}-p{m.p}")
@pytest.mark.parametrize("shape", [(64,), (12, 16)])
@pytest.mark.parametrize("which", ["ntk", "nngp"])
def test_fft_spectrum_equals_eigvalsh_on_periodic_grid(mapping, shape, which):
    model = Model(mapping=mapping, depth=3, b_std=0.2)
    assert is_periodic(mapping, len(shape))
    s = grid_spectrum(model, shape, which=which, execution=QUIET)
    K = getattr(kernels(model, grid(shape), execution=QUIET), which)
    # the Gram matrix is (block-)circulant: K[i, j] depends only on (x_j - x_i) mod 1
    ints = np.rint(grid(shape) * np.array(shape)).astype(int)  # (N, d) integer coordinates
    flat = np.ravel_multi_index(tuple((ints[None, :, a] - ints[:, None, a]) % n for a, n in enumerate(shape)), shape)
    np.testing.assert_allclose(K, K[0][flat], rtol=0, atol=1e-12 * np.abs(K).max(), err_msg="not circulant")
    exact = np.linalg.eigvalsh(K)[::-1]
    assert s.method == "fft" and s.exact
    assert np.max(np.abs(s.eigenvalues - exact)) <= 1e-10 * exact[0], "FFT vs eigvalsh"
    # each eigenvalue's frequency label is right: the Fourier mode with that frequency is an eigenvector
    x = grid(shape)
    for lam, f in zip(s.eigenvalues[:5], s.frequencies[:5]):
        mode = np.cos(2 * np.pi * x @ f)
        np.testing.assert_allclose(K @ mode, lam * mode, atol=1e-9 * exact[0], err_msg=f"frequency {f}")


def test_non_periodic_kernel_is_labelled_approximate_with_measured_error():
    model = Model(mapping=Mapping("gaussian", sigma=6.0, features=64))
    assert not is_periodic(model.mapping, 1)
    s = grid_spectrum(model, (128,), execution=QUIET)
    exact = np.linalg.eigvalsh(kernels(model, grid((128,)), execution=QUIET).ntk)[::-1]
    assert s.method == "fft-circulant" and not s.exact and "approximation" in s.describe()
    np.testing.assert_allclose(s.approx_error, np.max(np.abs(s.eigenvalues - exact)) / exact[0], rtol=1e-12)
    assert 0 < s.approx_error < 0.05  # the approximation is close for a kernel that decays within the grid


def test_non_stationary_kernel_uses_dense_eigh_with_dominant_frequencies():
    model = Model(mapping=Mapping("none"), depth=2)
    s = grid_spectrum(model, (64,), execution=QUIET)
    lam, V = dense_spectrum(kernels(model, grid((64,)), execution=QUIET).ntk)
    assert s.method == "dense"
    np.testing.assert_allclose(s.eigenvalues, lam, rtol=1e-12)
    assert s.frequencies[0, 0] == 0  # the top eigenvector of a ReLU NTK is the smooth, constant-like one
    labels = np.rint(np.fft.fftfreq(64) * 64).astype(int)
    for k in range(10):  # label = the frequency with the largest |FFT| of the eigenvector
        assert s.frequencies[k, 0] == labels[np.argmax(np.abs(np.fft.fft(V[:, k])))]


def test_dense_spectrum_matches_eigh_and_fixes_signs():
    A = np.random.default_rng(0).standard_normal((20, 20))
    K = A @ A.T
    lam, V = dense_spectrum(K)
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(K)[::-1], rtol=1e-12)
    np.testing.assert_allclose(K @ V, V * lam, atol=1e-10)
    assert np.all(V[np.argmax(np.abs(V), axis=0), np.arange(20)] > 0)


@pytest.mark.parametrize("dim,expected", [(2, lambda k: special.iv(k, 1.0)),
                                          (3, lambda k: special.spherical_in(k, 1.0))])
def test_zonal_eigenvalues_of_exp_kernel(dim, expected):
    """exp(x.x'): Funk-Hecke coefficients I_k(1) on the circle and i_k(1) on the sphere (known expansions)."""
    mu = zonal_eigenvalues(np.exp, dim, 12, n_quad=256)
    # atol: the quadrature sums O(1) terms into mu_k, so round-off leaves ~1e-15 * mu_0 absolute
    np.testing.assert_allclose(mu, expected(np.arange(13)), rtol=1e-10, atol=1e-14 * mu[0])


def test_circle_spectrum_equals_gram_eigenvalues():
    """N equispaced points: Gram eigenvalues = N * operator eigenvalues, with multiplicity 2 for 0 < k < N/2."""
    model = Model(mapping=Mapping("none"), depth=2, b_std=0.3)
    n = 64
    theta = 2 * np.pi * np.arange(n) / n
    K = kernels(model, np.stack([np.cos(theta), np.sin(theta)], 1), execution=QUIET).ntk
    _, mu, mult = harmonic_spectrum(model, 2, n // 2, n_quad=n)
    predicted = np.sort(np.repeat(n * mu, np.where(np.arange(n // 2 + 1) % (n // 2) == 0, 1, mult)))[::-1]
    np.testing.assert_allclose(predicted, np.linalg.eigvalsh(K)[::-1], rtol=1e-9, atol=1e-12 * predicted[0])


@pytest.mark.parametrize("which", ["ntk", "nngp"])
def test_relu_circle_decay_and_vanishing_odd_degrees(which):
    """Two-layer ReLU kernels on the circle (Basri et al. 2019; Bietti & Mairal 2019): mu_k ~ k^-2 for the NTK
    (k^-4 for the NNGP, the degree-1 arc-cosine kernel); without bias the odd degrees k >= 3 vanish."""
    slope_expected = {"ntk": -2.0, "nngp": -4.0}[which]
    for b_std in (0.0, 0.5):
        model = Model(mapping=Mapping("none"), depth=1, b_std=b_std)
        degrees, mu, _ = harmonic_spectrum(model, 2, 128, which=which)
        ks = np.arange(16, 129, 2)  # even degrees: non-zero with and without bias
        slope = np.polyfit(np.log(ks), np.log(mu[ks]), 1)[0]
        assert abs(slope - slope_expected) < 0.2, (b_std, slope)
        odd = np.abs(mu[3::2])
        if b_std == 0.0:
            assert odd.max() < 1e-12 * mu[0], odd.max()
        else:
            assert odd[:5].min() > 1e-6 * mu[0]


def test_relu_sphere_decay():
    """On the sphere S^2 the two-layer ReLU NTK decays like k^-3 (k^-d in R^d; Bietti & Mairal 2019)."""
    degrees, mu, mult = harmonic_spectrum(Model(mapping=Mapping("none"), depth=1, b_std=0.0), 3, 40)
    ks = np.arange(8, 41, 2)
    assert abs(np.polyfit(np.log(ks), np.log(mu[ks]), 1)[0] + 3.0) < 0.2
    assert np.abs(mu[3::2]).max() < 1e-10 * mu[0]
    np.testing.assert_array_equal(mult, 2 * degrees + 1)


def test_sphere_spectrum_equals_gram_eigenvalues_of_many_points():
    """N near-uniform points on S^2 (Fibonacci lattice): Gram eigenvalues / N cluster into groups of 2k + 1 at the
    Funk-Hecke eigenvalues (a second implementation: dense eigh on points; agreement limited by the point set)."""
    n = 1500
    i = np.arange(n) + 0.5
    polar, azimuth = np.arccos(1 - 2 * i / n), np.pi * (1 + 5**0.5) * i
    x = np.stack([np.cos(azimuth) * np.sin(polar), np.sin(azimuth) * np.sin(polar), np.cos(polar)], 1)
    model = Model(mapping=Mapping("none"), depth=2, b_std=0.3)
    lam = np.linalg.eigvalsh(kernels(model, x, execution=QUIET).ntk)[::-1] / n
    _, mu, mult = harmonic_spectrum(model, 3, 3)
    groups = np.split(lam[:16], np.cumsum(mult)[:-1])
    for k, group in enumerate(groups):
        np.testing.assert_allclose(group, mu[k], rtol=1e-3, err_msg=f"degree {k}")


@pytest.mark.parametrize("mapping,shape", [(Mapping("gaussian", sigma=6.0, features=64), (24, 20)),
                                           (Mapping("gaussian_inf", sigma=4.0), (300,)),
                                           (Mapping("positional", sigma=10.0, features=4), (8, 6, 5))])
def test_matrix_free_top_eigenpairs_equal_eigvalsh(mapping, shape):
    """Toeplitz products by FFT (circulant embedding) + Lanczos: exact top-k, non-periodic kernels included."""
    model = Model(mapping=mapping, depth=2)
    K = kernels(model, grid(shape), execution=QUIET).ntk
    v = np.random.default_rng(0).standard_normal(K.shape[0])
    op = toeplitz_operator(model, shape, execution=QUIET)
    np.testing.assert_allclose(op.matvec(v), K @ v, rtol=1e-10, atol=1e-10 * np.abs(K @ v).max())
    lam, V, freqs = top_eigenpairs(model, shape, 12, execution=QUIET)
    exact = np.linalg.eigvalsh(K)[::-1][:12]
    assert np.max(np.abs(lam - exact) / exact) < 1e-6, "top-k vs eigvalsh"
    np.testing.assert_allclose(K @ V, V * lam, atol=1e-8 * lam[0])
    assert freqs.shape == (12, len(shape))


def test_matrix_free_operator_refuses_non_stationary_kernels():
    with pytest.raises(InputError, match="stationary"):
        toeplitz_operator(Model(mapping=Mapping("none")), (8, 8))
