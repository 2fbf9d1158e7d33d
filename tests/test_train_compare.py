"""Training (GD, Adam; vmapped seeds) against hand-written steps, and the cross-check end to end at toy size."""
import json

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from ntk_fourier import QUIET, Mapping, Model
from ntk_fourier.cli import main
from ntk_fourier.compare import cross_check
from ntk_fourier.datasets import one_over_f
from ntk_fourier.network import train
from ntk_fourier.network.mlp import build as network

DATA = one_over_f(n=64, stride=4)
MODEL = Model(mapping=Mapping("gaussian", sigma=4.0, features=32), depth=2, width=64)


def _manual(model, optimizer, lr, steps, seed):
    """Reference loop: one network, plain Python steps, loss 1/(2n) sum (f - y)^2."""
    net = network(model, 1, 1)
    keys = jax.random.split(jax.random.PRNGKey(seed), 2)
    params = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), net.init(keys[1]))  # second seed, drawn in f32
    x, y = jnp.asarray(DATA["x_train"]), jnp.asarray(DATA["y_train"])[:, None]
    loss = lambda p: jnp.sum((net.apply(p, x) - y) ** 2) / (2 * y.size)  # noqa: E731
    opt = optax.sgd(lr) if optimizer == "gd" else optax.adam(lr)
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    return np.asarray(net.apply(params, x))


@pytest.mark.parametrize("optimizer,lr", [("gd", 0.3), ("adam", 1e-3)])
@pytest.mark.usefixtures("x64")
def test_training_equals_manual_steps(optimizer, lr):
    run = train(MODEL, DATA["x_train"], DATA["y_train"], DATA["x_test"], DATA["y_test"], lr=lr, steps=[0, 3, 7],
                seeds=2, seed=5, optimizer=optimizer, dtype=jnp.float64, execution=QUIET)
    np.testing.assert_allclose(run.f_train[-1, 1], _manual(MODEL, optimizer, lr, 7, 5), rtol=1e-9, atol=1e-12)
    assert run.mse_train[-1, 1] < run.mse_train[0, 1]
    assert not np.allclose(run.f_train[0, 0], run.f_train[0, 1])  # seeds differ


def test_recorded_ntk_and_drift():
    run = train(MODEL, DATA["x_train"], DATA["y_train"], DATA["x_test"], DATA["y_test"], lr=0.3, steps=[0, 50],
                seeds=2, record_ntk=True, dtype=jnp.float64, execution=QUIET)
    assert run.ntk.shape == (2, 2, 16, 16) and np.all(run.drift[0] == 0) and np.all(run.drift[1] > 0)
    np.testing.assert_allclose(run.drift[1], np.linalg.norm(run.ntk[1] - run.ntk[0], axis=(1, 2))
                               / np.linalg.norm(run.ntk[0], axis=(1, 2)))


def test_cross_check_deviation_falls_with_width():
    c = cross_check(MODEL, DATA, [64, 256, 1024], seeds=2, lr=0.3, steps=[0, 1, 10, 100], execution=QUIET)
    deviations = [k.deviation for k in c.checks]
    print("toy cross-check deviations", np.round(deviations, 4), "slope", round(c.slope, 3))
    # The gap (kernel fluctuation at init, plus drift) shrinks ~ width^-1/2 (slope -0.5), here seen through 2 random
    # networks per width: over seeds 0-15 the slope is -0.45 +- 0.065 (mean +- std; seed 0: -0.375), so the window
    # is 3.1 std above and 5.4 std below that mean (a width-independent gap, slope 0, or a 1/width one, -1, fails).
    # The ordering is the weaker part: deviations[1] - deviations[2] is 0.040 +- 0.018 over those seeds and 0.0020
    # at seed 0 -- a thin margin, but the run is deterministic and float32 round-off (~1e-6) is far below it.
    assert deviations[0] > deviations[1] > deviations[2] and -0.8 < c.slope < -0.25
    for k in c.checks:  # each prediction starts from that network's own outputs at step 0
        np.testing.assert_array_equal(k.deviation_curve[0], 0.0)
        np.testing.assert_allclose(k.predictions[1].f_train[0], k.run.f_train[0, 1])


