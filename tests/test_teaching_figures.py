"""The teaching figures' numbers against oracles: steps to learn frequency k by brute force and by the kernel
dynamics (`nf.predict`), and the eigenfunction figure's stationary eigenvectors against sinusoids."""
import numpy as np
import pytest

import ntk_fourier as nf
from analysis import steps_to_learn as stl


def brute_force_steps(x: float, level: float) -> float:
    """Smallest t >= 1 with |1 - x|^t <= level, by multiplying one step at a time."""
    if x <= 0:
        return np.inf
    residual, t = abs(1.0 - x), 1
    while residual > level:
        residual, t = residual * abs(1.0 - x), t + 1
    return float(t)


@pytest.mark.parametrize("level", [0.1, 0.01])
def test_steps_to_learn_equals_brute_force(level):
    rng = np.random.default_rng(0)
    x = np.concatenate([[1.0, 0.5, 1.5, 1.9, 1e-4, 0.9], 10.0 ** rng.uniform(-3.5, 0.25, 40)])  # lr lambda / n
    lam, lr, n = np.append(x, [0.0, -1e-9]) * 64, 1.0, 64  # a zero and a round-off negative eigenvalue: never
    expected = [brute_force_steps(value, level) for value in x] + [np.inf, np.inf]
    np.testing.assert_array_equal(stl.steps_to_learn(lam, lr, n, level), expected)


def test_steps_to_learn_refuses_an_unstable_rate():
    with pytest.raises(nf.InputError):
        stl.steps_to_learn(np.array([3.0]), lr=1.0, n=1)


def test_steps_to_learn_matches_the_kernel_dynamics():
    """On a periodic kernel (power-law features), a sinusoid of frequency k trained by `nf.predict` has fallen below
    10% of its initial residual at t_k steps and not at t_k - 1."""
    size = 32
    model = nf.Model(mapping=nf.Mapping("power", p=1.0, features=size // 2), depth=1)
    spectrum = nf.grid_spectrum(model, (size,), execution=nf.QUIET)
    lr = 0.5 * nf.max_stable_lr(spectrum.eigenvalues, size)
    lam = stl.by_frequency(spectrum, size // 2)
    t = stl.steps_to_learn(lam, lr, size)
    x = nf.grid((size,))
    K = nf.kernels(model, x, execution=nf.QUIET).ntk
    for k in (1, 3, 7):
        y = np.cos(2 * np.pi * k * x[:, 0])
        p = nf.predict(K, y, lr=lr, steps=[int(t[k]) - 1, int(t[k])])
        left = np.linalg.norm(p.f_train[:, :, 0] - y, axis=1) / np.linalg.norm(y)
        assert left[0] > 0.1 >= left[1], (k, t[k], left)


def test_stationary_eigenfunctions_are_sinusoids():
    from analysis import eigenfunctions
    meta = eigenfunctions.run(**eigenfunctions.SETTINGS["quick"])[1]
    purity = meta["purity"]["gaussian sigma=1"]
    assert min(purity) > 0.6 and meta["frequencies"]["gaussian sigma=1"][:3] == [0.0, 0.5, 0.5]
