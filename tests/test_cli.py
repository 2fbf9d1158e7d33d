"""The command line: output files and names, and one-line errors (exit 2, no traceback) on bad input."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ntk_fourier import QUIET, Mapping, Model, grid, grid_spectrum, kernels, predict
from ntk_fourier.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def files(tmp_path):
    x = np.arange(64) / 64
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "x2.npy", x[:10, None])
    np.save(tmp_path / "x2d.npy", np.random.default_rng(0).uniform(size=(5, 2)))
    y = np.sin(2 * np.pi * 3 * x)
    np.savez(tmp_path / "d.npz", x_train=x[::2], y_train=y[::2], x_test=x[1::2], y_test=y[1::2])
    np.savez(tmp_path / "d2.npz", x_train=x[::2, None], y_train=np.stack([y, -y], 1)[::2], x_test=x[1::2, None],
             y_test=np.stack([y, -y], 1)[1::2])
    np.savez(tmp_path / "nan.npz", x_train=x[::2], y_train=np.where(x[::2] > 0.5, np.nan, 0), x_test=x[1::2],
             y_test=y[1::2])
    np.savez(tmp_path / "mismatch.npz", x_train=x[::2], y_train=y[:5], x_test=x[1::2], y_test=y[1::2])
    np.savez(tmp_path / "missing.npz", x_train=x, y_train=y)
    np.save(tmp_path / "nanx.npy", np.array([0.1, np.nan]))
    np.save(tmp_path / "empty.npy", np.zeros((0, 1)))
    np.save(tmp_path / "four.npy", np.zeros((3, 4)))
    np.savez(tmp_path / "f0.npz", f_train=np.linspace(-1, 1, 32), f_test=np.linspace(1, -1, 32))
    np.savez(tmp_path / "f0bad.npz", f_train=np.zeros(5), f_test=np.zeros(32))
    (tmp_path / "garbage.npy").write_text("not an array")
    (tmp_path / "c.toml").write_text('mapping = "power"\nfeatures = 16\np = 1.5\nw_std = 1.2\ndepth = 2\n')
    (tmp_path / "bad.toml").write_text('mapping = "power"\nwdith = 3\n')
    (tmp_path / "broken.toml").write_text('mapping = \n')
    return tmp_path


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_kernel_command(files, capsys):
    code, out, err = _run(capsys, "kernel", "--x", files / "x.npy", "--x2", files / "x2.npy", "--out",
                          files / "K.npz", "--mapping", "basic", "--depth", "2", "--b-std", "0")
    assert code == 0, err
    with np.load(files / "K.npz") as k:
        assert k["ntk"].shape == (64, 10) and k["ntk"].dtype == np.float64 and k["nngp"].shape == (64, 10)
        model = Model(mapping=Mapping("basic"), depth=2, b_std=0.0)
        np.testing.assert_array_equal(k["ntk"], kernels(model, np.arange(64)[:, None] / 64,
                                                        np.arange(10)[:, None] / 64, execution=QUIET).ntk)
    meta = json.loads((files / "K.json").read_text())
    assert meta["model"]["mapping"]["kind"] == "basic" and meta["model"]["depth"] == 2 and "jax" in meta["versions"]


def test_spectrum_command_grid_and_config(files, capsys):
    code, out, err = _run(capsys, "spectrum", "--grid", "8x8", "--config", files / "c.toml", "--depth", "3",
                          "--out", files / "S.npz")
    assert code == 0, err
    assert "exact" in out, out
    model = Model(mapping=Mapping("power", features=16, p=1.5), w_std=1.2, depth=3)  # option overrides the file
    expected = grid_spectrum(model, (8, 8), execution=QUIET)
    with np.load(files / "S.npz") as s:
        np.testing.assert_array_equal(s["eigenvalues"], expected.eigenvalues)
        assert s["frequencies"].shape == (64, 2) and np.all(np.diff(s["eigenvalues"]) <= 0)


def test_spectrum_command_points_and_harmonic(files, capsys):
    assert _run(capsys, "spectrum", "--x", files / "x.npy", "--out", files / "S.npz")[0] == 0
    with np.load(files / "S.npz") as s:
        assert s["eigenvalues"].shape == (64,) and "frequencies" not in s.files
    code, out, err = _run(capsys, "spectrum", "--harmonic", "2", "--mapping", "none", "--depth", "1",
                          "--max-degree", "16", "--out", files / "H.npz")
    assert code == 0, err
    with np.load(files / "H.npz") as s:
        assert s["degrees"].tolist() == list(range(17)) and s["eigenvalues"].shape == (17,)


@pytest.mark.parametrize("data", ["d.npz", "d2.npz"])
def test_predict_command(files, capsys, data):
    code, out, err = _run(capsys, "predict", "--data", files / data, "--lr", "0.1", "--steps", "0,10,100",
                          "--out", files / "P.npz", "--mapping", "power", "--features", "16")
    assert code == 0, err
    with np.load(files / data) as d, np.load(files / "P.npz") as p:
        model = Model(mapping=Mapping("power", features=16))
        k_tr = kernels(model, d["x_train"], execution=QUIET)
        k_te = kernels(model, d["x_test"], d["x_train"], execution=QUIET)
        ref = predict(k_tr.ntk, d["y_train"], lr=0.1, steps=[0, 10, 100], ntk_test=k_te.ntk, y_test=d["y_test"])
        np.testing.assert_array_equal(p["steps"], [0, 10, 100])
        np.testing.assert_allclose(p["mse_test"], ref.mse_test, rtol=1e-12)
        np.testing.assert_allclose(p["mse_train"], ref.mse_train, rtol=1e-12)
        assert p["f_train"].shape == (3,) + d["y_train"].shape and p["f_test"].shape == (3,) + d["y_test"].shape
        assert np.all(p["f_train"][0] == 0)  # default start: the infinite-ensemble mean, f(0) = 0
        assert np.all(p["var_test"][0] > 0)


def test_predict_from_given_outputs(files, capsys):
    code, out, err = _run(capsys, "predict", "--data", files / "d.npz", "--lr", "0.1", "--steps", "0,5",
                          "--f0", files / "f0.npz", "--out", files / "P.npz")
    assert code == 0, err
    with np.load(files / "P.npz") as p:
        np.testing.assert_array_equal(p["f_train"][0], np.linspace(-1, 1, 32))
        np.testing.assert_array_equal(p["f_test"][0], np.linspace(1, -1, 32))
        assert "var_test" not in p.files  # the ensemble variance belongs to the zero (ensemble-mean) start


def test_predict_warns_above_stable_rate(files, capsys):
    code, out, err = _run(capsys, "predict", "--data", files / "d.npz", "--lr", "1e6", "--steps", "0,1",
                          "--out", files / "P.npz")
    assert code == 0 and "stable limit" in err and len(err.strip().splitlines()) == 1


BAD = [
    (["kernel", "--x", "nope.npy", "--out", "K.npz"], "does not exist"),
    (["kernel", "--x", "garbage.npy", "--out", "K.npz"], "cannot read"),
    (["kernel", "--x", "nanx.npy", "--out", "K.npz"], "NaN"),
    (["kernel", "--x", "empty.npy", "--out", "K.npz"], "empty"),
    (["kernel", "--x", "four.npy", "--out", "K.npz"], "shape"),
    (["kernel", "--x", "x.npy", "--x2", "x2d.npy", "--out", "K.npz"], "coordinates"),
    (["kernel", "--x", "x.npy", "--out", "K.txt"], ".npz"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--mapping", "gauss"], "unknown mapping"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--activation", "tanh"], "unknown activation"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--parameterization", "mup"], "unknown parameterization"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--sigma", "-1"], "sigma"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--w-std", "-0.5"], "w-std"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--b-std", "nan"], "b-std"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--depth", "0"], "depth"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--width", "2.5"], "integer"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--features", "0"], "features"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--config", "nope.toml"], "--config file nope.toml does not exist"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--config", "bad.toml"], "unknown key"),
    (["kernel", "--x", "x.npy", "--out", "K.npz", "--config", "broken.toml"], "not valid TOML"),
    (["kernel", "--out", "K.npz"], "required"),
    (["frobnicate"], "invalid choice"),
    (["spectrum", "--grid", "64y64", "--out", "S.npz"], "malformed grid"),
    (["spectrum", "--grid", "0", "--out", "S.npz"], "malformed grid"),
    (["spectrum", "--grid", "4x4x4x4", "--out", "S.npz"], "malformed grid"),
    (["spectrum", "--grid", "64", "--x", "x.npy", "--out", "S.npz"], "exactly one"),
    (["spectrum", "--harmonic", "4", "--mapping", "none", "--out", "S.npz"], "--harmonic"),
    (["spectrum", "--harmonic", "2", "--out", "S.npz"], "rotation-invariant"),
    (["predict", "--data", "nope.npz", "--lr", "1", "--steps", "0,1", "--out", "P.npz"], "does not exist"),
    (["predict", "--data", "missing.npz", "--lr", "1", "--steps", "0,1", "--out", "P.npz"], "lacks x_test"),
    (["predict", "--data", "nan.npz", "--lr", "1", "--steps", "0,1", "--out", "P.npz"], "NaN"),
    (["predict", "--data", "mismatch.npz", "--lr", "1", "--steps", "0,1", "--out", "P.npz"], "to match"),
    (["predict", "--data", "x.npy", "--lr", "1", "--steps", "0,1", "--out", "P.npz"], ".npz"),
    (["predict", "--data", "d.npz", "--lr", "1", "--steps", "0,1", "--f0", "f0bad.npz", "--out", "P.npz"], "has 5"),
    (["predict", "--data", "d.npz", "--lr", "1", "--steps", "0,1", "--f0", "d.npz", "--out", "P.npz"], "lacks"),
    (["predict", "--data", "d.npz", "--lr", "0", "--steps", "0,1", "--out", "P.npz"], "--lr"),
    (["predict", "--data", "d.npz", "--lr", "-1", "--steps", "0,1", "--out", "P.npz"], "--lr"),
    (["predict", "--data", "d.npz", "--lr", "1", "--steps", "0,a", "--out", "P.npz"], "malformed step"),
    (["predict", "--data", "d.npz", "--lr", "1", "--steps", "10,1", "--out", "P.npz"], "increasing"),
    (["predict", "--data", "d.npz", "--lr", "1", "--steps=-1,1", "--out", "P.npz"], "non-negative"),
    (["predict", "--data", "d.npz", "--lr", "1", "--steps", "0.5", "--out", "P.npz"], "non-integer"),
    (["predict", "--data", "d.npz", "--lr", "1", "--steps", "", "--out", "P.npz"], "malformed step"),
    (["train", "--data", "d.npz", "--lr", "auto", "--steps", "0,1", "--out", "R.npz"], "must be a number"),
    (["train", "--data", "d.npz", "--lr", "1", "--steps", "0,1", "--seeds", "0", "--out", "R.npz"], "--seeds"),
    (["train", "--data", "d.npz", "--lr", "1", "--steps", "0,1", "--optimizer", "sgd", "--out", "R.npz"], "sgd"),
    (["train", "--data", "d.npz", "--lr", "1", "--steps", "0,1", "--mapping", "gaussian_inf", "--out", "R.npz"],
     "no finite network"),
    (["train", "--data", "d.npz", "--lr", "1", "--steps", "0,1", "--kernel", "K0.npz", "--out", "R.npz"],
     "does not exist"),
    (["compare", "--data", "d.npz", "--widths", "64,a", "--steps", "0,1", "--out", "C"], "malformed width"),
    (["compare", "--data", "d.npz", "--widths", "0", "--steps", "0,1", "--out", "C"], "malformed width"),
    (["compare", "--data", "d.npz", "--widths", "8", "--lr", "fast", "--steps", "0,1", "--out", "C"], "or auto"),
    (["compare", "--data", "d.npz", "--widths", "8", "--steps", "0,1", "--runs", "nowhere", "--out", "C"],
     "does not exist"),
    (["data", "--grid", "100", "--stride", "8", "--out", "D.npz"], "divisible"),
]


@pytest.mark.parametrize("args,needle", BAD, ids=[" ".join(a[:1] + [n]) for a, n in BAD])
def test_bad_input_gives_one_line_error(files, capsys, monkeypatch, args, needle):
    monkeypatch.chdir(files)
    code, out, err = _run(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ntk-fourier: error:") and needle in lines[0], err
    assert "Traceback" not in err


def test_installed_command_runs_without_traceback(files):
    """The console script (or python -m ntk_fourier when not installed) end to end, in a fresh process."""
    exe = Path(sys.executable).parent / "ntk-fourier"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "ntk_fourier"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(cmd + ["spectrum", "--grid", "32", "--quiet", "--mapping", "basic", "--out",
                               str(files / "S.npz")], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and "exact FFT" in ok.stdout, ok.stderr
    assert ok.stderr.strip() == ""  # no start-up noise from tensorflow
    bad = subprocess.run(cmd + ["spectrum", "--grid", "x", "--out", str(files / "S.npz")], capture_output=True,
                         text=True, env=env)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "malformed grid" in bad.stderr
    np.testing.assert_allclose(np.load(files / "S.npz")["eigenvalues"].sum(),
                               kernels(Model(mapping=Mapping("basic")), grid((32,)), execution=QUIET).ntk.trace(),
                               rtol=1e-10)


@pytest.mark.parametrize("argv", [
    ["kernel", "--x", "{x}", "--out", "/proc/nope/K.npz"],
    ["compare", "--data", "{d}", "--widths", "4096,8192", "--steps", "0,1000", "--out", "/proc/nope"],
    ["image", "--builtin", "hopper", "--size", "64", "--out", "/proc/nope"],
    ["kernel", "--x", "{x}", "--out", "{x}/K.npz"],
    ["compare", "--data", "{d}", "--widths", "8", "--steps", "0,1", "--out", "{x}"],
], ids=["kernel-proc", "compare-proc", "image-proc", "kernel-under-a-file", "compare-into-a-file"])
def test_unwritable_output_is_refused_before_any_computation(files, capsys, argv):
    """A typo in --out costs nothing: one line, exit 2, in well under a second (compare would train for hours)."""
    import time
    start = time.perf_counter()
    code, out, err = _run(capsys, *[a.format(x=files / "x.npy", d=files / "d.npz") for a in argv])
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and ("--out" in err or "cannot" in err), err
    assert time.perf_counter() - start < 5.0