def test_compare_command_and_runs_from_elsewhere(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", **{k: DATA[k] for k in ("x_train", "y_train", "x_test", "y_test")})
    common = ["--mapping", "gaussian", "--sigma", "4", "--features", "32", "--depth", "2", "--quiet"]
    assert main(["compare", "--data", str(tmp_path / "d.npz"), "--widths", "32,128", "--seeds", "2", "--lr", "0.3",
                 "--steps", "0,5,30", "--out", str(tmp_path / "cmp"), *common]) == 0
    summary = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert summary["widths"] == [32, 128] and len(summary["deviation"]) == 2 and np.isfinite(summary["slope"])
    assert (tmp_path / "cmp" / "report.md").exists() and (tmp_path / "cmp" / "deviation.png").exists()
    for w in (32, 128):  # the same runs made by `train` (as on a GPU machine), then compared here
        assert main(["train", "--data", str(tmp_path / "d.npz"), "--width", str(w), "--seeds", "2", "--lr", "0.3",
                     "--steps", "0,5,30", "--record-ntk", "--out", str(tmp_path / "runs" / f"width_{w}.npz"),
                     *common]) == 0
    assert main(["compare", "--data", str(tmp_path / "d.npz"), "--widths", "32,128", "--seeds", "2", "--lr", "0.3",
                 "--steps", "0,5,30", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "cmp2"),
                 *common]) == 0
    again = json.loads((tmp_path / "cmp2" / "comparison.json").read_text())
    np.testing.assert_allclose(again["deviation"], summary["deviation"], rtol=1e-6)
    capsys.readouterr()
    assert main(["compare", "--data", str(tmp_path / "d.npz"), "--widths", "32,64", "--seeds", "2", "--lr", "0.3",
                 "--steps", "0,5,30", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "cmp3"),
                 *common]) == 2
    assert "width_64.npz does not exist" in capsys.readouterr().err
    # runs made with another learning rate, model or data set are refused in one line
    for args, needle in ((["--lr", "0.2"], "trained with lr 0.3"), (["--lr", "0.3", "--depth", "3"], "depth"),
                         (["--lr", "0.3", "--data", str(tmp_path / "d2.npz")], "other data")):
        np.savez(tmp_path / "d2.npz", **{k: DATA[k] * (1.5 if k == "y_train" else 1) for k in
                                         ("x_train", "y_train", "x_test", "y_test")})
        argv = ["compare", "--data", str(tmp_path / "d.npz"), "--widths", "32,128", "--seeds", "2", "--steps",
                "0,5,30", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "cmp4"), *common, *args]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1, err
    # the run sidecars written by compare carry their own width
    meta = json.loads((tmp_path / "cmp" / "runs" / "width_32.json").read_text())
    assert meta["model"]["width"] == 32


def test_decomposition_fields_and_figures(tmp_path):
    """compare writes the per-step curves, slopes, the decomposition and the horizons; the parts add up to no less
    than the whole (triangle inequality, step by step)."""
    np.savez(tmp_path / "d.npz", **{k: DATA[k] for k in ("x_train", "y_train", "x_test", "y_test")})
    assert main(["compare", "--data", str(tmp_path / "d.npz"), "--widths", "32,128", "--seeds", "2", "--lr", "0.3",
                 "--steps", "0,1,10,100", "--dtype", "float64", "--mapping", "none", "--depth", "2", "--quiet",
                 "--out", str(tmp_path / "cmp")]) == 0
    s = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    for key in ("deviation_curve", "slope_per_step", "deviation_kernel", "deviation_linearization",
                "validity_horizon"):
        assert key in s, key
    assert np.array(s["deviation_curve"]).shape == (2, 4, 2) and len(s["slope_per_step"]) == 4
    for w in range(2):
        total = np.array(s["deviation_curve_mean"][w])
        parts = np.array(s["deviation_kernel_curve_mean"][w]) + np.array(s["deviation_linearization_curve_mean"][w])
        assert np.all(total <= parts + 1e-12)
    assert {"measured_0.05", "estimate_0.1", "k0_fluctuation_relative"} <= set(s["validity_horizon"][0])
    for name in ("decomposition.png", "deviation_steps.png", "runs/width_32_linear.npz"):
        assert (tmp_path / "cmp" / name).stat().st_size > 0, name
    assert "kernel part" in (tmp_path / "cmp" / "report.md").read_text()


