"""NTK-guided mapping design (`kernel.design`, `compare.design_check`, `ntk-fourier design`) against oracles: the
engine's kernels, finite differences, the closed-form prediction of `predict`, and a design problem whose optimum is
known: signals drawn from the Gaussian process of the NTK with a given p (or sigma), for which kernel regression with
that same kernel is the posterior mean, the predictor of least expected squared error (so the expected test MSE of
NTK regression is smallest at the true p), made exact by taking as signals the columns of a square root of the
kernel (their mean squared error is the expected error over all draws)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier import cli
from ntk_fourier.kernel import design as nd

MODEL = nf.Model(depth=2)
FEATURES = 32


def _gp_signals(mapping, size=64, stride=4) -> nd.Signals:
    x = nf.grid((size,))
    K = nf.kernels(MODEL.replace(mapping=mapping), x, execution=nf.QUIET).ntk
    lam, V = np.linalg.eigh(K)
    root = V * np.sqrt(np.clip(lam, 0.0, None))  # root @ root.T = K: y = root @ xi, xi ~ N(0, I)
    train = np.arange(size) % stride == 0
    return nd.Signals(x[train], root[train], x[~train], root[~train])


@pytest.mark.parametrize("kind,theta", [("power", [1.3]), ("sigma", [np.log(5.0)]),
                                        ("amplitudes", np.random.default_rng(0).normal(size=FEATURES))])
def test_design_kernel_equals_the_engine(kind, theta):
    x = np.concatenate([nf.grid((24,)), np.random.default_rng(1).uniform(size=(9, 1))])
    assert nd.check_covariance(MODEL.replace(depth=3), kind, theta, x, FEATURES) < 1e-13


@pytest.mark.parametrize("steps", [None, 50])
def test_predicted_error_equals_predict(steps):
    """The objective equals `predict`'s test MSE of the ensemble mean (from zero) at `steps` (None: converged), and
    with `network`, that plus the mean over test points of the NNGP variance `predict` reports."""
    signals = nd.one_over_f_signals(1.0, [3, 4], n=64, stride=4)
    mapping = nf.Mapping("power", features=FEATURES, p=1.2)
    model = MODEL.replace(mapping=mapping)
    lr = nd.stable_lr(MODEL, mapping, signals.x_train)
    ours = nd.predicted_errors(MODEL, "power", [1.2], [signals], lr=lr, steps=steps, features=FEATURES,
                               network=False)[0]
    network = nd.predicted_errors(MODEL, "power", [1.2], [signals], lr=lr, steps=steps, features=FEATURES,
                                  network=True)[0]
    errors, variances = [], []
    for s in range(2):
        data = {"x_train": signals.x_train, "y_train": signals.y_train[:, s], "x_test": signals.x_test,
                "y_test": signals.y_test[:, s]}
        if steps is None:
            k = nf.kernels(model, signals.x_train, execution=nf.QUIET).ntk
            ks = nf.kernels(model, signals.x_test, signals.x_train, execution=nf.QUIET).ntk
            errors.append(np.mean((ks @ np.linalg.solve(k, data["y_train"]) - data["y_test"]) ** 2))
        else:
            p = nf.kernel.dynamics.predict_model(model, data, lr=lr, steps=[steps], execution=nf.QUIET)
            errors.append(p.mse_test[-1])
            variances.append(np.mean(p.var_test[-1]))
    assert ours == pytest.approx(np.mean(errors), rel=1e-9)
    if steps is not None:
        assert network == pytest.approx(np.mean(errors) + np.mean(variances), rel=1e-9)


@pytest.mark.parametrize("network", [True, False])
@pytest.mark.parametrize("kind,theta", [("power", [0.9]), ("sigma", [np.log(4.0)]),
                                        ("amplitudes", -0.8 * np.log(np.arange(1, FEATURES + 1)))])
def test_gradient_equals_finite_differences(kind, theta, network):
    signals = nd.one_over_f_signals(1.5, [0, 1], n=64, stride=4)
    theta = np.asarray(theta, dtype=float)
    value, grad = nd.gradient(MODEL, kind, theta, signals, lr=0.5, steps=40, features=FEATURES, network=network)
    direction = np.random.default_rng(2).normal(size=theta.shape)
    h = 1e-5
    plus, minus = (nd.predicted_errors(MODEL, kind, theta + s * h * direction, [signals], lr=0.5, steps=40,
                                       features=FEATURES, network=network)[0] for s in (1, -1))
    assert value > 0 and np.isfinite(grad).all()
    assert grad @ direction == pytest.approx((plus - minus) / (2 * h), rel=1e-5)


@pytest.mark.parametrize("kind,truth,start", [("power", 1.5, 1.0), ("sigma", 6.0, 5.6)])
def test_design_finds_the_known_optimum(kind, truth, start):
    """Signals from the GP of the NTK with p (sigma) = truth: the designed p (sigma) is the truth, and no value of a
    fine grid around it predicts a lower error. (With 32 random Gaussian frequencies the error has ripples in sigma,
    local minima 0.5-1 apart, e.g. at 4.75 and 5.25 here: gradient descent starts in the truth's basin, as after
    `design_check.experiment`'s grid search.)"""
    to_theta = (lambda v: [v]) if kind == "power" else (lambda v: [np.log(v)])
    signals = _gp_signals(nd.mapping_of(kind, to_theta(truth), FEATURES))
    d = nd.design(MODEL, kind, signals, signals, features=FEATURES, steps=None, lr=1.0, theta0=to_theta(start),
                  iterations=300, rate=0.05, network=False, execution=nf.QUIET)
    found = d.theta[0] if kind == "power" else np.exp(d.theta[0])
    assert found == pytest.approx(truth, rel=0.02)
    grid = truth * np.linspace(0.8, 1.2, 9)
    errors = nd.grid_search(MODEL, kind, grid, [signals], lr=1.0, steps=None, features=FEATURES, network=False)[:, 0]
    assert np.argmin(errors) == 4  # the truth, by Bayes optimality: the oracle the optimiser is checked against
    assert d.history[d.best, 0] <= errors.min() * (1 + 1e-9)


def test_designed_amplitudes_beat_the_best_power_law_when_predicted():
    """On 1/f^1.5 signals, after 100 steps: the designed amplitudes predict a lower test error than the best p."""
    from ntk_fourier.compare import design_check
    sets = (nd.one_over_f_class(1.5, 128, 8), nd.one_over_f_signals(1.5, range(2000, 2004), 128, 8),
            nd.one_over_f_signals(1.5, range(4), 128, 8))
    e = design_check.experiment(MODEL, "amplitudes", sets, features=64, steps=100, iterations=60, rate=0.1,
                                execution=nf.QUIET)
    assert e.best == e.grid[np.argmin(e.grid_errors[:, 1])]
    assert e.design.history[e.design.best, 1] <= e.design.history[0, 1]  # validation never worse than the start
    assert e.predicted["designed"] < e.predicted["grid"]


def test_amplitudes_mapping_is_a_power_law_when_its_amplitudes_are():
    x = nf.grid((32,))
    a = np.arange(1, 9) ** -1.7
    k1 = nf.kernels(nf.Model(mapping=nf.Mapping("power", features=8, p=1.7)), x, execution=nf.QUIET)
    k2 = nf.kernels(nf.Model(mapping=nf.Mapping("amplitudes", features=8, amplitudes=tuple(3 * a))), x,
                    execution=nf.QUIET)
    assert np.max(np.abs(k1.ntk - k2.ntk)) <= 1e-13 * np.max(np.abs(k1.ntk))
    with pytest.raises(nf.InputError, match="has 8 frequencies; got 3 amplitudes"):
        nf.encode(nf.Mapping("amplitudes", features=8, amplitudes=(1, 2, 3)), x)
    with pytest.raises(nf.InputError, match="needs finite amplitudes"):
        nf.Mapping("amplitudes", features=8)


def test_cli_design(tmp_path, capsys):
    out = tmp_path / "d.npz"
    assert cli.main(["design", "--alpha", "1.5", "--grid", "64", "--stride", "4", "--iterations", "5", "--test", "2",
                     "--validation", "2", "--train-seeds", "2", "--train-width", "32", "--depth", "2", "--quiet",
                     "--out", str(out)]) == 0
    z = np.load(out)
    assert z["grid_errors"].shape == (len(z["grid"]), 3) and z["history"].shape == (6, 2)
    assert z["trained_test"].shape == (2, 2, 2) and z["amplitudes"].shape == (32,)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["designed_mapping"]["kind"] == "amplitudes" and len(meta["designed_mapping"]["amplitudes"]) == 32
    assert "designed (amplitudes)" in capsys.readouterr().out


def test_cli_design_names_each_phase_as_it_goes(tmp_path):
    """A fresh `ntk-fourier design` shows a progress line for each phase, from the first computation on: the grid's
    stable rates, the grid search, the design, the trained networks (none of them timed here)."""
    done = subprocess.run([sys.executable, "-m", "ntk_fourier", "design", "--grid", "32", "--stride", "4",
                           "--iterations", "1", "--validation", "1", "--test", "1", "--train-seeds", "1",
                           "--train-width", "8", "--depth", "1", "--features", "8", "--out", str(tmp_path / "d.npz")],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    phases = ["computing the NTK of each grid mapping for the stable rate", "grid search: predicting each grid "
              "mapping's errors", "designing the amplitudes mapping", "training networks with the grid's best mapping",
              "training networks with the designed mapping"]
    seen = [done.stderr.find(phase) for phase in phases]
    assert min(seen) >= 0 and seen == sorted(seen), done.stderr[-2000:]  # each phase named, in the order they run
    assert (tmp_path / "d.npz").is_file()


def test_stable_rates_of_the_grid_equal_the_engines():
    x = nd.one_over_f_signals(1.0, [0], n=64, stride=4).x_train
    for kind, values in (("power", [0.0, 1.5, 4.0]), ("sigma", [0.5, 8.0])):
        thetas = [[v] if kind == "power" else [np.log(v)] for v in values]
        engine = [nd.stable_lr(MODEL, nd.mapping_of(kind, t, FEATURES), x) for t in thetas]
        np.testing.assert_allclose(nd.stable_lrs(MODEL, kind, thetas, x, features=FEATURES), engine, rtol=1e-12)


@pytest.mark.parametrize("argv,message", [
    (["--kind", "bad"], "unknown --kind 'bad'"),
    (["--steps", "inf", "--train-seeds", "2"], "--train-seeds needs a number of --steps"),
    (["--stride", "7"], "--stride 7 must divide --grid 256"),
    (["--grid", "16x16"], "design works on the 1D signal class"),
    (["--steps", "ten"], "--steps must be a whole number or inf"),
])
def test_cli_design_refuses_bad_options(tmp_path, capsys, argv, message):
    assert cli.main(["design", *argv, "--out", str(tmp_path / "d.npz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_centred_networks_start_at_zero_and_follow_the_mean_prediction():
    """Centred networks output exactly 0 at initialisation; wide ones trained by GD approach the NTK prediction from
    zero, and closer than plain networks, whose initial function adds its variance."""
    signals = nd.one_over_f_signals(1.0, [0], n=64, stride=4)
    mapping = nf.Mapping("power", features=FEATURES, p=1.0)
    model = MODEL.replace(mapping=mapping, width=2048)
    lr = nd.stable_lr(MODEL, mapping, signals.x_train)
    args = (signals.x_train, signals.y_train[:, 0], signals.x_test, signals.y_test[:, 0])
    centred = nf.train(model, *args, lr=lr, steps=[0, 50], seeds=2, center=True, dtype=np.float64,
                       execution=nf.QUIET)
    plain = nf.train(model, *args, lr=lr, steps=[0, 50], seeds=2, dtype=np.float64, execution=nf.QUIET)
    assert np.all(centred.f_test[0] == 0)
    data = {"x_train": args[0], "y_train": args[1], "x_test": args[2], "y_test": args[3]}
    mean = nf.kernel.dynamics.predict_model(model, data, lr=lr, steps=[50], execution=nf.QUIET).f_test[-1]
    gap = [np.sqrt(np.mean((r.f_test[-1][:, :, 0] - mean[:, 0]) ** 2)) for r in (centred, plain)]
    assert gap[0] < 0.1 * np.sqrt(np.mean(mean ** 2)) and gap[0] < gap[1] / 3
