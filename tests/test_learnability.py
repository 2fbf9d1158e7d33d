"""Generalisation from the spectrum (`kernel.learnability`) against oracles: Gaussian-design ridge regression,
where the eigenlearning equations are asymptotically exact (features z ~ N(0, I) with k(z, z') = sum_i lambda_i z_i
z'_i: the test error is |w_hat - v|^2, simulated here and by `gaussian_design`, also on a real NTK's spectrum), the
conservation law sum_i L_i + ridge / kappa = n, Parseval for the target's coefficients, and kernel regression
computed directly (distinct and repeated training points, whole population and held-out errors)."""
import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.kernel import learnability as le


@pytest.mark.parametrize("ridge", [0.0, 1e-2])
def test_prediction_matches_gaussian_design_regression(ridge):
    """Measured (30 draws) within 3 standard errors plus 3% of the prediction at n = 100 and 400 (the equations'
    own error is O(1/n): 0.5-4% measured at n = 25..400 with 3,000 modes)."""
    M = 2000
    i = np.arange(1, M + 1)
    pop = le.Population(eigenvalues=i ** -1.5, coefficients=i ** -1.0, kernel=None, target=None)
    rng = np.random.default_rng(0)
    for n, predicted in zip((100, 400), le.predict(pop, [100, 400], ridge).test_mse):
        errors = []
        for _ in range(30):
            Z = rng.standard_normal((n, M))
            K = (Z * pop.eigenvalues) @ Z.T + ridge * np.eye(n)
            y = Z @ pop.coefficients
            alpha = np.linalg.solve(K, y) if ridge else np.linalg.lstsq(K, y, rcond=1e-14)[0]
            errors.append(np.sum((pop.eigenvalues * (Z.T @ alpha) - pop.coefficients) ** 2))
        se = np.std(errors, ddof=1) / np.sqrt(len(errors))
        assert abs(np.mean(errors) - predicted) <= 3 * se + 0.03 * predicted, (n, np.mean(errors), predicted)


def test_effective_ridge_conserves_the_training_points():
    lam = np.arange(1, 500) ** -2.0
    for ridge in (0.0, 1e-3):
        for n in (3, 40, 300):
            kappa = le.effective_ridge(lam, n, ridge)
            assert np.sum(lam / (lam + kappa)) + ridge / kappa == pytest.approx(n, rel=1e-10)
    with pytest.raises(nf.InputError, match="n must be between 1 and 498"):
        le.effective_ridge(lam, 499)


def test_population_coefficients_and_measured_regression():
    x = nf.grid((64,))
    y = nf.one_over_f(n=64, stride=4, seed=1)["y"]
    K = nf.kernels(nf.Model(mapping=nf.Mapping("power", features=32, p=1.0), depth=2), x, execution=nf.QUIET).ntk
    pop = le.population(K, y)
    assert np.sum(pop.coefficients ** 2) == pytest.approx(np.mean(y ** 2), rel=1e-12)  # Parseval, phi mean-square 1
    assert np.all(np.diff(pop.eigenvalues) <= 0) and pop.eigenvalues.sum() == pytest.approx(np.trace(K) / 64)
    assert np.allclose(pop.vectors @ np.diag(pop.eigenvalues * 64) @ pop.vectors.T, K, atol=1e-10)
    mean, _ = le.measured(pop, [10], ridge=0.5, draws=1, seed=3)
    idx = le.training_sets(64, 10, 1, seed=13)[0]  # measured: seed + n, without replacement
    assert len(np.unique(idx)) == 10
    direct = K[:, idx] @ np.linalg.solve(K[np.ix_(idx, idx)] + 0.5 * np.eye(10), y[idx])
    assert mean[0] == pytest.approx(np.mean((direct - y) ** 2), rel=1e-10)


def test_regression_errors_held_out_and_repeated_points():
    """Ridgeless: zero error on the training points, so the whole-population error is (1 - n / N) times the held-out
    one; a repeated point is the same constraint, so regressing on a set with repeats equals regressing on its
    distinct points."""
    x = nf.grid((96,))
    y = nf.one_over_f(n=96, stride=4, seed=2)["y"]
    pop = le.population(nf.kernels(nf.Model(depth=3), x, execution=nf.QUIET).ntk, y)
    sets = le.training_sets(96, 12, 5, seed=0)
    assert all(len(np.unique(row)) == 12 for row in sets)
    whole, held = le.regression_errors(pop, sets), le.regression_errors(pop, sets, held_out=True)
    assert np.allclose(whole, (1 - 12 / 96) * held, rtol=1e-9)
    repeated = np.concatenate([sets[:1], sets[:1, :4]], axis=1)  # 16 indices, 12 distinct
    assert le.regression_errors(pop, repeated)[0] == pytest.approx(whole[0], rel=1e-8)
    iid = le.training_sets(96, 40, 50, seed=1, replace=True)
    assert iid.shape == (50, 40) and any(len(np.unique(row)) < 40 for row in iid)


def test_gaussian_design_is_the_simulation_and_agrees_with_the_prediction_on_an_ntk_spectrum():
    """`gaussian_design` draws what the simulation above draws (same seed, same errors), and on the spectrum of a
    real NTK (depth-4 ReLU, Gaussian features of scale 10, a 1/f signal on 256 points) its mean test error is within
    3 standard errors plus 5% of the prediction at n = 16 and 32 (100 draws; measured 0.2% and 1%), while ridgeless
    regression on random points of the grid is above it at n = 32 (measured 15%, 6 standard errors): the equations
    hold for Gaussian features, not for random points in 1D (docs/research.md)."""
    i = np.arange(1, 301)
    pop = le.Population(eigenvalues=i ** -2.0, coefficients=i ** -1.0, kernel=None, target=None)
    errors = le.gaussian_design(pop, 20, ridge=0.1, draws=3, seed=5)
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((3, 20, 300))
    for z, error in zip(Z, errors):
        alpha = np.linalg.solve((z * pop.eigenvalues) @ z.T + 0.1 * np.eye(20), z @ pop.coefficients)
        assert error == pytest.approx(np.sum((pop.eigenvalues * (z.T @ alpha) - pop.coefficients) ** 2), rel=1e-9)
    x = nf.grid((256,))
    y = nf.one_over_f(n=256, stride=2, seed=0)["y"]
    model = nf.Model(mapping=nf.Mapping("gaussian", sigma=10.0, features=256), depth=4)
    pop = le.population(nf.kernels(model, x, execution=nf.QUIET).ntk, y)
    for n, predicted in zip((16, 32), le.predict(pop, [16, 32]).test_mse):
        control = le.gaussian_design(pop, n, draws=100, seed=n)
        se = np.std(control, ddof=1) / np.sqrt(len(control))
        assert abs(np.mean(control) - predicted) <= 3 * se + 0.05 * predicted, (n, np.mean(control), predicted)
    measured, se = le.measured(pop, [32], draws=100)
    assert measured[0] - predicted > 3 * se[0], (measured, predicted, se)


def test_predicted_learnability_is_ordered_by_eigenvalue_and_train_error_vanishes_without_ridge():
    lam = np.arange(1, 200) ** -1.0
    pop = le.Population(lam, np.ones(199) / 14, None, None)
    p = le.predict(pop, [10, 50])
    assert np.all(np.diff(p.learnability, axis=1) <= 0) and np.all(p.train_mse == 0)
    assert np.all(p.learnability[1] >= p.learnability[0])  # more data: every mode better learned
