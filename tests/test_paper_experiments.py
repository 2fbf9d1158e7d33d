"""The paper's remaining experiments (analysis/samplers, stationarity, rotation, kernel_spreading, occupancy): the
properties their figures show, checked against exact symmetries and closed forms. (Each also runs end to end in
tests/test_scripts.py's quick gallery.)"""
import numpy as np
import pytest

import ntk_fourier as nf
from analysis import kernel_spreading, occupancy, rotation, stationarity


def test_stationary_kernel_error_does_not_depend_on_the_bump_position():
    """Bump positions that differ by whole training-grid steps: with the basic mapping (a periodic stationary
    kernel) the problem is the same one shifted, so the predicted error is equal; raw coordinates are not."""
    errors = {}
    for mapping in ("basic", "none"):
        model = nf.Model(mapping=nf.Mapping(mapping), depth=2)
        errors[mapping] = [nf.kernel.dynamics.predict_model(model, stationarity.bump(c), lr=0.5, steps=[100],
                                                            show_progress=False).mse_test[-1]
                           for c in (1 / 64, 1 / 64 + 5 / 32, 1 / 64 + 11 / 32)]
    assert np.ptp(errors["basic"]) <= 1e-9 * np.mean(errors["basic"])
    assert np.ptp(errors["none"]) > 0.02 * np.mean(errors["none"])


def test_the_sparse_mapping_has_two_frequencies_and_the_ntk_many():
    x = nf.grid((64,))
    mapping = kernel_spreading.sparse_mapping(64)
    spectrum = kernel_spreading.row_spectrum(nf.input_covariance(mapping, x[:1], x)[0])
    assert np.allclose(np.delete(spectrum, kernel_spreading.FREQUENCIES), 0, atol=1e-12)
    ntk = kernel_spreading.row_spectrum(nf.kernels(nf.Model(mapping=mapping, depth=1), x[:1], x,
                                                   show_progress=False).ntk[0])
    assert np.all(ntk > 0)  # every frequency: the ReLU layer spreads the two


def test_tori_volume_and_iou():
    """Two non-intersecting tori: volume 2 * 2 pi^2 R r^2 (Monte Carlo in a box that holds them, 4 s.e.)."""
    rng = np.random.default_rng(0)
    lo, hi = -0.2, 1.2
    inside = occupancy.occupancy(rng.uniform(lo, hi, (2_000_000, 3)))
    volume = inside.mean() * (hi - lo) ** 3
    R, r = occupancy.RADII
    se = np.sqrt(inside.mean() * (1 - inside.mean()) / len(inside)) * (hi - lo) ** 3
    assert abs(volume - 2 * 2 * np.pi**2 * R * r**2) <= 4 * se
    assert occupancy.iou(np.array([0.9, 0.8, 0.1, 0.7]), np.array([1.0, 0.0, 0.0, 1.0])) == pytest.approx(2 / 3)


def test_rotated_waves_are_the_same_waves_turned():
    """The target at theta, read at points turned by -theta, is the target at 0 (on the continuous domain)."""
    d0, d = rotation.rotated_waves(0.0), rotation.rotated_waves(0.3)
    x = d["x_train"]
    turn = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    y_turned = sum(np.cos(2 * np.pi * r * (x @ turn @ np.array([np.cos(a), np.sin(a)])))
                   for r, a in rotation.WAVES) / 3
    assert np.allclose(d["y_train"], y_turned, atol=1e-12) and not np.allclose(d["y_train"], d0["y_train"])