def test_kernel_gap_from_k0_equals_the_linearised_networks():
    """The horizon's estimate (the gap predicted from K_0 alone) is the kernel part measured with the trained
    linearised networks, at every recorded step (float64)."""
    from ntk_fourier.compare.crosscheck import kernel_gap_curve
    model = Model(mapping=Mapping("none"), depth=2)
    c = cross_check(model, DATA, [64], seeds=2, lr=0.3, steps=[0, 1, 10, 100], dtype=jnp.float64,
                    execution=QUIET)
    k = c.checks[0]
    y = DATA["y_train"][:, None]
    estimate = kernel_gap_curve(k.k0, k.ntk, k.run.f_train[0], y, 0.3, k.run.steps)
    np.testing.assert_allclose(estimate, k.kernel_curve, rtol=1e-8, atol=1e-12)


@pytest.mark.usefixtures("x64")
def test_linearised_network_equals_kernel_dynamics_of_its_own_k0():
    """The linearised network (jvp around p0), trained by GD, equals `predict` with its own empirical K_0, on train and
    test points, to float64 round-off."""
    from ntk_fourier import empirical_ntk, predict
    model, lr, steps = Model(mapping=Mapping("none"), depth=2, width=64), 0.1, [0, 1, 10, 100]
    run = train(model, DATA["x_train"], DATA["y_train"], DATA["x_test"], DATA["y_test"], lr=lr, steps=steps, seeds=2,
                dtype=jnp.float64, linearize=True, execution=QUIET)
    net = network(model, 1, 1)
    for s, key in enumerate(jax.random.split(jax.random.PRNGKey(0), 2)):
        p0 = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), net.init(key))  # as train() draws them
        k0 = np.asarray(empirical_ntk(net, p0, DATA["x_train"]))
        k0_test = np.asarray(empirical_ntk(net, p0, DATA["x_test"], DATA["x_train"]))
        p = predict(k0, DATA["y_train"], lr=lr, steps=steps, ntk_test=k0_test, f0_train=run.f_train[0, s],
                    f0_test=run.f_test[0, s])
        np.testing.assert_allclose(run.f_train[:, s], p.f_train, rtol=0, atol=1e-13 * np.abs(p.f_train).max())
        np.testing.assert_allclose(run.f_test[:, s], p.f_test, rtol=0, atol=1e-13 * np.abs(p.f_test).max())


def test_train_command_with_analytic_kernel_gives_mode_residuals(tmp_path):
    np.savez(tmp_path / "d.npz", **{k: DATA[k] for k in ("x_train", "y_train", "x_test", "y_test")})
    np.save(tmp_path / "x.npy", DATA["x_train"])
    opts = ["--mapping", "basic", "--depth", "1", "--quiet"]
    assert main(["kernel", "--x", str(tmp_path / "x.npy"), "--out", str(tmp_path / "k.npz"), *opts]) == 0
    assert main(["train", "--data", str(tmp_path / "d.npz"), "--lr", "0.1", "--steps", "0,10", "--kernel",
                 str(tmp_path / "k.npz"), "--out", str(tmp_path / "r.npz"), "--width", "32", *opts]) == 0
    with np.load(tmp_path / "r.npz") as r, np.load(tmp_path / "k.npz") as k:
        lam, V = np.linalg.eigh(k["ntk"])
        expected = V[:, ::-1].T @ (r["f_train"][1, 0] - DATA["y_train"][:, None])
        np.testing.assert_allclose(r["mode_residuals"][1, 0], expected, rtol=1e-10, atol=1e-12)


