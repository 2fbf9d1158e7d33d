"""Fourier feature mappings: normalisation, definitions, and the closed-form input covariance."""
import numpy as np
import pytest

from ntk_fourier import InputError, Mapping, Model, encode, frequencies, input_covariance, is_periodic, kernels

FINITE = ["basic", "positional", "power", "gaussian", "uniform", "uniform_log", "laplacian"]


@pytest.mark.parametrize("kind", FINITE)
@pytest.mark.parametrize("dim", [1, 2, 3])
def test_covariance_is_cosine_sum_with_unit_diagonal(kind, dim):
    """gamma(x).gamma(x') / d_in = sum_j a_j^2 cos(2 pi b_j.(x - x')), written directly, and C(x, x) = 1."""
    mapping = Mapping(kind, sigma=5.0, features=3 if kind == "power" else 16, p=1.0, seed=3)
    x1, x2 = np.random.default_rng(0).uniform(size=(9, dim)), np.random.default_rng(1).uniform(size=(4, dim))
    B, a = frequencies(mapping, dim)
    np.testing.assert_allclose(np.sum(a**2), 1.0, rtol=1e-14)
    direct = np.cos(2 * np.pi * (x1[:, None, :] - x2[None, :, :]) @ B.T) @ a**2
    np.testing.assert_allclose(input_covariance(mapping, x1, x2), direct, atol=1e-13)
    g = encode(mapping, x1)
    assert g.shape == (9, 2 * len(a))
    np.testing.assert_allclose(np.sum(g**2, 1) / g.shape[1], 1.0, rtol=1e-13)


def test_power_law_definitions():
    B, a = frequencies(Mapping("power", features=5, p=2.0), 1)
    np.testing.assert_array_equal(B[:, 0], [1, 2, 3, 4, 5])
    np.testing.assert_allclose(a, np.arange(1, 6) ** -2.0 / np.linalg.norm(np.arange(1, 6) ** -2.0))
    for dim in (1, 2, 3):  # p = inf is the basic mapping
        x = np.random.default_rng(dim).uniform(size=(6, dim))
        np.testing.assert_allclose(input_covariance(Mapping("power", features=3, p=float("inf")), x, x),
                                   input_covariance(Mapping("basic"), x, x), atol=1e-14)
    B2, _ = frequencies(Mapping("power", features=2, p=1.0), 2)
    assert len(B2) == (5 * 5 - 1) // 2 and np.abs(B2).max() == 2  # half of the integer lattice [-2, 2]^2 \ {0}
    assert len({tuple(b) for b in B2} | {tuple(-b) for b in B2}) == 24


def test_positional_and_sampler_scales():
    B, _ = frequencies(Mapping("positional", sigma=16.0, features=4), 2)
    np.testing.assert_allclose(B[:4, 0], 16.0 ** (np.arange(4) / 4))
    np.testing.assert_array_equal(B[:4, 1], 0)
    for kind in ("gaussian", "uniform", "laplacian"):  # standard deviation sigma per coordinate
        B, _ = frequencies(Mapping(kind, sigma=7.0, features=200_000, seed=1), 1)
        assert abs(B.std() / 7.0 - 1) < 0.01, kind
    B, _ = frequencies(Mapping("uniform_log", sigma=100.0, features=1000), 1)
    assert 1.0 <= np.abs(B).min() and np.abs(B).max() <= 100.0
    one, two = frequencies(Mapping("gaussian", seed=5), 2)[0], frequencies(Mapping("gaussian", seed=5), 2)[0]
    np.testing.assert_array_equal(one, two)
    assert not np.allclose(one, frequencies(Mapping("gaussian", seed=6), 2)[0])


def test_periodicity():
    assert is_periodic(Mapping("basic"), 2) and is_periodic(Mapping("power", features=4), 3)
    assert is_periodic(Mapping("positional", sigma=4.0, features=2), 1)  # frequencies 1, 2
    assert not is_periodic(Mapping("positional", sigma=10.0, features=4), 1)
    assert not is_periodic(Mapping("gaussian"), 1) and not is_periodic(Mapping("none"), 1)


@pytest.mark.parametrize("build,needle", [
    (lambda: Mapping("fourier"), "unknown mapping"),
    (lambda: Mapping(sigma=0.0), "sigma"),
    (lambda: Mapping(features=-3), "features"),
    (lambda: Mapping(p=float("nan")), "p must"),
    (lambda: Model(activation="tanh"), "unknown activation"),
    (lambda: Model(depth=0), "depth"),
    (lambda: Model(b_std=-1.0), "b-std"),
    (lambda: Model(init="siren"), "siren"),
    (lambda: Model(mapping=Mapping("gaussian_inf"), parameterization="standard"), "gaussian_inf"),
    (lambda: encode(Mapping("basic"), np.zeros((3, 4))), "coordinates"),
    (lambda: encode(Mapping("basic"), np.array([[np.nan]])), "NaN"),
    (lambda: kernels(Model(), np.zeros((2, 1)), np.zeros((2, 2))), "coordinates"),
])
def test_bad_values_raise_one_line_input_errors(build, needle):
    with pytest.raises(InputError, match=needle) as info:
        build()
    assert "\n" not in str(info.value)
