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
                                                            execution=nf.QUIET).mse_test[-1]
                           for c in (1 / 64, 1 / 64 + 5 / 32, 1 / 64 + 11 / 32)]
    assert np.ptp(errors["basic"]) <= 1e-9 * np.mean(errors["basic"])
    assert np.ptp(errors["none"]) > 0.02 * np.mean(errors["none"])


def test_the_sparse_mapping_has_two_frequencies_and_the_ntk_many():
    x = nf.grid((64,))
    mapping = kernel_spreading.sparse_mapping(64)
    spectrum = kernel_spreading.row_spectrum(nf.input_covariance(mapping, x[:1], x)[0])
    assert np.allclose(np.delete(spectrum, kernel_spreading.FREQUENCIES), 0, atol=1e-12)
    ntk = kernel_spreading.row_spectrum(nf.kernels(nf.Model(mapping=mapping, depth=1), x[:1], x,
                                                   execution=nf.QUIET).ntk[0])
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


def test_centred_networks_trained_together_are_those_of_nf_train(monkeypatch):
    """`common.train_centred` (many problems and seeds in one vmapped program, on mapped inputs) trains the same
    networks as `nf.train(..., center=True)`, one problem at a time, on the raw points; split into several programs
    (fewer parameters per program) it gives the same networks."""
    from analysis import common
    data = [nf.one_over_f(n=64, stride=4, seed=s) for s in range(3)]
    model = nf.Model(depth=2, width=32, mapping=nf.Mapping("gaussian", sigma=4.0, features=16))
    rates = (0.3, 0.2, 0.25)
    args = (model, np.stack([nf.encode(model.mapping, d["x_train"]) for d in data]),
            np.stack([d["y_train"] for d in data]), np.stack([nf.encode(model.mapping, d["x_test"]) for d in data]))
    f = common.train_centred(*args, lr=rates, steps=40, seeds=2)
    for i, (d, lr) in enumerate(zip(data, rates)):
        run = nf.train(model, d["x_train"], d["y_train"], d["x_test"], d["y_test"], lr=lr, steps=[0, 40], seeds=2,
                       center=True, execution=nf.QUIET)
        assert np.allclose(f[i], run.f_test[-1][:, :, 0], rtol=1e-4, atol=1e-5)
    monkeypatch.setattr(common, "MAX_PARAMETERS", 9000)  # two problems per program: two programs, one padded
    assert np.allclose(common.train_centred(*args, lr=rates, steps=40, seeds=2), f, rtol=1e-4, atol=1e-5)


def test_ntk_prediction_is_the_mean_prediction_of_each_target():
    """`common.ntk_prediction` is `predict_model`'s mean prediction, one target at a time."""
    from analysis.common import ntk_prediction
    data = [nf.one_over_f(n=64, stride=4, seed=s) for s in range(2)]
    model = nf.Model(depth=2, mapping=nf.Mapping("gaussian", sigma=4.0, features=16))
    mse, lr = ntk_prediction(model, data[0]["x_train"], data[0]["x_test"],
                             np.stack([d["y_train"] for d in data], 1), np.stack([d["y_test"] for d in data], 1),
                             steps=30)
    for d, value in zip(data, mse):
        ref = nf.kernel.dynamics.predict_model(model, d, lr=lr, steps=[30], execution=nf.QUIET).mse_test[-1]
        assert value == pytest.approx(ref, rel=1e-10)