def test_two_power_fit_recovers_the_two_laws():
    """a w^-1/2 + b w^-1 sampled exactly is recovered, with each term's share at both ends; power_fit's seed
    interval contains the slope the seeds were drawn around."""
    from ntk_fourier.compare.fits import contains, dominant_term, power_fit, two_power_curve, two_power_fit
    w = np.array([256, 512, 1024, 2048, 4096], float)
    fit = two_power_fit(w, 0.3 * w**-0.5 + 40 / w)
    np.testing.assert_allclose([fit["a"], fit["b"]], [0.3, 40], rtol=1e-8)
    half = lambda v: 0.3 * v**-0.5 / (0.3 * v**-0.5 + 40 / v)  # noqa: E731
    np.testing.assert_allclose([fit["share_half_low"], fit["share_half_high"]], [half(256), half(4096)], rtol=1e-8)
    assert fit["max_rel_residual"] < 1e-8 and dominant_term(fit) == "x^-1"  # 11% and 32%: the w^-1 term larger
    np.testing.assert_allclose(two_power_curve(fit, w), 0.3 * w**-0.5 + 40 / w, rtol=1e-8)
    assert dominant_term(two_power_fit(w, 1 * w**-0.5 + 40 / w)) == "crossover"  # 29% at 256, 62% at 4096
    assert dominant_term(two_power_fit(w, 30 * w**-0.5 + 40 / w)) == "x^-1/2"
    rng = np.random.default_rng(0)
    seeds = w[:, None] ** -1.0 * np.exp(0.05 * rng.standard_normal((5, 4)))
    p = power_fit(w, seeds)
    assert p["seeds"] == 4 and p["low"] < p["slope"] < p["high"] and contains(p, -1.0) and not contains(p, -0.5)
    np.testing.assert_allclose(np.exp(p["intercept"]) * w ** p["slope"], seeds.mean(1), rtol=0.1)
    assert contains(power_fit(w, seeds.mean(1)), -1.0) is None  # one seed: no interval, no verdict


def _numbers(kernel, linear, drift, z):
    """The parts of a comparison as `summary` gives them, from per-seed values (W, S)."""
    from ntk_fourier.compare.fits import power_fit, width_laws
    widths = [256, 1024, 4096]
    laws = width_laws(widths, {"total": kernel + linear, "kernel": kernel, "linearization": linear}, drift=drift,
                      z=z)
    slope = lambda v: power_fit(widths, v.mean(1))["slope"]  # noqa: E731
    return {"widths": widths, "steps": [0, 10], "slope_per_step": [np.nan, slope(kernel + linear)],
            "slope_kernel_per_step": [np.nan, slope(kernel)], "slope_linearization_per_step": [np.nan, slope(linear)],
            "width_laws": laws}


