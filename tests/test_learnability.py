"""Generalisation from the spectrum (`kernel.learnability`) against oracles: Gaussian-design ridge regression,
where the eigenlearning equations are asymptotically exact (features z ~ N(0, I) with k(z, z') = sum_i lambda_i z_i
z'_i: the test error is |w_hat - v|^2, simulated), the conservation law sum_i L_i + ridge / kappa = n, Parseval for
the target's coefficients, and kernel regression computed directly."""
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
    K = nf.kernels(nf.Model(mapping=nf.Mapping("power", features=32, p=1.0), depth=2), x, show_progress=False).ntk
    pop = le.population(K, y)
    assert np.sum(pop.coefficients ** 2) == pytest.approx(np.mean(y ** 2), rel=1e-12)  # Parseval, phi mean-square 1
    assert np.all(np.diff(pop.eigenvalues) <= 0) and pop.eigenvalues.sum() == pytest.approx(np.trace(K) / 64)
    mean, _ = le.measured(pop, [10], ridge=0.5, draws=1, seed=3)
    idx = np.random.default_rng(3).choice(64, size=10, replace=True)
    direct = K[:, idx] @ np.linalg.solve(K[np.ix_(idx, idx)] + 0.5 * np.eye(10), y[idx])
    assert mean[0] == pytest.approx(np.mean((direct - y) ** 2), rel=1e-10)


def test_predicted_learnability_is_ordered_by_eigenvalue_and_train_error_vanishes_without_ridge():
    lam = np.arange(1, 200) ** -1.0
    pop = le.Population(lam, np.ones(199) / 14, None, None)
    p = le.predict(pop, [10, 50])
    assert np.all(np.diff(p.learnability, axis=1) <= 0) and np.all(p.train_mse == 0)
    assert np.all(p.learnability[1] >= p.learnability[0])  # more data: every mode better learned