def test_report_sentences_switch_with_the_numbers():
    """The report compares the kernel part with -1/2 and the linearisation part with -1, says 'consistent' only when
    the seed interval contains it, says which part dominates, flags non-perturbative widths and z >> 1."""
    from ntk_fourier.compare.report import law_sentences
    w = np.array([256, 1024, 4096], float)[:, None]
    noise = np.exp(0.03 * np.random.default_rng(1).standard_normal((3, 3)))
    # a lazy network: kernel part ~ w^-1/2 dominates, drift ~ w^-1 small, seed mean consistent with the ensemble
    lazy = "\n".join(law_sentences(_numbers(1.0 * w**-0.5 * noise, 2.0 / w * noise[::-1], [0.2, 0.05, 0.01],
                                            [1.1, 0.8, 1.3])))
    line = lambda text, start: next(x for x in text.splitlines() if x.startswith(start))  # noqa: E731
    assert "perturbative law width^-1/2): -0.50" in lazy and "consistent with -1/2 (the interval contains it)" in lazy
    assert "perturbative law width^-1): -1.00" in lazy and "consistent with -1 (the interval contains it)" in lazy
    assert "The kernel part dominates the deviation at every measured width" in lazy
    assert line(lazy, "- kernel part: a = 0.997").endswith("the w^-1/2 term dominates across the measured range.")
    assert line(lazy, "- linearisation part: a =").endswith("the w^-1 term dominates across the measured range.")
    assert "within the perturbative regime" in lazy and "Outside" not in lazy
    assert "z = 1.1 / 0.8 / 1.3" in lazy and "consistent with it (z <= 3) at every width" in lazy
    assert "inconsistent" not in lazy
    # SIREN-like: drift dominates and falls as w^-1, the kernel part too (not -1/2), the NTK moves > 100% at 256
    siren = "\n".join(law_sentences(_numbers(0.3 / w * noise, 200 / w * noise[::-1], [4.18, 0.73, 0.26],
                                             [497, 64, 13])))
    assert "perturbative law width^-1/2): -1.00" in siren and "not consistent with -1/2 (the interval excludes it)" \
        in siren
    assert "The linearisation part (drift and nonlinearity) dominates the deviation at every measured width" in siren
    assert "the w^-1 term dominates across the measured range" in siren
    assert "Outside the perturbative regime at width 256: the NTK moved by 418%" in siren
    assert "Over widths 1024 / 4096 alone" in siren
    assert "z = 497 / 64 / 13" in siren
    assert "inconsistent with the infinite-ensemble mean (z > 3) at every width" in siren
    # one seed: slopes without intervals are no test of either law
    single = "\n".join(law_sentences(_numbers(1.0 * w**-0.5, 2.0 / w, [0.2, 0.05, 0.01], [1.1, 5.0, 1.3])))
    assert "no test of -1/2" in single and "no test of -1" in single and "consistent with -1/2" not in single
    assert "inconsistent with it (z > 3) at width 1024 and consistent at widths 256 / 4096" in single


def test_report_write_changes_no_global_matplotlib_state(tmp_path):
    """nf.report.write draws with Figure objects in a scoped style: no backend chosen, no rcParams changed, no
    pyplot loaded; its comparison.json holds the width laws for the model it reports."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    code = """
import sys
import numpy as np
import ntk_fourier as nf
from ntk_fourier.datasets import one_over_f
import matplotlib
def settings():  # reading rcParams["backend"] would resolve the backend, which loads pyplot
    return {k: matplotlib.rcParams[k] for k in matplotlib.rcParams if k != "backend"}
backend, rc = matplotlib.rcParams._get_backend_or_none(), settings()
model = nf.Model(mapping=nf.Mapping("none"), depth=1)
c = nf.cross_check(model, one_over_f(n=32, stride=4), [16, 32], seeds=2, lr=0.3, steps=[0, 1, 5],
                   execution=nf.QUIET)
nf.report.write(c, sys.argv[1], {"model": model, "lr": 0.3, "seeds": 2}, save_runs=False)
assert "matplotlib.pyplot" not in sys.modules
assert matplotlib.rcParams._get_backend_or_none() == backend and settings() == rc
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "cmp")], capture_output=True, text=True,
                          cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
    s = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    laws = s["width_laws"]
    assert set(laws["fits"]) == {"total", "kernel", "linearization"} and laws["fits"]["kernel"]["expected"] == -0.5
    assert laws["fits"]["linearization"]["expected"] == -1.0 and laws["fits"]["kernel"]["seeds"] == 2
    assert set(laws["two_power"]) >= {"kernel", "linearization"} and laws["ensemble_z"] == s["ensemble_mean_z"]
    assert np.array(s["deviation_kernel_per_seed"]).shape == (2, 2)
    np.testing.assert_allclose(np.mean(s["deviation_kernel_per_seed"], 1), s["deviation_kernel"], rtol=1e-12)
    text = (tmp_path / "cmp" / "report.md").read_text()
    assert "How the deviation falls with width" in text and "Seed mean vs infinite-ensemble mean" in text
    assert "predicts about -0.5" not in text
    for name in ("deviation", "decomposition", "modes", "mse"):
        assert (tmp_path / "cmp" / f"{name}.png").stat().st_size > 0 and (tmp_path / "cmp" / f"{name}.pdf").is_file()
